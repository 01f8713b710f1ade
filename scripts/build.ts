// Builds the one-file executable: server, migrations and web app in a single binary.
//   bun scripts/build.ts                      → dist/parley for this machine
//   bun scripts/build.ts --target linux-arm64 → dist/parley-linux-arm64 (64-bit Raspberry Pi)
//   bun scripts/build.ts --out FILE           → the executable at FILE instead (the benchmark's own copy)
// Cross-compiling uses the Bun runtime from the @oven/bun-<target> npm package, so the build needs
// the npm registry and nothing else.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildWeb } from "./build-web.ts";

const root = join(import.meta.dir, "..");
const bunVersion: string = (await Bun.file(join(root, "node_modules", "bun", "package.json")).json()).version;
const targets = {
  "linux-x64": { npm: "@oven/bun-linux-x64", bun: "bun-linux-x64", out: "parley-linux-x64", libsql: "linux-x64-gnu" },
  "linux-arm64": {
    npm: "@oven/bun-linux-aarch64",
    bun: "bun-linux-arm64",
    out: "parley-linux-arm64",
    libsql: "linux-arm64-gnu",
  },
} as const;
type Target = keyof typeof targets;

function run(cmd: string[], cwd = root): void {
  const p = Bun.spawnSync(cmd, { cwd, stdout: "inherit", stderr: "inherit" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed with exit code ${p.exitCode}`);
}

/** The Bun runtime for a target, unpacked from its npm package into a cache under node_modules. */
function runtimeFor(target: Target): string {
  const { npm } = targets[target];
  const dir = join(root, "node_modules", ".cache", "parley", `${npm.replace("/", "_")}-${bunVersion}`);
  const exe = join(dir, "package", "bin", "bun");
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const pack = Bun.spawnSync(["npm", "pack", `${npm}@${bunVersion}`, "--pack-destination", dir, "--silent"], {
      cwd: dir,
      stderr: "inherit",
    });
    if (pack.exitCode !== 0) throw new Error(`npm pack ${npm}@${bunVersion} failed`);
    const tgz = pack.stdout.toString().trim().split("\n").at(-1)!;
    run(["tar", "-xzf", join(dir, tgz), "-C", dir]);
  }
  return exe;
}

/**
 * libSQL's native module for a target (the embedded replica: src/store/remote/libsql-native.ts), unpacked
 * where that module's require names it. The version and integrity are the lockfile's: npm records every
 * platform's optional package there, so a cross-build gets exactly the bytes that were locked.
 */
function libsqlNativeFor(target: Target): void {
  const name = targets[target].libsql;
  const dir = join(root, "node_modules", ".cache", "parley", `libsql-${name}`);
  if (existsSync(join(dir, "package", "index.node"))) return;
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const locked = lock.packages?.[`node_modules/@libsql/${name}`] as { version: string; integrity: string } | undefined;
  if (!locked) throw new Error(`package-lock.json has no @libsql/${name}; run npm install`);
  mkdirSync(dir, { recursive: true });
  const pack = Bun.spawnSync(
    ["npm", "pack", `@libsql/${name}@${locked.version}`, "--pack-destination", dir, "--silent"],
    { cwd: dir, stderr: "inherit" },
  );
  if (pack.exitCode !== 0) throw new Error(`npm pack @libsql/${name}@${locked.version} failed`);
  const tgz = join(dir, pack.stdout.toString().trim().split("\n").at(-1)!);
  const digest = `sha512-${createHash("sha512").update(readFileSync(tgz)).digest("base64")}`;
  if (digest !== locked.integrity)
    throw new Error(`@libsql/${name}: ${digest} is not the lockfile's ${locked.integrity}`);
  run(["tar", "-xzf", tgz, "-C", dir]);
}

const flag = process.argv.indexOf("--target");
const target = flag === -1 ? undefined : (process.argv[flag + 1] as Target);
if (target !== undefined && !(target in targets))
  throw new Error(`unknown target ${target}; use one of ${Object.keys(targets).join(", ")}`);

const web = await buildWeb();
console.log(`web: ${web.files.length} files, ${(web.bytes / 1024).toFixed(1)} KiB`);

const out = process.argv.indexOf("--out");
const outfile =
  out !== -1 ? resolve(process.argv[out + 1]!) : join(root, "dist", target ? targets[target].out : "parley");
const cmd = [
  process.execPath,
  "build",
  "--compile",
  "--minify",
  // Compiled to JavaScriptCore bytecode at build time: the executable starts in about half the time
  // (no parsing of the bundle at each start; docs/performance.md "Starting and idling"). ESM keeps the
  // top-level await of main.ts.
  "--bytecode",
  "--format=esm",
  // A bunfig.toml or .env in the folder the binary runs from must not change or inject code into it:
  // Parley's settings come from PARLEY_* variables and flags only (docs/configuration.md).
  "--no-compile-autoload-bunfig",
  "--no-compile-autoload-dotenv",
  "--asset",
  "migrations",
  "--asset",
  "dist/web",
  "--outfile",
  outfile,
];
if (target) cmd.push(`--target=${targets[target].bun}`, `--compile-executable-path=${runtimeFor(target)}`);
// The machine's own build is for its architecture (linux-x64 or linux-arm64).
const nativeTarget: Target = target ?? (process.arch === "arm64" ? "linux-arm64" : "linux-x64");
libsqlNativeFor(nativeTarget);
cmd.push("--define", `PARLEY_LIBSQL_NATIVE=${JSON.stringify(targets[nativeTarget].libsql)}`);
// The checkpoint and send threads' modules are entry points of their own: a Worker loads each from inside
// the executable (src/lib/resources.ts).
cmd.push("src/main.ts", "src/store/checkpoint-worker.ts", "src/chat/send-worker.ts", "src/store/remote/link-worker.ts");
run(cmd);
console.log(`built ${outfile}`);
