// `parley backup <file>` and `parley restore <file>`: one tar archive holding a consistent copy of the
// database (SQLite's VACUUM INTO, taken while the server runs and writes), the uploaded files and the push
// keys. Files are immutable and named by their hash, so copying them after the database snapshot is safe:
// any the snapshot refers to are there unless deleted in the meantime (a warning names them).
import { lockDataDir } from "../store/data-lock.ts";
import { Database } from "bun:sqlite";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Logger } from "../lib/log.ts";
import { BLOCK, TarWriter } from "./tar.ts";
import { TLS_BACKUP_NAME } from "../tls/folder.ts";

export interface Progress {
  (done: number, total: number): void;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "tmp") out.push(...listFiles(p));
    } else if (!e.name.endsWith(".part")) out.push(p);
  }
  return out;
}

/** Writes the archive; returns what it holds. The database snapshot is taken first. */
export async function createBackup(
  dataDir: string,
  out: string,
  progress: Progress = () => {},
  /** How the database gets into the archive when it is not the data folder's file (a cluster's: cluster-snapshot.ts). */
  snapshotInto?: (file: string) => Promise<unknown>,
): Promise<{ files: number; bytes: number; missing: string[] }> {
  const dbPath = join(dataDir, "parley.db");
  if (!snapshotInto && !existsSync(dbPath)) throw new Error(`no Parley database in ${dataDir}`);
  const work = join(dirname(out), `.parley-backup-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true, mode: 0o700 });
  try {
    const snapshot = join(work, "parley.db");
    if (snapshotInto) await snapshotInto(snapshot);
    else {
      const source = new Database(dbPath);
      try {
        source.run("PRAGMA busy_timeout = 10000");
        // One read transaction: every commit before it is in, none after it.
        source.run(`VACUUM INTO '${snapshot.replaceAll("'", "''")}'`);
      } finally {
        source.close();
      }
    }
    const entries: { name: string; path: string; size: number; mtime: number }[] = [
      { name: "parley.db", path: snapshot, size: statSync(snapshot).size, mtime: Date.now() },
    ];
    // The push keys, and the HTTPS certificates Parley made or obtained itself (a restored local CA is the one
    // every device already trusts).
    const tls = listFiles(join(dataDir, "tls")).map((p) => relative(dataDir, p));
    for (const extra of ["vapid.json", ...tls.filter((name) => TLS_BACKUP_NAME.test(name))]) {
      const p = join(dataDir, extra);
      if (existsSync(p)) entries.push({ name: extra, path: p, size: statSync(p).size, mtime: statSync(p).mtimeMs });
    }
    const missing: string[] = [];
    for (const p of listFiles(join(dataDir, "files"))) {
      try {
        const st = statSync(p);
        entries.push({ name: relative(dataDir, p), path: p, size: st.size, mtime: st.mtimeMs });
      } catch {
        missing.push(relative(dataDir, p));
      }
    }
    const total = entries.reduce((n, e) => n + e.size, 0);
    let done = 0;
    const tar = new TarWriter(out);
    try {
      for (const e of entries) {
        // Deleted since it was listed (its message deleted meanwhile): named in a warning.
        if (!existsSync(e.path)) {
          missing.push(e.name);
          continue;
        }
        await tar.addBlob(e.name, Bun.file(e.path), e.size, e.mtime);
        done += e.size;
        progress(done, total);
      }
      await tar.finish();
    } finally {
      tar.discard();
    }
    return { files: entries.length - missing.length, bytes: total, missing };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Unpacks an archive into the data folder; refuses a folder with a database in it unless forced. */
export function restoreBackup(
  archive: string,
  dataDir: string,
  force: boolean,
  progress: Progress = () => {},
): { files: number } {
  const occupied = existsSync(dataDir) && readdirSync(dataDir).length > 0;
  if (occupied && !force)
    throw new Error(`${dataDir} is not empty: restoring would replace what is there. Add --force to do it anyway.`);
  // Never under a running server, --force or not: it would keep writing to the file being replaced.
  const lock = occupied ? lockDataDir(dataDir) : null;
  try {
    return unpack(archive, dataDir, progress);
  } finally {
    lock?.release();
  }
}

