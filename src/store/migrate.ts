import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { migrationsDir } from "../lib/resources.ts";

export class SchemaTooNewError extends Error {}

interface Journal {
  entries: { idx: number; tag: string }[];
}

export interface Migration {
  version: number;
  tag: string;
  statements: string[];
}

/** The migrations this binary ships, in order (drizzle-kit's journal is the list). */
export function listMigrations(dir = migrationsDir): Migration[] {
  const journal = JSON.parse(readFileSync(`${dir}/meta/_journal.json`, "utf8")) as Journal;
  return journal.entries
    .toSorted((a, b) => a.idx - b.idx)
    .map((e) => ({
      version: e.idx + 1,
      tag: e.tag,
      statements: readFileSync(`${dir}/${e.tag}.sql`, "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.trim())
        .filter(Boolean),
    }));
}

/**
 * Applies every pending migration, each in its own transaction, so a failure leaves the database at
 * the last good version. A database written by a newer Parley is refused: an older binary would
 * misread tables it does not know.
 */
export function migrate(sqlite: Database, migrations = listMigrations()): { applied: string[]; version: number } {
  sqlite.run(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, tag TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const done = sqlite
    .query<{ version: number; tag: string }, []>("SELECT version, tag FROM schema_migrations ORDER BY version")
    .all();
  const latest = migrations.at(-1)?.version ?? 0;
  const newest = done.at(-1)?.version ?? 0;
  if (newest > latest) {
    throw new SchemaTooNewError(
      `This database has schema version ${newest}, but this Parley only knows up to version ${latest}. ` +
        `It was written by a newer Parley: run that version, or restore a backup made with this one.`,
    );
  }
  for (const row of done) {
    const known = migrations.find((m) => m.version === row.version);
    if (known && known.tag !== row.tag) {
      throw new SchemaTooNewError(
        `Schema version ${row.version} in this database is "${row.tag}", but this Parley expects "${known.tag}". ` +
          `The database comes from a different build of Parley.`,
      );
    }
  }
  const applied: string[] = [];
  for (const m of migrations) {
    if (m.version <= newest) continue;
    sqlite.transaction(() => {
      for (const statement of m.statements) sqlite.run(statement);
      sqlite.run("INSERT INTO schema_migrations (version, tag, applied_at) VALUES (?, ?, ?)", [
        m.version,
        m.tag,
        Date.now(),
      ]);
    })();
    applied.push(m.tag);
  }
  return { applied, version: latest };
}

/** For /readyz: the database is at exactly the version this binary ships. */
export function isSchemaCurrent(sqlite: Database, migrations = listMigrations()): boolean {
  const row = sqlite.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_migrations").get();
  return (row?.v ?? 0) === (migrations.at(-1)?.version ?? 0);
}
