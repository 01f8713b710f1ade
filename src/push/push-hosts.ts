// Where Web Push subscriptions may point. Browsers hand out endpoints on their vendor's push service only,
// so by default nothing else is accepted; an admin adds a self-hosted service (ntfy, UnifiedPush) by name.
import type { Config } from "../config/config.ts";
import { parseNetworks, splitList, type OutboundPolicy } from "../lib/outbound.ts";

/** The push services of Chrome/Edge-on-Android (FCM), Firefox, Safari and Edge (WNS). */
export const BROWSER_PUSH_HOSTS = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.push.services.mozilla.com",
  "web.push.apple.com",
  "*.push.apple.com",
  "*.notify.windows.com",
] as const;

export function pushOutboundPolicy(
  config: Pick<Config, "pushAllowedHosts" | "outboundAllowedNetworks">,
): OutboundPolicy {
  return {
    allowedHosts: [...BROWSER_PUSH_HOSTS, ...splitList(config.pushAllowedHosts)],
    allowedNetworks: parseNetworks(config.outboundAllowedNetworks),
  };
}
