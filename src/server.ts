import type { Server } from "bun";
import { createApp, type App } from "./app.ts";
import type { Config } from "./config/config.ts";
import type { Logger } from "./lib/log.ts";
import { openStore } from "./store/store.ts";

export interface RunningServer {
  server: Server<unknown>;
  app: App;
  /** The address it listens on, for logs and tests (the public URL may differ). */
  url: string;
  /** Graceful stop: refuse new work, let in-flight requests finish (bounded), then close the database. */
  stop(): Promise<void>;
}

export function startServer(config: Config, log: Logger): RunningServer {
  const store = openStore(config.dataDir, { onAfterCommitError: (err) => log.error("after-commit hook failed", { err }) });
  const app = createApp(config, store, log);
  let server: Server<unknown>;
  try {
    server = Bun.serve({ port: config.port, hostname: config.host, fetch: app.fetch, development: false });
  } catch (err) {
    store.close();
    throw err;
  }
  const host = server.hostname === "0.0.0.0" || server.hostname === "::" ? "localhost" : server.hostname;
  let stopping: Promise<void> | undefined;

  const stop = () =>
    (stopping ??= (async () => {
      app.startDraining();
      const graceful = server.stop(false);
      const timeout = new Promise<"timeout">((r) => setTimeout(r, config.shutdownTimeoutSeconds * 1000, "timeout").unref());
      if ((await Promise.race([graceful, timeout])) === "timeout") {
        log.warn("in-flight requests did not finish in time; closing them", { seconds: config.shutdownTimeoutSeconds });
        await server.stop(true);
      }
      await Promise.race([app.deps.mailer?.idle(), timeout]);
      store.close();
    })());

  return { server, app, url: `http://${host}:${server.port}`, stop };
}
