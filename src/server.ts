import { createApp, type App } from "./app.ts";
import type { Config } from "./config/config.ts";
import type { Logger } from "./lib/log.ts";
import { socketLimits } from "./realtime/socket.ts";
import { mkdirSync } from "node:fs";
import { lockDataDir } from "./store/data-lock.ts";
import { openStore, type Store } from "./store/store.ts";
import { openClusterStore } from "./store/configured-store.ts";
import { openCertificateSource, type CertificateSource } from "./tls/source.ts";
import { openListeners, type Listeners } from "./http/listeners.ts";

export interface RunningServer {
  app: App;
  /** The settings in force (the public URL names the real port when port 0 was asked for). */
  config: Config;
  /** The address it listens on, for logs and tests (the public URL may differ). */
  url: string;
  /** Where the HTTPS certificate comes from (PARLEY_TLS); null for plain HTTP. */
  certificates: CertificateSource | null;
  /** Graceful stop: refuse new work, let in-flight requests finish (bounded), then close the database. */
  stop(): Promise<void>;
}

export async function startServer(configured: Config, log: Logger): Promise<RunningServer> {
  mkdirSync(configured.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(configured.dataDir);
  let store: Store;
  try {
    store = configured.databaseUrl
      ? openLoggedClusterStore(configured, log)
      : openStore(configured.dataDir, {
          onAfterCommitError: (err) => log.error("after-commit hook failed", { err }),
          busyTimeoutMs: configured.dbBusyTimeoutMs,
          // After a failed fsync the kernel may have dropped the pages it could not write: what is on disk is
          // unknown, and going on could acknowledge a message that is not there. Stop at once (a supervisor
          // restarts the server; SQLite recovers the database to its last synced commit, and clients resend
          // what was not acknowledged, which their client ids make safe).
          onSyncFailed: (err) => {
            log.error("the database log could not be synced to disk; stopping", { err });
            process.exit(70);
          },
          checkpoints: { onError: (msg, err) => log.error(msg, { err }) },
          // No fsync on the event loop: a sign-in on an SD card would otherwise hold every socket for it.
          syncOffLoop: true,
        });
  } catch (err) {
    lock.release();
    throw err;
  }
  let app: App | undefined;
  let listeners: Listeners;
  let certificates: CertificateSource | null = null;
  try {
    certificates = await openCertificateSource(configured, log);
    listeners = openListeners({
      config: configured,
      certificates,
      fetch: (req, listener) => app!.fetch(req, listener),
      // The handlers belong to the app, built below; Bun needs the limits now.
      websocket: {
        ...socketLimits(configured),
        open: (ws) => app!.websocket.open!(ws),
        message: (ws, data) => app!.websocket.message!(ws, data),
        drain: (ws) => app!.websocket.drain!(ws),
        close: (ws, code, reason) => app!.websocket.close!(ws, code, reason),
      },
      log,
    });
  } catch (err) {
    store.close();
    lock.release();
    throw err;
  }
  // With port 0 the port, and the default public URL, can only name the real port once we listen.
  const scheme = configured.tls === "off" ? "http" : "https";
  const config = {
    ...configured,
    port: listeners.port,
    publicUrl: configured.publicUrlConfigured ? configured.publicUrl : `${scheme}://localhost:${listeners.port}`,
  };
  // The send thread died: a batch it held was not acknowledged; stop, as after a failed sync (exit 70).
  app = createApp(config, store, log, (err) => {
    log.error("the send thread failed; stopping", { err });
    process.exit(70);
  });
  for (const listener of listeners.serving) app.deps.hub.attach(listener);
  certificates?.start((pair) =>
    listeners.swap(
      pair,
      (next) => app!.deps.hub.attach(next),
      (old) => app!.deps.hub.detach(old),
    ),
  );
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  let stopping: Promise<void> | undefined;

  const stop = () =>
    (stopping ??= (async () => {
      app.startDraining();
      // In a cluster, the load balancer stops sending new connections here before the sockets are told to
      // reconnect, so that they reconnect elsewhere rather than here (PARLEY_DRAIN_SECONDS).
      if (config.drainSeconds > 0) await Bun.sleep(config.drainSeconds * 1000);
      // Sockets first: clients hear "reconnect and resume" (4000) and go to another node or wait for us.
      await app.stopRealtime();
      certificates?.stop();
      listeners.stopAccepting();
      const graceful = Promise.all([...listeners.serving].map((l) => l.stop(false)));
      const timeout = new Promise<"timeout">((r) =>
        setTimeout(r, config.shutdownTimeoutSeconds * 1000, "timeout").unref(),
      );
      if ((await Promise.race([graceful, timeout])) === "timeout") {
        log.warn("in-flight requests did not finish in time; closing them", { seconds: config.shutdownTimeoutSeconds });
        await Promise.all([...listeners.serving].map((l) => l.stop(true)));
      }
      await Promise.race([app.deps.mailer?.idle(), timeout]);
      // The last commits' sync (a failed one has already stopped the process).
      await store.durability.barrier().catch(() => {});
      store.close();
      lock.release();
    })());

  return { app, config, url: `${scheme}://${host}:${config.port}`, certificates, stop };
}

function openLoggedClusterStore(config: Config, log: Logger): Store {
  const store = openClusterStore(config, log);
  log.info("database: libSQL server", { url: config.databaseUrl, replica: config.databaseReplica || null });
  return store;
}
