// PARLEY_TLS=local: HTTPS on a home network with no domain and no reverse proxy. Parley makes a small
// certificate authority of its own in the data folder (kept across restarts and in backups: devices trust it
// once) and signs a server certificate for every name it can be reached by (parley.local, localhost, the
// machine's name, its addresses, PARLEY_TLS_NAMES). The certificate is made again when two thirds of its life
// are gone or when those names change (a new address from the router), without a restart. Each device trusts
// the authority from the page /trust (trust-page.ts), offered over plain HTTP on the same port (port-front.ts).
//
// The authority carries name constraints (certificates.ts): it can only vouch for home-network names and
// private addresses, so a device that trusts it trusts nothing on the internet because of it.
import { X509Certificate } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";
import { BlockList, isIP } from "node:net";
import { join } from "node:path";
import { listNames, type Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import { issueByAuthority, makeAuthority, permittedNames, type Pem } from "./certificates.ts";
import { readIfThere, readStoredPair, tlsFolder, writePrivate } from "./folder.ts";
import { checkPair, namesOf, type TlsPair } from "./pair.ts";
import { renewedSource } from "./renewal.ts";
import type { CertificateSource } from "./source.ts";
import { answerTrustPage } from "./trust-page.ts";

/** Apple devices refuse a server certificate from a CA they were given that lasts longer than 825 days. */
const SERVER_DAYS = 397;
const AUTHORITY_YEARS = 10;
/** The DNS suffixes a home network uses (RFC 6762 .local, RFC 8375 home.arpa, and the usual router ones). */
const HOME_SUFFIXES = ["local", "localhost", "lan", "home", "home.arpa", "internal", "localdomain"];
/** Private, loopback, shared (CGNAT: Tailscale) and link-local blocks (RFC 1918, 6598, 3927, 4193, 4291). */
const HOME_NETWORKS = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "127.0.0.0/8",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
];

export const authorityFiles = (dataDir: string) => {
  const dir = tlsFolder(dataDir);
  return { cert: join(dir, "local-ca.crt"), key: join(dir, "local-ca.key") };
};

/** The authority's certificate (PEM) for the trust page, or null before it is made. */
export function readAuthority(dataDir: string): string | null {
  return readIfThere(authorityFiles(dataDir).cert);
}

export async function openLocalCa(config: Config, log: Logger): Promise<CertificateSource> {
  const authority = await loadOrMakeAuthority(config, log);
  const dir = tlsFolder(config.dataDir);
  const certPath = join(dir, "local-server.crt");
  const keyPath = join(dir, "local-server.key");
  const permitted = permitter(await permittedNames(authority.cert));
  const wanted = () => reachableNames(config, permitted, log);

  const issue = async (): Promise<TlsPair> => {
    // From a minute back: a device whose clock is a little behind accepts it at once.
    const now = Date.now();
    const validity = { from: new Date(now - 60_000), to: new Date(now + SERVER_DAYS * 86_400_000) };
    const made = await issueByAuthority(authority, wanted(), validity);
    const pair = checkPair(made.cert, made.key, "the new server certificate", "its key");
    writePrivate(keyPath, made.key);
    writePrivate(certPath, made.cert);
    return pair;
  };
  const namesChanged = (pair: TlsPair) => !sameNames(namesOf(pair.cert), wanted());
  let pair = loadServerCertificate(certPath, keyPath, authority.cert) ?? (await issue());
  if (namesChanged(pair)) pair = await issue();
  log.info("TLS: serving a certificate of this server's own authority", {
    names: namesOf(pair.cert).join(","),
    authority: new X509Certificate(authority.cert).fingerprint256,
  });
  return renewedSource({
    what: "local CA",
    initial: pair,
    dueAnyway: namesChanged,
    renew: issue,
    checkSeconds: config.tlsCheckSeconds,
    log,
    answerPlain: (req, httpsPort) => answerTrustPage(req, authority.cert, { plain: true, httpsPort }),
  });
}

