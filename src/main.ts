#!/usr/bin/env bun
import { ConfigError, loadConfig } from "./config/config.ts";
import { helpText } from "./config/help.ts";
import { countUsers } from "./accounts/users.ts";
import { createLogger } from "./lib/log.ts";
import { version } from "./lib/version.ts";
import { startServer } from "./server.ts";
import { writeKeys, writeSharedKeys } from "./push/vapid.ts";
import { createBackup, progressBar, restoreBackup } from "./ops/backup.ts";
import { snapshotterFor } from "./ops/cluster-snapshot.ts";
import { runImportCommand } from "./ops/import-cli.ts";
import { runAdminCommand } from "./ops/admin-cli.ts";
import { writeExport } from "./ops/export.ts";
import { TempFiles } from "./files/file-store.ts";
import { createFileStore } from "./files/create-file-store.ts";
import { findUserByUsername } from "./accounts/users.ts";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { pushSubscriptions } from "./store/schema.ts";
import { openCommandStore } from "./store/configured-store.ts";
import { SchemaTooNewError } from "./store/migrate.ts";
import { DataDirInUseError } from "./store/data-lock.ts";
import { addressesView } from "./ops/addresses.ts";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    process.stdout.write(helpText(version));
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-v") || argv[0] === "version") {
    process.stdout.write(`parley ${version}\n`);
    return 0;
  }
  const [command = "serve", ...rest] = argv[0]?.startsWith("-") ? ["serve", ...argv] : argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "healthcheck":
      return healthcheck(rest);
    case "push":
      return pushCommand(rest);
    case "backup":
      return backupCommand(rest);
    case "export":
      return exportCommand(rest);
    case "admin":
      return runAdminCommand(
        rest,
        (l) => process.stdout.write(l + "\n"),
        (l) => process.stderr.write(l + "\n"),
      );
    case "restore":
      return restoreCommand(rest);
    case "import":
      return runImportCommand(
        rest,
        (l) => process.stdout.write(l + "\n"),
        (l) => process.stderr.write(l + "\n"),
      );
    default:
      process.stderr.write(`parley: unknown command "${command}" (see parley --help)\n`);
      return 2;
  }
}

async function serve(args: string[]): Promise<number> {
  const config = loadConfig({ args });
  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  const running = await startServer(config, log);
  const { publicUrl } = running.config;
  log.info(`Parley ${version} listening`, {
    address: `${config.host}:${running.config.port}`,
    publicUrl,
    dataDir: config.dataDir,
  });
  if (countUsers(running.app.deps.store.db) === 0)
    log.info(`First run: open ${publicUrl} to create the admin account.`);
  // Without a public URL, links for others would say localhost: say which addresses they can use instead.
  const reach = addressesView(running.config);
  if (!reach.publicUrlConfigured && reach.origins.length > 0)
    log.info(
      `Others on your network can open ${reach.origins.join(" or ")}; set PARLEY_PUBLIC_URL to the one they use so that invite links name it.`,
    );
  // With its own authority, a device that does not trust it yet starts from plain HTTP on the same port.
  if (config.tls === "local" && reach.origins.length > 0)
    log.info(
      `HTTPS with this server's own certificate authority: on each device, open ${reach.origins.map((o) => o.replace("https:", "http:")).join(" or ")} once to trust it.`,
    );

  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  let exitCode = 0;
  const onSignal = (signal: string) => {
    log.info("stopping", { signal });
    running.stop().then(resolve, (err) => {
      log.error("unclean stop", { err });
      resolve();
    });
  };
  // Every error reaches the log as one JSON line, never as a bare stack trace on stderr. A rejection
  // nobody awaited is a bug to report, not a reason to drop everyone's connections; an exception that
  // unwound the stack may have left state half-changed, so the server stops cleanly and says so.
  process.on("unhandledRejection", (err) => log.error("unhandled rejection", { err }));
  process.on("uncaughtException", (err) => {
    log.error("uncaught exception; stopping", { err });
    exitCode = 1;
    onSignal("uncaughtException");
  });
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  await stopped;
  log.info("stopped");
  return exitCode;
}

/**
 * `parley push rotate-keys`: the only way the VAPID keys change. Subscriptions are bound to the old public
 * key, so they are deleted; each browser subscribes again with the new key when the app next opens.
 */
