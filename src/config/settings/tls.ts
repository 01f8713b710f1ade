// HTTPS from the binary itself (docs/operations.md, "HTTPS"). Unset: plain HTTP, as behind a reverse proxy.
import type { SettingDef } from "./setting.ts";

export const tlsSettings = {
  tls: {
    kind: "enum",
    env: "PARLEY_TLS",
    flag: "--tls",
    default: "off",
    values: ["off", "files", "acme", "local"],
    description:
      "HTTPS on PARLEY_PORT: off (plain HTTP; a reverse proxy in front does TLS); acme (a certificate for PARLEY_PUBLIC_URL's domain from Let's Encrypt or PARLEY_ACME_DIRECTORY, renewed by itself; needs PARLEY_HTTP_PORT reachable as port 80); local (a home network: Parley's own certificate authority, which each device trusts once from the page /trust, also offered over plain HTTP on the same port); or files (the certificate and key in PARLEY_TLS_CERT and PARLEY_TLS_KEY, taken up again when they change, without a restart).",
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
      "How often the certificate is looked at: files, for a change (a changed pair that is valid is served to new connections at once, open ones keep theirs; one that is not valid is logged and the one in use stays); acme and local, whether it is due for renewal (two thirds of its life gone). A failed renewal is tried again after this, then twice as long each time, up to 6 hours, while the certificate in use keeps serving.",
  },
  acmeDirectory: {
    kind: "string",
    env: "PARLEY_ACME_DIRECTORY",
    flag: "--acme-directory",
    default: "https://acme-v02.api.letsencrypt.org/directory",
    description:
      "With PARLEY_TLS=acme: the ACME server's directory URL. Let's Encrypt by default; its staging server (https://acme-staging-v02.api.letsencrypt.org/directory) to try things out, or a private one (step-ca).",
  },
  acmeEmail: {
    kind: "string",
    env: "PARLEY_ACME_EMAIL",
    flag: "--acme-email",
    default: "",
    description:
      "With PARLEY_TLS=acme: an email address the CA may write to about the account (optional). Using acme means agreeing to the CA's terms of service.",
  },
  acmeCa: {
    kind: "string",
    env: "PARLEY_ACME_CA",
    flag: "--acme-ca",
    default: "",
    description:
      "With PARLEY_TLS=acme and a private ACME server: a PEM file with the certificate authority that signed that server's own HTTPS certificate. Public CAs need nothing.",
  },
  tlsNames: {
    kind: "string",
    env: "PARLEY_TLS_NAMES",
    flag: "--tls-names",
    default: "",
    description:
      "With PARLEY_TLS=local: more names or addresses for the certificate, comma-separated (e.g. chat.home.arpa,10.8.0.1). It always holds parley.local, localhost, the machine's name (and name.local) and its addresses, looked at again at every renewal.",
  },
  httpPort: {
    kind: "int",
    env: "PARLEY_HTTP_PORT",
    flag: "--http-port",
    default: "0",
    min: 0,
    max: 65535,
    description:
      "With TLS on: a plain HTTP port that sends every request to the same address over HTTPS (80 on a public server); with acme it also answers the CA's HTTP-01 checks, so it is needed there and must be reachable as port 80 of the domain; with local it also serves the page /trust. 0: none.",
  },
} as const satisfies Record<string, SettingDef>;