async function loadOrMakeAuthority(config: Config, log: Logger): Promise<Pem> {
  const files = authorityFiles(config.dataDir);
  // A damaged or ended authority stops the start: making a new one silently would break every device.
  const pair = readStoredPair(files.cert, files.key);
  if (pair) {
    const left = (pair.notAfter.getTime() - Date.now()) / 86_400_000;
    if (left < 365)
      log.warn("TLS: the local authority ends within a year; see docs/operations.md to make a new one", {
        notAfter: pair.notAfter.toISOString(),
      });
    return { cert: pair.cert, key: pair.key };
  }
  const permitted = [
    ...HOME_SUFFIXES,
    ...hostNames().filter((n) => !isIP(n)),
    ...listNames(config.tlsNames).filter((n) => !isIP(n)),
    ...HOME_NETWORKS,
  ];
  const made = await makeAuthority(`Parley on ${hostname()}`, [...new Set(permitted)], AUTHORITY_YEARS);
  writePrivate(files.key, made.key);
  writePrivate(files.cert, made.cert);
  log.info("TLS: made this server's certificate authority; each device trusts it once, from /trust", {
    fingerprint: new X509Certificate(made.cert).fingerprint256,
  });
  return made;
}

/** The machine's own name, and that name under .local (mDNS, as Avahi or the router announce it). */
function hostNames(): string[] {
  const name = hostname().toLowerCase();
  return name.includes(".") ? [name] : [name, `${name}.local`];
}

/**
 * Every name this server can be reached by that the authority may vouch for: parley.local, localhost, the
 * machine's names, its addresses (not link-local IPv6, which needs a zone no URL carries) and PARLEY_TLS_NAMES.
 */
function reachableNames(config: Config, permitted: (name: string) => boolean, log: Logger): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !(a.family === "IPv6" && a.address.startsWith("fe80:")))
    .map((a) => a!.address.toLowerCase());
  const names = [
    ...new Set(["parley.local", "localhost", ...hostNames(), ...listNames(config.tlsNames), ...addresses]),
  ];
  const allowed = names.filter(permitted);
  const left = names.filter((n) => !allowed.includes(n));
  if (left.length > 0 && !warned.has(left.join())) {
    warned.add(left.join());
    log.warn("TLS: names the local authority may not vouch for are left out of the certificate", {
      names: left.join(","),
    });
  }
  return allowed;
}
const warned = new Set<string>();

/** Whether a name is inside the authority's permitted names and networks, as a browser checks it. */
function permitter(permitted: string[]): (name: string) => boolean {
  const suffixes = permitted.filter((p) => !p.includes("/"));
  const networks = new BlockList();
  for (const p of permitted.filter((p) => p.includes("/"))) {
    const [base, bits] = p.split("/") as [string, string];
    networks.addSubnet(base, Number(bits), isIP(base) === 6 ? "ipv6" : "ipv4");
  }
  return (name) => {
    const kind = isIP(name);
    if (kind === 0) return suffixes.some((p) => name === p || name.endsWith(`.${p}`));
    return networks.check(name, kind === 6 ? "ipv6" : "ipv4");
  };
}

/** The same set of names, however each spells an IPv6 address ("0:0:0:0:0:0:0:1" and "::1"). */
function sameNames(a: string[], b: string[]): boolean {
  const spelled = (l: string[]) => [...new Set(l.map((n) => (isIP(n) === 6 ? new URL(`http://[${n}]`).hostname : n)))];
  return spelled(a).sort().join() === spelled(b).sort().join();
}

/** The server certificate from last time, if whole, signed by this authority and not ended. */
function loadServerCertificate(certPath: string, keyPath: string, authority: string): TlsPair | null {
  try {
    const pair = readStoredPair(certPath, keyPath);
    return pair && new X509Certificate(pair.cert).verify(new X509Certificate(authority).publicKey) ? pair : null;
  } catch {
    return null;
  }
}
