import { type Context, Hono } from "hono";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { webDir } from "../../lib/resources.ts";
import type { Logger } from "../../lib/log.ts";
import type { AppEnv } from "../context.ts";

interface Asset {
  file: string;
  immutable: boolean;
}

/** Lists the built web app once at start: a fixed map, so no request can reach a path outside it. */
function indexWebFiles(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const url = "/" + relative(dir, full).split("\\").join("/");
        // Bundled files carry a content hash in their name: they may be cached for good.
        files.set(url, { file: full, immutable: url.startsWith("/assets/") });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/** Serves the single-page app: its files, and index.html for every client-side route. */
export function webRoutes(log: Logger, dir = webDir) {
  const files = indexWebFiles(dir);
  const index = files.get("/index.html");
  if (!index) log.warn("the web app is not built; run `bun scripts/build-web.ts` (npm start does)", { dir });

  return new Hono<AppEnv>().get("*", (c) => {
    const path = c.req.path;
    const asset = files.get(path);
    if (asset && path !== "/index.html") {
      return sendFile(c, asset.file, asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    }
    // Unknown file-like paths are 404s, not the app: a missing script must not come back as HTML.
    if (/\.[a-z0-9]+$/i.test(path) || !index) return c.notFound();
    return sendFile(c, index.file, "no-cache");
  });
}

function sendFile(c: Context<AppEnv>, path: string, cacheControl: string): Response {
  const file = Bun.file(path);
  return c.body(file.stream(), 200, {
    "Content-Type": file.type,
    "Content-Length": String(file.size),
    "Cache-Control": cacheControl,
  });
}
