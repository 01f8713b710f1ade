// PARLEY_TLS=acme: a certificate for the public URL's domain from an ACME CA (Let's Encrypt unless
// PARLEY_ACME_DIRECTORY says otherwise), through acme-client (docs/architecture.md says why that one). The CA
// checks the domain with HTTP-01: it asks http://<domain>/.well-known/acme-challenge/<token> on port 80,
// which is PARLEY_HTTP_PORT (answerPlain). TLS-ALPN-01 is not offered: it needs a listener that answers the
// acme-tls/1 protocol with a certificate of its own, which Bun.serve cannot choose per connection.
//
// The account key and the certificate live in the data folder's tls/. A start without a usable certificate
// serves a self-signed stand-in (a browser warns) and asks the CA at once; renewal comes when two thirds of
// the certificate's life are gone, with back-off on failure (renewal.ts), the old one serving meanwhile.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import { selfSigned } from "./certificates.ts";
import { readTlsFile } from "./files.ts";
import { readIfThere, readStoredPair, tlsFolder, writePrivate } from "./folder.ts";
import { checkPair, namesOf, type TlsPair } from "./pair.ts";
import { renewedSource } from "./renewal.ts";
import type { CertificateSource } from "./source.ts";

const CHALLENGE_PATH = "/.well-known/acme-challenge/";
/** The stand-in only has to last until the CA answers; browsers do not trust it anyway. */
const STAND_IN_DAYS = 30;

let library: Promise<typeof import("acme-client")> | undefined;
/** Loaded only with PARLEY_TLS=acme (it brings axios and node-forge). */
function acmeClient(config: Config) {
  return (library ??= Promise.all([import("acme-client"), import("axios")]).then(([acme, { default: axios }]) => {
    // One attempt per request: a dead or failing CA is tried again by the renewal's own back-off (logged),
    // not for a minute and more inside the library with nothing in the log.
    // (acmeSettings is acme-client's own addition to its axios instance, src/axios.js; not in its types.)
    (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts =
      0;
    // acme-client 5.4 reads the response of an error it does not retry, and a network error has none: it
    // throws "undefined is not an object (response.config)" instead of the cause. An error without its
    // request config it passes on as it is, so the log says what happened (ECONNREFUSED, a TLS failure).
    const http = axios.getAdapter("http");
    acme.axios.defaults.adapter = async (request) => {
      try {
        return await http(request);
      } catch (err) {
        if (err instanceof axios.AxiosError && !err.response) err.config = undefined;
        throw err;
      }
    };
    // A private ACME server (step-ca) whose own HTTPS certificate comes from a CA of its own.
    if (config.acmeCa) acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(config.acmeCa, "utf8") });
    return acme;
  }));
}

export async function openAcme(config: Config, log: Logger): Promise<CertificateSource> {
  // Read now so that a wrong path stops the start, rather than every attempt later.
  if (config.acmeCa) readTlsFile(config.acmeCa, "certificate authority (PARLEY_ACME_CA)");
  const domain = new URL(config.publicUrl).hostname;
  const dir = tlsFolder(config.dataDir);
  const certPath = join(dir, `acme-${domain}.crt`);
  const keyPath = join(dir, `acme-${domain}.key`);
  // An account per directory: moving from the staging server to the real one makes a new account.
  const accountPath = join(
    dir,
    `acme-account-${createHash("sha256").update(config.acmeDirectory).digest("hex").slice(0, 12)}.key`,
  );
  const tokens = new Map<string, string>();
  const stored = loadStored(certPath, keyPath, domain, log);
  let standIn: TlsPair | null = null;
  if (!stored) {
    const made = await selfSigned([domain], STAND_IN_DAYS);
    standIn = checkPair(made.cert, made.key, "the stand-in certificate", "its key");
    log.warn("TLS: no certificate from the CA yet; serving a self-signed stand-in until it comes", { domain });
  }

  const obtain = async (): Promise<TlsPair> => {
    const acme = await acmeClient(config);
    let accountKey = readIfThere(accountPath);
    if (!accountKey) {
      accountKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
      writePrivate(accountPath, accountKey);
    }
    const client = new acme.Client({ directoryUrl: config.acmeDirectory, accountKey });
    // A new key with every certificate.
    const [key, csr] = await acme.crypto.createCsr(
      { commonName: domain, altNames: [domain] },
      await acme.crypto.createPrivateEcdsaKey(),
    );
    const cert = await client.auto({
      csr,
      email: config.acmeEmail || undefined,
      termsOfServiceAgreed: true,
      challengePriority: ["http-01"],
      // The CA checks from outside; a check from inside would fail behind a router that does not loop
      // its public address back, while the CA's own check succeeds.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        tokens.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        tokens.delete(challenge.token);
      },
    });
    const issued = checkPair(cert, key.toString(), "the certificate from the CA", "its key");
    if (!namesOf(cert).includes(domain)) throw new Error(`the CA's certificate is not for ${domain}`);
    writePrivate(keyPath, issued.key);
    writePrivate(certPath, issued.cert);
    return issued;
  };

  return renewedSource({
    what: "ACME",
    initial: stored ?? standIn!,
    dueAnyway: (current) => current === standIn,
    renew: obtain,
    checkSeconds: config.tlsCheckSeconds,
    log,
    answerPlain(req) {
      const path = new URL(req.url).pathname;
      if (!path.startsWith(CHALLENGE_PATH)) return null;
      const answer = tokens.get(path.slice(CHALLENGE_PATH.length));
      return answer
        ? new Response(answer, { headers: { "content-type": "text/plain" } })
        : new Response("no such challenge", { status: 404 });
    },
  });
}

/** The certificate kept from last time, if it is whole, for this domain and not ended. */
function loadStored(certPath: string, keyPath: string, domain: string, log: Logger): TlsPair | null {
  try {
    const pair = readStoredPair(certPath, keyPath);
    if (!pair || namesOf(pair.cert).includes(domain)) return pair;
    log.warn("TLS: the stored certificate is not for this domain; asking the CA for one", { domain });
  } catch (err) {
    log.warn("TLS: the stored certificate cannot be used; asking the CA for one", { err: (err as Error).message });
  }
  return null;
}
