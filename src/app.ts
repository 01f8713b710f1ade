import { createMailer } from "./accounts/mailer.ts";
import type { Chat } from "./chat/context.ts";
import { PushNotifier } from "./push/notifier.ts";
import { collectFrom, createMetrics } from "./ops/app-metrics.ts";
import { scheduleBackups } from "./ops/backup.ts";
import { snapshotterFor } from "./ops/cluster-snapshot.ts";
import { Exports } from "./ops/export.ts";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { PushSender } from "./push/sender.ts";
import { pushOutboundPolicy } from "./push/push-hosts.ts";
import { loadSharedVapidKeys, loadVapidKeys, vapidSubject } from "./push/vapid.ts";
import type { Config } from "./config/config.ts";
import type { Deps } from "./http/context.ts";
import { createRouter } from "./http/router.ts";
import type { Logger } from "./lib/log.ts";
import { RateLimiter } from "./lib/rate-limiter.ts";
import { KeyedTokenBuckets } from "./lib/token-bucket.ts";
import { MINUTE } from "./lib/time.ts";
import { Hub } from "./realtime/hub.ts";
import { Presence } from "./realtime/presence.ts";
import { Calls } from "./realtime/calls.ts";
import { TempFiles } from "./files/file-store.ts";
import { createFileStore } from "./files/create-file-store.ts";
import { type Media } from "./files/attachments.ts";
import { sweepFiles } from "./files/file-cleanup.ts";
import { createRealtime, type Realtime } from "./realtime/realtime.ts";
import type { Store } from "./store/store.ts";
import { createWriteQueue } from "./store/write-queue.ts";
import { SendThread } from "./chat/send-thread.ts";
import { LinkPreviews, previewOutboundPolicy } from "./previews/link-previews.ts";
import { createCommitEffects } from "./commit-effects.ts";
import { Background } from "./lib/background.ts";
import { DiskSpace } from "./ops/disk-space.ts";
import { ClusterNode } from "./cluster/cluster.ts";
import { collectCluster } from "./cluster/cluster-metrics.ts";
import type { RemoteStore } from "./store/remote/remote-store.ts";

export interface App {
  fetch: ReturnType<typeof createRouter>["fetch"];
  websocket: Realtime["websocket"];
  deps: Deps;
  /** Readiness goes false; new work is refused by the load balancer before the process stops. */
  startDraining(): void;
  /** Closes every WebSocket with a reconnect code; the write queue finishes what it holds. */
  stopRealtime(): Promise<void>;
}

