import { join } from "node:path";

/**
 * Files shipped with Parley (migrations/, dist/web/) are read from disk in both modes: from the checkout
 * when run from source, and from the executable's embedded file system when compiled with `--asset`,
 * where every module's import.meta.dir is the embedded root.
 */
const compiled = import.meta.dir.startsWith("/$bunfs") || import.meta.dir.includes("~BUN");
const root = compiled ? import.meta.dir : join(import.meta.dir, "..", "..");

export function resourcePath(...parts: string[]): string {
  return join(root, ...parts);
}

export const isCompiled = compiled;
