// Where the HTTPS certificate comes from (PARLEY_TLS): files kept by something else, an ACME CA, or Parley's
// own certificate authority for a home network. Each gives the pair to start with and hands over a new valid
// one whenever it has it; server.ts serves that to new connections without a restart.
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import type { TlsPair } from "./pair.ts";

export interface CertificateSource {
  /** The pair to listen with first. */
  readonly initial: TlsPair;
  /** Starts looking after the certificate: each new valid pair goes to onChange. */
  start(onChange: (pair: TlsPair) => void): void;
  stop(): void;
  /** Settles once no renewal is under way (tests). */
  idle(): Promise<void>;
  /**
   * What this mode answers over plain HTTP before the redirect to HTTPS: the CA's HTTP-01 checks (acme),
   * the trust page (local). Null: redirect.
   */
  answerPlain(req: Request, httpsPort: number): Response | null;
}

export async function openCertificateSource(config: Config, log: Logger): Promise<CertificateSource | null> {
  switch (config.tls) {
    case "off":
      return null;
    case "files":
      return (await import("./files.ts")).openFiles(config, log);
    case "acme":
      return (await import("./acme.ts")).openAcme(config, log);
    case "local":
      return (await import("./local-ca.ts")).openLocalCa(config, log);
  }
}
