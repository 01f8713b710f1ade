// What a commit causes, in one place: the event goes to the connected members' sockets first, is counted,
// and then becomes a Web Push for those who are away, and a link preview to fetch. The chat domain only knows the ChatPublisher it is
// given; this is that publisher. Everything here runs after commit and never fails the write.
import type { ChatPublisher } from "./chat/context.ts";
import type { Logger } from "./lib/log.ts";
import type { AppMetrics } from "./ops/app-metrics.ts";
import type { EventView } from "./protocol/views.ts";
import type { Hub } from "./realtime/hub.ts";
import type { ClusterNode } from "./cluster/cluster.ts";

/** Work a committed event starts after the sockets have it (pushes, link previews); it never fails the write. */
export interface EventFollower {
  onEvent(event: EventView): void;
}

export interface CommitEffects extends ChatPublisher {
  /** Push and link previews are built after the chat domain, which needs this publisher. */
  followWith(name: string, follower: EventFollower): void;
}

export function createCommitEffects(deps: {
  hub: Hub;
  metrics: AppMetrics;
  log: Logger;
  /** A node of a cluster hands events and signals to the cluster (cluster/cluster.ts), which delivers them here too. */
  cluster: ClusterNode | null;
}): CommitEffects {
  const { hub, metrics, log, cluster } = deps;
  const followers: [string, EventFollower][] = [];
  return {
    publish(event, change) {
      const started = performance.now();
      if (cluster) cluster.publish(event, change ?? {});
      else hub.publish(event, change);
      if (event.type === "message.created") {
        metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
        metrics.messagesSent.inc();
        metrics.messagesDelivered.inc({}, hub.subscribers(event.conversationId));
      }
      for (const [name, follower] of followers) {
        try {
          follower.onEvent(event);
        } catch (err) {
          // Sockets already have it; a push that could not be queued must not hide that.
          log.error(`${name} for a committed event failed`, { eventId: event.id, err });
        }
      }
    },
    notify: (to, frame) => (cluster ? cluster.notify(to, frame) : hub.notify(to, frame)),
    relay: (to, frame) => cluster?.relay(to, frame),
    followWith(name, follower) {
      followers.push([name, follower]);
    },
  };
}
