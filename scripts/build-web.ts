// Bundles the web app into dist/web: hashed files under assets/ (cached for good), index.html and the
// files of web/public beside them. The server serves this folder; `npm run build` embeds it.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "web");

export async function buildWeb(): Promise<{ files: string[]; bytes: number }> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "assets"), { recursive: true });
  const result = await Bun.build({
    entrypoints: [join(root, "web", "src", "main.tsx")],
    outdir: join(out, "assets"),
    target: "browser",
    minify: true,
    splitting: true,
    sourcemap: "none",
    naming: { entry: "[name]-[hash].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
    define: { "process.env.NODE_ENV": '"production"' },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error("web build failed");
  }
  const names = result.outputs.map((o) => basename(o.path));
  const tags = [
    ...names.filter((n) => n.endsWith(".css")).map((n) => `<link rel="stylesheet" href="/assets/${n}" />`),
    ...result.outputs
      .filter((o) => o.kind === "entry-point")
      .map((o) => `<script type="module" src="/assets/${basename(o.path)}"></script>`),
  ];
  const html = readFileSync(join(root, "web", "index.html"), "utf8").replace("<!--assets-->", tags.join("\n    "));
  writeFileSync(join(out, "index.html"), html);
  cpSync(join(root, "web", "public"), out, { recursive: true });
  // The service worker precaches this build's shell; its text changes with every build, so browsers update it.
  const publicFiles = readdirSync(join(root, "web", "public")).map((f) => `/${f}`);
  const shell = ["/", ...names.map((n) => `/assets/${n}`), ...publicFiles];
  const version = new Bun.CryptoHasher("sha256")
    .update(shell.join("\n") + html)
    .digest("hex")
    .slice(0, 16);
  const sw = readFileSync(join(root, "web", "sw.js"), "utf8")
    .replace("__VERSION__", version)
    .replace("__PRECACHE__", JSON.stringify(shell));
  writeFileSync(join(out, "sw.js"), sw);
  return { files: names, bytes: result.outputs.reduce((n, o) => n + o.size, 0) };
}

if (import.meta.main) {
  const { files, bytes } = await buildWeb();
  console.log(`web: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB in dist/web`);
  // What a browser downloads, compressed as servers and proxies send it (docs/performance.md).
  if (process.argv.includes("--sizes")) {
    for (const f of files.toSorted()) {
      const raw = readFileSync(join(out, "assets", f));
      console.log(
        `  ${f.padEnd(28)} ${(raw.length / 1024).toFixed(1).padStart(6)} KiB  ${(Bun.gzipSync(raw, { level: 9 }).length / 1024).toFixed(1).padStart(5)} KiB gzipped`,
      );
    }
  }
}