/** Builds the whole application around an open store. Never listens, so tests can drive it directly. */
export function createApp(
  config: Config,
  store: Store,
  log: Logger,
  /** Something the server cannot go on after (its send thread died): server.ts stops the process. */
  onFatal: (err: Error) => void = (err) => {
    throw err;
  },
): App {
  const hub = new Hub(log);
  const temps = new TempFiles(config.dataDir);
  const files = createFileStore(config, temps);
  const disk = new DiskSpace(config.dataDir, config.minFreeBytes, log);
  const media: Media = { store, files, temps, disk, limits: config };
  const keys = config.databaseUrl ? loadSharedVapidKeys(store.db, config.dataDir) : loadVapidKeys(config.dataDir);
  const vapid = { ...keys, subject: vapidSubject(config.pushContact, config.publicUrl) };
  const pushPolicy = pushOutboundPolicy(config);
  const pushSender = new PushSender(store, vapid, pushPolicy, log);
  const metrics = createMetrics();
  // A node of a cluster: a libSQL store and a bus (config.ts refuses a bus without the shared database).
  const cluster = config.busUrl ? new ClusterNode(config.busUrl, store as RemoteStore, hub, log) : null;
  void cluster?.start(5000);
  const publisher = createCommitEffects({ hub, metrics, log, cluster });
  const background = new Background(log);
  // auto: on with four cores or more (availableParallelism follows the CPUs the process may use). On two,
  // measured with its clients beside it, the thread cost more than it saved (docs/performance.md).
  // Never with a libSQL server (several nodes): a second connection there is a second writer on a primary
  // that serializes its writers anyway.
  const sendThread =
    !config.databaseUrl && (config.sendThread === "on" || (config.sendThread === "auto" && availableParallelism() >= 4))
      ? new SendThread(store, join(config.dataDir, "parley.db"), { busyTimeoutMs: config.dbBusyTimeoutMs, onFatal })
      : null;
  const chat: Chat = {
    store,
    files,
    background,
    queue: createWriteQueue(store, {
      maxBatch: config.writeBatchMax,
      waitMs: config.writeBatchWaitMs,
      onCommit(size, jobs) {
        cluster?.committed();
        metrics.batchSize.observe(size);
        for (const j of jobs) if (j.kind === "send") metrics.sendCommitSeconds.observe(j.seconds);
      },
      onEffectError: (err) => log.error("after-commit hook failed", { err }),
      offThread: sendThread ?? undefined,
    }),
    publisher,
    sendLimit: new KeyedTokenBuckets(config.sendRate, config.sendRate * 2),
    sendThread: sendThread !== null,
  };
  const presence = new Presence(hub, chat, config.presenceRate, config.presenceGraceSeconds * 1000);
  const push = new PushNotifier(
    store.db,
    pushSender,
    { isAway: (userId) => (presence.awayForMs(userId) ?? -1) >= config.pushAwaySeconds * 1000 },
    { privateMode: config.pushPrivate },
    background,
  );
  publisher.followWith("push", push);
  if (config.linkPreviews)
    publisher.followWith("link preview", new LinkPreviews(chat, previewOutboundPolicy(config), log));
  const calls = new Calls(hub, chat, config, log, (ring) => push.onRing(ring, config.callRingSeconds));
  cluster?.attach(presence, calls);
  collectFrom(metrics, {
    hub,
    presence,
    calls,
    queue: chat.queue,
    push: pushSender,
    disk,
    checkpoints: store.checkpoints?.stats ?? null,
    sendThread: sendThread?.stats ?? null,
  });
  if (config.databaseUrl) collectCluster(metrics.registry, store as RemoteStore, cluster);
  // Uploads never sent are removed after PARLEY_UNSENT_UPLOAD_TTL_SECONDS; checked hourly, or sooner.
  const ttlMs = config.unsentUploadTtlSeconds * 1000;
  // In a cluster, only the node holding the jobs lease runs the cluster's jobs (cluster/leases.ts).
  const jobsAreMine = () => !cluster || cluster.jobs.held;
  const fileSweep = setInterval(
    () => {
      if (jobsAreMine()) background.later("sweepFilesLater", () => sweepFiles(store, files, ttlMs));
    },
    Math.min(3600_000, ttlMs),
  );
  fileSweep.unref();
  const stopBackups = config.backupDir
    ? scheduleBackups({
        dataDir: config.dataDir,
        dir: resolve(config.backupDir),
        everySeconds: config.backupEverySeconds,
        keep: config.backupKeep,
        log,
        snapshotInto: snapshotterFor(config),
        isMine: jobsAreMine,
      })
    : () => {};
  const realtime = createRealtime(config, chat, hub, calls, log);
  const deps: Deps = {
    config,
    store,
    log,
    chat,
    hub,
    presence,
    media,
    disk,
    metrics,
    exports: new Exports(config.dataDir, store.db, files, log),
    push: { notifier: push, sender: pushSender, publicKey: vapid.publicKey, policy: pushPolicy },
    mailer: createMailer(config.smtpUrl, config.smtpFrom, log),
    contactLimit: new RateLimiter(config.contactMatchRateLimit, MINUTE),
    cluster,
    authLimits: {
      byAddress: new RateLimiter(config.authRateLimit, MINUTE),
      byUsername: new RateLimiter(config.authRateLimit, MINUTE),
    },
  };
  let draining = false;
  const router = createRouter(deps, { isDraining: () => draining });
  return {
    fetch: router.fetch,
    websocket: realtime.websocket,
    deps,
    startDraining: () => {
      draining = true;
    },
    async stopRealtime() {
      realtime.stop();
      presence.stop();
      clearInterval(fileSweep);
      pushSender.stop();
      stopBackups();
      metrics.stop();
      disk.stop();
      // Work started by the last commits and closes (files to remove, last seen) finishes before the store
      // closes, within the shutdown timeout: a bucket that stopped answering must not hold the stop forever.
      const late = await Promise.race([
        background.idle().then(() => false),
        new Promise<boolean>((r) => setTimeout(r, config.shutdownTimeoutSeconds * 1000, true).unref()),
      ]);
      if (late)
        log.warn("work after commits did not finish in time; stopping anyway", {
          seconds: config.shutdownTimeoutSeconds,
        });
      await chat.queue.idle();
      await sendThread?.close();
      cluster?.stop();
      // How well group commit shared the fsyncs over this run; the benchmark reads it too.
      log.info("write queue", { ...chat.queue.stats(), ...(sendThread ? { sendThread: sendThread.stats } : {}) });
    },
  };
}
