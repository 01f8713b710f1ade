// Web Push notifications, and the outbound guard their requests pass.
import type { SettingDef } from "./setting.ts";

export const pushSettings = {
  pushAwaySeconds: {
    kind: "int",
    env: "PARLEY_PUSH_AWAY_SECONDS",
    flag: "--push-away-seconds",
    default: "30",
    min: 0,
    max: 86400,
    description:
      "Push notifications go to people with no open app, and to those whose app has been in the background (away) this long.",
  },
  pushPrivate: {
    kind: "bool",
    env: "PARLEY_PUSH_PRIVATE",
    flag: "--push-private",
    default: "false",
    description:
      'Private push mode: notifications carry no conversation name, sender or words through the browser\'s push service, only "New message"; the app fetches the rest from Parley when it shows them.',
  },
  pushAllowedHosts: {
    kind: "string",
    env: "PARLEY_PUSH_ALLOWED_HOSTS",
    flag: "--push-allowed-hosts",
    default: "",
    description:
      "Push services beyond the browsers' own (Google, Mozilla, Apple, Microsoft), comma separated: a host (port 443), *.domain for its subdomains, or host:port. For a self-hosted ntfy or UnifiedPush server, e.g. ntfy.example.com.",
  },
  outboundAllowedNetworks: {
    kind: "string",
    env: "PARLEY_OUTBOUND_ALLOWED_NETWORKS",
    flag: "--outbound-allowed-networks",
    default: "",
    description:
      "Private networks Parley may send requests to on someone else's say-so (push endpoints), comma separated, e.g. 192.168.1.0/24 for a push server on your LAN. Empty: public addresses only; loopback, private, link-local and metadata addresses are refused.",
  },
  pushContact: {
    kind: "string",
    env: "PARLEY_PUSH_CONTACT",
    flag: "--push-contact",
    default: "",
    description:
      "Contact for push services (VAPID subject): a mailto: address or an https URL. Default: the public URL when it is https, else mailto:parley@<its host>.",
  },
} as const satisfies Record<string, SettingDef>;