function unpack(archive: string, dataDir: string, progress: Progress): { files: number } {
  const total = statSync(archive).size;
  const fd = openSync(archive, "r");
  const staging = `${dataDir}.restoring-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  let files = 0;
  try {
    let at = 0;
    const head = new Uint8Array(BLOCK);
    for (;;) {
      if (readSync(fd, head, 0, BLOCK, at) < BLOCK)
        throw new Error("the archive ends early: it is not a complete Parley backup");
      at += BLOCK;
      if (head.every((b) => b === 0)) break;
      const name = new TextDecoder().decode(head.subarray(0, 100)).replace(/\0.*$/s, "");
      const size = parseInt(new TextDecoder().decode(head.subarray(124, 136)).replace(/\0.*$/s, "").trim(), 8);
      // Only what a backup holds, and never a path that climbs out of the folder.
      if (
        !(
          /^(parley\.db|vapid\.json|files\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64})$/.test(name) ||
          TLS_BACKUP_NAME.test(name)
        ) ||
        !Number.isFinite(size)
      )
        throw new Error(`unexpected entry "${name}": not a Parley backup`);
      const data = new Uint8Array(size);
      if (readSync(fd, data, 0, size, at) < size)
        throw new Error("the archive ends early: it is not a complete Parley backup");
      at += size + ((BLOCK - (size % BLOCK)) % BLOCK);
      const target = join(staging, name);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, data, { mode: 0o600 });
      files++;
      progress(at, total);
    }
    if (!existsSync(join(staging, "parley.db")))
      throw new Error("the archive has no database: it is not a Parley backup");
    const check = new Database(join(staging, "parley.db"), { readonly: true });
    try {
      const ok = check.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check;
      if (ok !== "ok") throw new Error(`the database in the archive is damaged: ${ok}`);
    } finally {
      check.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(staging, dataDir);
    return { files };
  } finally {
    closeSync(fd);
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A one-line progress bar on a terminal; nothing otherwise. */
export function progressBar(label: string): Progress {
  if (!process.stderr.isTTY) return () => {};
  return (done, total) => {
    const share = total > 0 ? done / total : 1;
    const width = 30;
    const bar = "#".repeat(Math.round(share * width)).padEnd(width, " ");
    process.stderr.write(
      `\r${label} [${bar}] ${Math.round(share * 100)}% ${(done / 2 ** 20).toFixed(1)}/${(total / 2 ** 20).toFixed(1)} MB${share >= 1 ? "\n" : ""}`,
    );
  };
}

/**
 * Scheduled backups (PARLEY_BACKUP_DIR): one archive every interval, named by its time, the oldest deleted
 * past `keep`. A failure is logged and the next interval tries again.
 */
export function scheduleBackups(opts: {
  dataDir: string;
  dir: string;
  everySeconds: number;
  keep: number;
  log: Logger;
  /** A cluster's database (see createBackup). */
  snapshotInto?: (file: string) => Promise<unknown>;
  /** False on the nodes of a cluster that do not hold its jobs lease (cluster/leases.ts). */
  isMine?: () => boolean;
}): () => void {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  let running = false;
  const timer = setInterval(async () => {
    if (running || opts.isMine?.() === false) return;
    running = true;
    try {
      const name = `parley-${new Date().toISOString().replace(/[:.]/g, "-")}.tar`;
      const result = await createBackup(opts.dataDir, join(opts.dir, name), undefined, opts.snapshotInto);
      const archives = readdirSync(opts.dir)
        .filter((f) => /^parley-.*\.tar$/.test(f))
        .sort();
      for (const old of archives.slice(0, Math.max(0, archives.length - opts.keep)))
        rmSync(join(opts.dir, old), { force: true });
      opts.log.info("backup written", { file: name, files: result.files, bytes: result.bytes });
    } catch (err) {
      opts.log.error("scheduled backup failed", { err });
    } finally {
      running = false;
    }
  }, opts.everySeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
