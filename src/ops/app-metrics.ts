// What Parley reports to Prometheus (GET /metrics): see docs/operations.md for the list and how to scrape it.
import { version } from "../lib/version.ts";
import type { PushSender } from "../push/sender.ts";
import type { Hub } from "../realtime/hub.ts";
import type { Presence } from "../realtime/presence.ts";
import type { CheckpointStats } from "../store/checkpoints.ts";
import type { SendThreadStats } from "../chat/send-thread.ts";
import type { WriteQueue } from "../store/write-queue.ts";
import type { DiskSpace } from "./disk-space.ts";
import { Collected, Counter, eventLoopLag, Histogram, LATENCY_BUCKETS, Registry } from "./metrics.ts";
import type { Calls } from "../realtime/calls.ts";

export interface AppMetrics {
  registry: Registry;
  httpRequests: Counter;
  httpSeconds: Histogram;
  messagesSent: Counter;
  messagesDelivered: Counter;
  sendCommitSeconds: Histogram;
  fanoutSeconds: Histogram;
  batchSize: Histogram;
  stop(): void;
}

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  const lag = eventLoopLag();
  const m: AppMetrics = {
    registry,
    httpRequests: registry.add(
      new Counter("parley_http_requests_total", "HTTP requests answered, by route pattern, method and status."),
    ),
    httpSeconds: registry.add(
      new Histogram("parley_http_request_duration_seconds", "Time to answer an HTTP request.", LATENCY_BUCKETS),
    ),
    messagesSent: registry.add(
      new Counter("parley_messages_sent_total", "Messages stored (retries of the same send count once)."),
    ),
    messagesDelivered: registry.add(
      new Counter(
        "parley_messages_delivered_total",
        "Message events handed to live WebSocket connections (one per receiving connection).",
      ),
    ),
    sendCommitSeconds: registry.add(
      new Histogram(
        "parley_send_commit_seconds",
        "From a send entering the write queue to its transaction's commit.",
        LATENCY_BUCKETS,
      ),
    ),
    fanoutSeconds: registry.add(
      new Histogram(
        "parley_commit_fanout_seconds",
        "From a message's commit to its event handed to every subscribed connection.",
        LATENCY_BUCKETS,
      ),
    ),
    batchSize: registry.add(
      new Histogram(
        "parley_write_batch_size",
        "Writes per transaction (group commit).",
        [1, 2, 4, 8, 16, 32, 64, 128, 256],
      ),
    ),
    stop: lag.stop,
  };
  registry.add(
    new Collected(
      "parley_event_loop_lag_seconds",
      "Worst delay of the event loop over the last ten seconds.",
      "gauge",
      lag.seconds,
    ),
  );
  registry.add(
    new Collected(
      "process_resident_memory_bytes",
      "Resident memory of the process.",
      "gauge",
      () => process.memoryUsage().rss,
    ),
  );
  registry.add(
    new Collected(
      "parley_js_heap_used_bytes",
      "JavaScript heap in use.",
      "gauge",
      () => process.memoryUsage().heapUsed,
    ),
  );
  registry.add(
    new Collected("parley_build_info", "Always 1; the version is a label.", "gauge", () => [
      { labels: { version }, value: 1 },
    ]),
  );
  return m;
}

