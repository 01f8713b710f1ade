// The embedded replica's engine (PARLEY_DATABASE_REPLICA) is libSQL's native module, which @libsql/client's
// `libsql` package loads by a name it makes at run time (`@libsql/<platform>`). From source, npm installed it
// in node_modules and that works as it is. The one-file executable has no node_modules: scripts/build.ts
// names the target's module (PARLEY_LIBSQL_NATIVE, defined at build time; unpacked from npm with the
// lockfile's integrity), the require below embeds it in the executable, and the loader's name is answered
// with it. Only the link thread calls this, and only when a replica is configured.
import Module from "node:module";

declare const PARLEY_LIBSQL_NATIVE: "linux-x64-gnu" | "linux-arm64-gnu" | undefined;

let provided = false;

export function provideLibsqlNative(): void {
  if (provided || typeof PARLEY_LIBSQL_NATIVE === "undefined") return;
  provided = true;
  // One branch survives the build (the other is removed before its file is looked for).
  const native: unknown =
    PARLEY_LIBSQL_NATIVE === "linux-arm64-gnu"
      ? require("../../../node_modules/.cache/parley/libsql-linux-arm64-gnu/package/index.node")
      : require("../../../node_modules/.cache/parley/libsql-linux-x64-gnu/package/index.node");
  const name = `@libsql/${PARLEY_LIBSQL_NATIVE}`;
  const id = `/parley-embedded/${name}.node`;
  const loader = Module as unknown as {
    _resolveFilename(request: string, ...rest: unknown[]): string;
  };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === name ? id : resolve.call(this, request, ...rest);
  };
  (require.cache as Record<string, unknown>)[id] = { id, filename: id, loaded: true, exports: native };
}
