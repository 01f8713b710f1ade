// HTTPS from the binary itself (docs/operations.md, "HTTPS"). Unset: plain HTTP, as behind a reverse proxy.
import type { SettingDef } from "./setting.ts";

export const tlsSettings = {
  tls: {
    kind: "enum",
    env: "PARLEY_TLS",
    flag: "--tls",
    default: "off",
    values: ["off", "files"],
    description:
      "HTTPS on PARLEY_PORT: off (plain HTTP; a reverse proxy in front does TLS), or files (the certificate and key in PARLEY_TLS_CERT and PARLEY_TLS_KEY, taken up again when they change, without a restart).",
  },
  tlsCert: {
    kind: "string",
    env: "PARLEY_TLS_CERT",
    flag: "--tls-cert",
    default: "",
    description:
      "With PARLEY_TLS=files: the certificate chain, PEM (the server's certificate first), e.g. fullchain.pem.",
  },
  tlsKey: {
    kind: "string",
    env: "PARLEY_TLS_KEY",
    flag: "--tls-key",
    default: "",
    secret: true,
    description: "With PARLEY_TLS=files: the certificate's private key, PEM, e.g. privkey.pem.",
  },
  tlsCheckSeconds: {
    kind: "int",
    env: "PARLEY_TLS_CHECK_SECONDS",
    flag: "--tls-check-seconds",
    default: "30",
    min: 1,
    max: 86400,
    description:
      "How often the certificate files are looked at for a change. A changed pair that is valid is served to new connections at once; open ones keep theirs. A pair that is not valid is logged and the one in use stays.",
  },
  httpPort: {
    kind: "int",
    env: "PARLEY_HTTP_PORT",
    flag: "--http-port",
    default: "0",
    min: 0,
    max: 65535,
    description:
      "With TLS on: a plain HTTP port that sends every request to the same address over HTTPS (80 on a public server). 0: none.",
  },
} as const satisfies Record<string, SettingDef>;