/** The parts read at scrape time from where they are kept. */
export function collectFrom(
  m: AppMetrics,
  from: {
    hub: Hub;
    presence: Presence;
    calls: Calls;
    queue: WriteQueue;
    push: PushSender;
    disk: DiskSpace;
    checkpoints: CheckpointStats | null;
    sendThread: SendThreadStats | null;
  },
): void {
  const r = m.registry;
  const sendThread = from.sendThread;
  if (sendThread) {
    r.add(
      new Collected(
        "parley_send_thread_batches_total",
        "Batches of sends written by the send thread (PARLEY_SEND_THREAD).",
        "counter",
        () => sendThread.batches,
      ),
    );
    r.add(
      new Collected(
        "parley_send_thread_cache_clears_total",
        "Times the send thread's handshake found, or could not rule out, another process's commit around its own, so every row cache was cleared.",
        "counter",
        () => sendThread.unverified + sendThread.foreign,
      ),
    );
  }
  const checkpoints = from.checkpoints;
  if (checkpoints) {
    r.add(
      new Collected(
        "parley_db_checkpoints_total",
        "Checkpoints (the log copied back into the database file) run by the checkpoint thread.",
        "counter",
        () => checkpoints.runs,
      ),
    );
    r.add(
      new Collected(
        "parley_db_checkpoint_pages_total",
        "Pages the checkpoint thread copied into the database file.",
        "counter",
        () => checkpoints.pagesCopied,
      ),
    );
    r.add(
      new Collected(
        "parley_db_checkpoint_thread_up",
        "1 while checkpoints go to their own thread (started by commits, gone when idle); 0 once it died and commits checkpoint on the event loop.",
        "gauge",
        () => (checkpoints.handedBack ? 0 : 1),
      ),
    );
  }
  r.add(
    new Collected("parley_storage_free_bytes", "Free space on the disk that holds the data folder.", "gauge", () =>
      from.disk.freeBytes(),
    ),
  );
  r.add(
    new Collected(
      "parley_storage_min_free_bytes",
      "The floor (PARLEY_MIN_FREE_BYTES): below it the server is not ready and refuses uploads.",
      "gauge",
      () => from.disk.minFreeBytes,
    ),
  );
  r.add(
    new Collected(
      "parley_storage_low",
      "0 when the disk has room, 1 below twice the floor (a warning), 2 below the floor.",
      "gauge",
      () => from.disk.level(),
    ),
  );
  r.add(
    new Collected(
      "parley_websocket_connections",
      "Open WebSocket connections.",
      "gauge",
      () => from.hub.connectionCount,
    ),
  );
  r.add(
    new Collected(
      "parley_users_online",
      "People with the app open and in front of them (presence online).",
      "gauge",
      () => from.presence.onlineCount(),
    ),
  );
  r.add(new Collected("parley_calls_active", "Calls going on now.", "gauge", () => from.calls.activeCount));
  r.add(new Collected("parley_call_participants", "Devices in calls now.", "gauge", () => from.calls.participantCount));
  r.add(
    new Collected("parley_write_queue_depth", "Writes waiting for their transaction.", "gauge", () =>
      from.queue.depth(),
    ),
  );
  r.add(
    new Collected(
      "parley_push_queued_total",
      "Web Push notifications decided on and queued (a newer one for the same conversation replacing a waiting one counts once).",
      "counter",
      () => from.push.stats.queued,
    ),
  );
  r.add(
    new Collected(
      "parley_push_sent_total",
      "Web Push requests the push services accepted.",
      "counter",
      () => from.push.stats.sent,
    ),
  );
  r.add(
    new Collected(
      "parley_push_failed_total",
      "Web Push notifications given up after retries.",
      "counter",
      () => from.push.stats.failed,
    ),
  );
  r.add(
    new Collected(
      "parley_push_retried_total",
      "Web Push requests retried (429, 5xx, network).",
      "counter",
      () => from.push.stats.retried,
    ),
  );
  r.add(
    new Collected(
      "parley_push_expired_total",
      "Push subscriptions removed because the service said they are gone (404, 410).",
      "counter",
      () => from.push.stats.expired,
    ),
  );
  r.add(
    new Collected(
      "parley_push_dropped_total",
      "Push notifications dropped because the queue was full.",
      "counter",
      () => from.push.stats.dropped,
    ),
  );
  r.add(
    new Collected(
      "parley_push_queue_depth",
      "Push notifications waiting or in flight.",
      "gauge",
      () => from.push.depth,
    ),
  );
}
