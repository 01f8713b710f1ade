// What /metrics says about a node's place in a cluster: whether the primary answers and how long the event
// loop waits on it, the bus, the gap fills that cover what the bus dropped, the nodes heard from, and
// whether this node runs the cluster's jobs. A stalled primary shows here (and in /readyz and the log).
import type { Registry } from "../ops/metrics.ts";
import { Collected } from "../ops/metrics.ts";
import type { RemoteStore } from "../store/remote/remote-store.ts";
import type { ClusterNode } from "./cluster.ts";

export function collectCluster(r: Registry, store: RemoteStore, cluster: ClusterNode | null): void {
  const gauge = (name: string, help: string, read: () => number) => r.add(new Collected(name, help, "gauge", read));
  const counter = (name: string, help: string, read: () => number) => r.add(new Collected(name, help, "counter", read));
  gauge("parley_db_reachable", "1 while the libSQL server answers; 0 during an outage (sends fail fast).", () =>
    store.reachable() ? 1 : 0,
  );
  counter(
    "parley_db_link_calls_total",
    "Round trips from the event loop to the database link thread.",
    () => store.linkStats().calls,
  );
  counter(
    "parley_db_link_wait_seconds_total",
    "Time the event loop spent waiting on the database link (divided by the calls: the mean round trip).",
    () => store.linkStats().waitSeconds,
  );
  counter(
    "parley_db_busy_retries_total",
    "Transactions that found another node holding the primary's write lock and asked again.",
    () => store.linkStats().busyRetries,
  );
  if (!cluster) return;
  gauge("parley_cluster_bus_up", "1 while this node's bus subscription answers its own echo.", () =>
    cluster.busUp ? 1 : 0,
  );
  counter(
    "parley_cluster_bus_published_total",
    "Messages this node published on the bus.",
    () => cluster.busStats.published,
  );
  counter(
    "parley_cluster_bus_received_total",
    "Messages from other nodes received over the bus.",
    () => cluster.busStats.received,
  );
  counter(
    "parley_cluster_bus_publish_failures_total",
    "Publishes given up (the gap fill covers events).",
    () => cluster.busStats.publishFailures,
  );
  counter(
    "parley_cluster_bus_resubscriptions_total",
    "Times the bus subscription was replaced.",
    () => cluster.busStats.resubscriptions,
  );
  counter(
    "parley_cluster_events_filled_total",
    "Events read from the store because the bus did not bring them.",
    () => cluster.sequencer.stats.filled,
  );
  gauge(
    "parley_cluster_nodes",
    "Nodes heard from in the last seconds, this one included.",
    () => cluster.presence.nodes + 1,
  );
  gauge("parley_cluster_jobs_lease_held", "1 on the one node that runs the cluster's background jobs.", () =>
    cluster.jobs.held ? 1 : 0,
  );
}