async function pushCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "rotate-keys") {
    process.stderr.write(`parley push: unknown command "${sub ?? ""}" (use: parley push rotate-keys)\n`);
    return 2;
  }
  const config = loadConfig({ args: rest });
  const store = openCommandStore(config);
  try {
    if (config.databaseUrl) writeSharedKeys(store.db);
    else writeKeys(config.dataDir);
    const removed = store.db.delete(pushSubscriptions).returning({ id: pushSubscriptions.id }).all().length;
    const where = config.databaseUrl ? "the cluster's database" : `${config.dataDir}/vapid.json`;
    const restart = config.databaseUrl ? "every node" : "Parley";
    process.stdout.write(
      `New VAPID keys written to ${where}; ${removed} subscription(s) removed. Restart ${restart}.\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

/** `parley backup <file>`: a consistent snapshot while the server runs (the data folder from settings). */
async function backupCommand(args: string[]): Promise<number> {
  const [file, ...rest] = args;
  if (!file || file.startsWith("-")) {
    process.stderr.write("usage: parley backup <file.tar> [--data-dir DIR]\n");
    return 2;
  }
  const config = loadConfig({ args: rest });
  const result = await createBackup(config.dataDir, resolve(file), progressBar("backup"), snapshotterFor(config));
  for (const m of result.missing) process.stderr.write(`warning: ${m} was deleted while the backup ran\n`);
  process.stdout.write(
    `Backed up ${config.dataDir} to ${file}: ${result.files} files, ${(result.bytes / 2 ** 20).toFixed(1)} MB.\n`,
  );
  return 0;
}

/** `parley restore <file> [--force]`: into the data folder from settings; never over one in use unless forced. */
async function restoreCommand(args: string[]): Promise<number> {
  const force = args.includes("--force");
  const [file, ...rest] = args.filter((a) => a !== "--force");
  if (!file || file.startsWith("-")) {
    process.stderr.write("usage: parley restore <file.tar> [--force] [--data-dir DIR]\n");
    return 2;
  }
  const config = loadConfig({ args: rest });
  try {
    const { files } = restoreBackup(resolve(file), config.dataDir, force, progressBar("restore"));
    process.stdout.write(`Restored ${files} files into ${config.dataDir}. Start Parley to use it.\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`parley restore: ${(err as Error).message}\n`);
    return 1;
  }
}

/** `parley export <file> [--user NAME]`: the whole instance, or one person's data, with a progress bar. */
async function exportCommand(args: string[]): Promise<number> {
  const rest = [...args];
  const at = rest.indexOf("--user");
  const username = at === -1 ? undefined : rest.splice(at, 2)[1];
  const file = rest.shift();
  if (!file || file.startsWith("-")) {
    process.stderr.write("usage: parley export <file.tar> [--user NAME] [--data-dir DIR]\n");
    return 2;
  }
  const config = loadConfig({ args: rest });
  const store = openCommandStore(config);
  try {
    const user = username ? findUserByUsername(store.db, username) : undefined;
    if (username && !user) {
      process.stderr.write(`parley export: no account named "${username}"\n`);
      return 1;
    }
    const temps = new TempFiles(join(config.dataDir, ".export-tmp"));
    await writeExport(
      store.db,
      createFileStore(config, temps),
      user ? { kind: "user", userId: user.id } : { kind: "instance" },
      resolve(file),
      progressBar("export"),
    );
    rmSync(join(config.dataDir, ".export-tmp"), { recursive: true, force: true });
    process.stdout.write(`Exported ${user ? `${user.username}'s data` : "the instance"} to ${file}.\n`);
    return 0;
  } finally {
    store.close();
  }
}

async function healthcheck(args: string[]): Promise<number> {
  const config = loadConfig({ args });
  try {
    const res = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

try {
  process.exitCode = await main(Bun.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError || err instanceof SchemaTooNewError || err instanceof DataDirInUseError) {
    process.stderr.write(`parley: ${err.message}\n`);
    process.exitCode = 2;
  } else if ((err as { code?: string }).code === "EADDRINUSE") {
    process.stderr.write(`parley: the port is already in use; choose another with --port or PARLEY_PORT\n`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
