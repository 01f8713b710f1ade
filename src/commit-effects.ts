// What a commit causes, in one place: the event goes to the connected members' sockets first, is counted,
// and then becomes a Web Push for those who are away. The chat domain only knows the ChatPublisher it is
// given; this is that publisher. Everything here runs after commit and never fails the write.
import type { ChatPublisher } from "./chat/context.ts";
import type { Logger } from "./lib/log.ts";
import type { AppMetrics } from "./ops/app-metrics.ts";
import type { PushNotifier } from "./push/notifier.ts";
import type { Hub } from "./realtime/hub.ts";
import type { ClusterNode } from "./cluster/cluster.ts";

export interface CommitEffects extends ChatPublisher {
  /** Push is built after presence, which needs the chat domain that needs this publisher. */
  pushWith(notifier: PushNotifier): void;
}

export function createCommitEffects(deps: {
  hub: Hub;
  metrics: AppMetrics;
  log: Logger;
  /** A node of a cluster hands events and signals to the cluster (cluster/cluster.ts), which delivers them here too. */
  cluster: ClusterNode | null;
}): CommitEffects {
  const { hub, metrics, log, cluster } = deps;
  let push: PushNotifier | undefined;
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
      try {
        push?.onEvent(event);
      } catch (err) {
        // Sockets already have it; a push that could not be queued must not hide that.
        log.error("push for a committed event failed", { eventId: event.id, err });
      }
    },
    notify: (to, frame) => (cluster ? cluster.notify(to, frame) : hub.notify(to, frame)),
    relay: (to, frame) => cluster?.relay(to, frame),
    pushWith(notifier) {
      push = notifier;
    },
  };
}
