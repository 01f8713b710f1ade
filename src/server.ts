import type { Server } from "bun";
import { createApp, type App } from "./app.ts";
import type { Config } from "./config/config.ts";
import type { Logger } from "./lib/log.ts";
import { openStore } from "./store/store.ts";

export interface RunningServer {
  server: Server<unknown>;
  app: App;
  /** The settings in force (the public URL names the real port when port 0 was asked for). */
  config: Config;
  /** The address it listens on, for logs and tests (the public URL may differ). */
  url: string;
  /** Graceful stop: refuse new work, let in-flight requests finish (bounded), then close the database. */
  stop(): Promise<void>;
}

export function startServer(configured: Config, log: Logger): RunningServer {
  const store = openStore(configured.dataDir, { onAfterCommitError: (err) => log.error("after-commit hook failed", { err }) });
  let app: App | undefined;
  let server: Server<unknown>;
  try {
    server = Bun.serve({ port: configured.port, hostname: configured.host, fetch: (req, srv) => app!.fetch(req, srv), development: false });
  } catch (err) {
    store.close();
    throw err;
  }
  // With port 0 the default public URL can only name the real port once we listen.
  const config =
    configured.publicUrl === `http://localhost:${configured.port}` ? { ...configured, publicUrl: `http://localhost:${server.port}` } : configured;
  app = createApp(config, store, log);
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

  return { server, app, config, url: `http://${host}:${server.port}`, stop };
}
