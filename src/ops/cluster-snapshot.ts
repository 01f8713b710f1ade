// A backup of a cluster's database (PARLEY_DATABASE_URL): a consistent copy of the primary into a new SQLite
// file, which the backup archive then holds exactly as a single node's (ops/backup.ts). It reads through its
// own connection, asynchronously, inside one read transaction: every commit before its first read is in,
// none after, and no node's writes wait for it (the primary is SQLite in WAL mode: readers block no writer).
// The same file restores a single node (`parley restore`) or seeds a new libSQL server.
import { Database } from "bun:sqlite";
import * as hrana from "@libsql/hrana-client";
import type { Config } from "../config/config.ts";
import { wsUrlOf } from "../store/remote/link-protocol.ts";

const PAGE_ROWS = 2000;

/** How a backup gets the database when it is a cluster's (createBackup's snapshotInto); undefined on a single node. */
export function snapshotterFor(config: Pick<Config, "databaseUrl" | "databaseAuthToken">) {
  if (!config.databaseUrl) return undefined;
  return (file: string) => snapshotPrimary(config.databaseUrl, config.databaseAuthToken || null, file);
}

type Bindable = null | string | number | bigint | Uint8Array;
const local = (v: hrana.Value): Bindable => (v instanceof ArrayBuffer ? new Uint8Array(v) : v);
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function snapshotPrimary(
  url: string,
  authToken: string | null,
  file: string,
): Promise<{ tables: number; rows: number }> {
  const client = hrana.openWs(wsUrlOf(url), authToken ?? undefined);
  const out = new Database(file, { create: true });
  try {
    const stream = client.openStream();
    stream.intMode = "bigint";
    out.run("PRAGMA journal_mode = OFF");
    out.run("PRAGMA synchronous = OFF");
    await stream.run("BEGIN");
    const master = (
      await stream.query(
        `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid`,
      )
    ).rows.map((r) => ({ type: r[0] as string, name: r[1] as string, tbl: r[2] as string, sql: r[3] as string }));
    let rows = 0;
    // Full-text indexes (FTS5): the virtual table makes its own shadow tables; one over another table's rows
    // (content=…) is rebuilt from them, one holding its own rows gets them copied like a table.
    const virtual = master.filter((m) => m.type === "table" && /^CREATE\s+VIRTUAL\s+TABLE/i.test(m.sql));
    const shadow = new RegExp(
      `^(${virtual.map((v) => v.name.replace(/[^\w]/g, "\\$&")).join("|") || "(?!)"})_(data|idx|content|docsize|config)$`,
    );
    const rebuilt = virtual.filter((v) => /\bcontent\s*=\s*'[^']+'/i.test(v.sql));
    // A view of another index's words (fts5vocab) holds no rows of its own: made, never filled.
    const views = virtual.filter((v) => /\bUSING\s+fts5vocab\b/i.test(v.sql));
    const tables = master.filter((m) => m.type === "table" && !shadow.test(m.name));
    out.run("BEGIN");
    for (const t of tables) {
      out.run(t.sql);
      if (!rebuilt.includes(t) && !views.includes(t))
        rows += await copyTable(stream, out, t.name, /\bWITHOUT\s+ROWID\b/i.test(t.sql));
    }
    for (const v of rebuilt) out.run(`INSERT INTO ${quoted(v.name)} (${quoted(v.name)}) VALUES ('rebuild')`);
    // AUTOINCREMENT's high-water marks, so that no id is handed out twice after a restore.
    const hasSequence = (await stream.query(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`)).rows.length;
    if (hasSequence) {
      const seqs = (await stream.query("SELECT name, seq FROM sqlite_sequence")).rows;
      out.run("DELETE FROM sqlite_sequence");
      for (const s of seqs)
        out.run("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [local(s[0]!), local(s[1]!)]);
    }
    // Indexes and triggers last: built once over the copied rows, and no trigger fires on the copy.
    for (const m of master) if (m.type !== "table" && !shadow.test(m.tbl)) out.run(m.sql);
    out.run("COMMIT");
    await stream.run("ROLLBACK");
    stream.close();
    return { tables: tables.length, rows };
  } finally {
    out.close();
    client.close();
  }
}

/** Copies one table's rows in pages (by rowid, kept, since search and events may refer to it). */
async function copyTable(stream: hrana.Stream, out: Database, table: string, withoutRowid: boolean): Promise<number> {
  const columns = (
    await stream.query(new hrana.Stmt("SELECT name, pk, type FROM pragma_table_info(?)").bindIndexes([table]))
  ).rows;
  const names = columns.map((c) => c[0] as string);
  // A table whose INTEGER PRIMARY KEY is its rowid carries it as that column already.
  const pks = columns.filter((c) => Number(c[1]) > 0);
  const rowidAlias = pks.length === 1 && String(pks[0]![2]).toUpperCase() === "INTEGER";
  const keepRowid = !withoutRowid && !rowidAlias;
  const target = [...(keepRowid ? ["rowid"] : []), ...names.map(quoted)];
  const insert = out.prepare(
    `INSERT INTO ${quoted(table)} (${target.join(", ")}) VALUES (${target.map(() => "?").join(", ")})`,
  );
  const select = `SELECT ${keepRowid ? "rowid, " : ""}${names.map(quoted).join(", ")} FROM ${quoted(table)}`;
  let copied = 0;
  let after: hrana.Value = null;
  for (;;) {
    const page: hrana.RowsResult = withoutRowid
      ? await stream.query(new hrana.Stmt(`${select} LIMIT ${PAGE_ROWS} OFFSET ${copied}`))
      : await stream.query(
          new hrana.Stmt(
            `${select.replace(/^SELECT /, "SELECT rowid AS parley_rowid, ")} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`,
          ).bindIndexes([after ?? -1n]),
        );
    for (const r of page.rows) {
      const values = Array.from(r, local);
      insert.run(...(withoutRowid ? values : values.slice(1)));
    }
    copied += page.rows.length;
    if (page.rows.length < PAGE_ROWS) return copied;
    if (!withoutRowid) after = page.rows[page.rows.length - 1]![0]!;
  }
}
