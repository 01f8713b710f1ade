// Link previews: the server fetches the first link of a message through the outbound guard.
import type { SettingDef } from "./setting.ts";

export const previewSettings = {
  linkPreviews: {
    kind: "bool",
    env: "PARLEY_LINK_PREVIEWS",
    flag: "--link-previews",
    default: "true",
    description:
      "Show a card (title, description, picture) for the first link in a message, fetched by the server: only http and https on ports 80 and 443, never to loopback, private, link-local or metadata addresses (checked after DNS and on every redirect), 5 s and 512 KiB at most, no cookies; the picture is re-encoded. Never for end-to-end encrypted messages. false: no request ever leaves for a link.",
  },
  linkPreviewTrustedHosts: {
    kind: "string",
    env: "PARLEY_LINK_PREVIEW_TRUSTED_HOSTS",
    flag: "--link-preview-trusted-hosts",
    default: "",
    description:
      "Hosts on your own network whose links may be previewed though they are private, comma separated: a host (ports 80 and 443) or host:port, e.g. wiki.lan or 192.168.1.20:8080. Their redirects elsewhere are checked as usual.",
  },
} as const satisfies Record<string, SettingDef>;
