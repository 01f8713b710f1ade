// No module may import one that imports it back, directly or around a ring, in the server (src/) or the
// web app (web/src/). Type-only imports count too: a cycle of types is a cycle of concepts, and it is the
// first step to a cycle at run time. A new cycle fails here with the ring it forms.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { tempDir } from "./harness.ts";

const ROOT = join(import.meta.dir, "..");

/** Every relative import and re-export of every .ts/.tsx file below the folders, as a graph of files. */
function importGraph(root: string, folders: string[]): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")) files.push(p);
    }
  };
  for (const f of folders) walk(join(root, f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gms),
      ...text.matchAll(/^\s*import\s+["'](\.{1,2}\/[^"']+)["']/gm),
    ]
      .map((m) => resolve(dirname(file), m[1]!))
      .filter((t) => known.has(t));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan): each is a ring of imports. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const ring: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        ring.push(w);
      } while (w !== v);
      if (ring.length > 1 || graph.get(v)!.includes(v)) found.push(ring);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("import cycles", () => {
  test("the server and the web app have none", () => {
    const rings = cycles(importGraph(ROOT, ["src", "web/src"])).map((ring) =>
      ring.map((f) => relative(ROOT, f)).sort(),
    );
    expect(rings).toEqual([]);
  });

  test("the check finds a ring of three files, type-only imports included", () => {
    const dir = tempDir("parley-cycles-");
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "a.ts"), 'import { b } from "./b.ts";\nexport const a = b;\n');
    writeFileSync(join(dir, "src", "b.ts"), 'import type { C } from "./c.ts";\nexport const b: C = 1;\n');
    writeFileSync(join(dir, "src", "c.ts"), 'export type C = number;\nexport { a } from "./a.ts";\n');
    writeFileSync(join(dir, "src", "d.ts"), 'import { a } from "./a.ts";\nexport const d = a;\n');
    expect(cycles(importGraph(dir, ["src"])).map((r) => r.map((f) => relative(dir, f)).sort())).toEqual([
      ["src/a.ts", "src/b.ts", "src/c.ts"],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
