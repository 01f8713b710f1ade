// The one guard for requests to URLs that someone else chose (Web Push endpoints today, link previews
// next). Without it, a signed-in user could point Parley at this machine, the LAN or a cloud metadata
// service and read the answers back through side effects (server-side request forgery).
//
// The rules: https only (link previews: http too), no user:password@, only the hosts and ports the caller
// allows; the name is
// resolved once, every address it resolves to must be public (or in a network the admin allowed), and the
// request connects to that checked address with the name kept for TLS and Host, so a DNS answer that
// changes between the check and the connection (rebinding) cannot redirect it. Redirects are not
// followed; time and response size are bounded.
import { lookup } from "node:dns/promises";
import { inAnyCidr, isPublicAddress, parseAddress, parseCidr, type Cidr } from "./ip-address.ts";

export interface OutboundPolicy {
  /**
   * Hosts that may be reached: "push.example.com" (port 443), "*.example.com" (its subdomains, port 443)
   * or "host:port". Null allows any host on port 443, still subject to the address checks.
   */
  allowedHosts: readonly string[] | null;
  /** Private, loopback or link-local networks the admin chose to allow (a self-hosted service on the LAN). */
  allowedNetworks: readonly Cidr[];
  /** DNS; replaced only in tests of the guard itself (the outer boundary Parley does not own). */
  resolve?: (host: string) => Promise<string[]>;
  /** Schemes allowed; https only unless said. With allowedHosts null, each on its own port (443, 80). */
  schemes?: readonly ("https:" | "http:")[];
  /**
   * Hosts the admin trusts ("wiki.lan", "wiki.lan:8080"): reached on that port (80 or 443 without one)
   * whatever they resolve to, a private address included. Nothing else is exempt from the address checks.
   */
  trustedHosts?: readonly string[];
}

/** Why a URL was refused; the message is safe to show to whoever gave the URL. */
export class OutboundRefused extends Error {
  override name = "OutboundRefused";
}

export interface OutboundTarget {
  url: URL;
  /** The checked address the connection must go to. */
  address: string;
}

const LOOKUP_TIMEOUT_MS = 5_000;

/** Reads a comma-separated list of networks (a setting); throws with the bad entry named. */
export function parseNetworks(list: string): Cidr[] {
  return splitList(list).map((entry) => {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`"${entry}" is not an address or a network such as 192.168.1.0/24`);
    return cidr;
  });
}

export function splitList(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The checks that need no network: scheme, credentials, host and port. Returns the parsed URL. */
export function checkUrl(raw: string, policy: Pick<OutboundPolicy, "allowedHosts" | "schemes" | "trustedHosts">): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused("is not a URL");
  }
  const schemes = policy.schemes ?? ["https:"];
  if (!(schemes as readonly string[]).includes(url.protocol))
    throw new OutboundRefused(schemes.length > 1 ? "must be an http or https URL" : "must be an https URL");
  if (url.username || url.password) throw new OutboundRefused("must not carry a user name or password");
  const defaultPort = url.protocol === "http:" ? 80 : 443;
  const port = url.port === "" ? defaultPort : Number(url.port);
  const host = url.hostname.toLowerCase();
  if (isTrustedHost(host, port, policy.trustedHosts)) return url;
  if (!isAllowedHost(host, port, policy.allowedHosts, defaultPort)) {
    throw new OutboundRefused(
      policy.allowedHosts === null || port !== 443
        ? "names a port or host that is not allowed"
        : "is not on a known push service (an administrator can allow more hosts)",
    );
  }
  return url;
}

/** Whether the admin named this host (and port; 80 or 443 when they gave none). */
function isTrustedHost(host: string, port: number, trusted: readonly string[] | undefined): boolean {
  return (trusted ?? []).some((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.toLowerCase());
    if (!m || m[1] !== host) return false;
    return m[2] === undefined ? port === 80 || port === 443 : Number(m[2]) === port;
  });
}

function isAllowedHost(host: string, port: number, allowed: readonly string[] | null, defaultPort = 443): boolean {
  if (allowed === null) return port === defaultPort;
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    // "[::1]:8443", "host:8443", "host", "*.host"
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e);
    if (!m) return false;
    const [, name, p] = m;
    if ((p === undefined ? 443 : Number(p)) !== port) return false;
    if (name!.startsWith("*.")) return host.endsWith(name!.slice(1)) && host.length > name!.length - 1;
    return host === name;
  });
}

/** Checks the URL, resolves its host once and checks every address; the result is what to connect to. */
export async function resolveTarget(raw: string, policy: OutboundPolicy): Promise<OutboundTarget> {
  const url = checkUrl(raw, policy);
  const literal = parseAddress(url.hostname);
  const addresses = literal ? [url.hostname.replace(/^\[|\]$/g, "")] : await resolveName(url.hostname, policy);
  if (addresses.length === 0) throw new OutboundRefused("has a host name that does not resolve");
  const port = url.port === "" ? (url.protocol === "http:" ? 80 : 443) : Number(url.port);
  // IPv4 first, as many home networks have no working IPv6 route out.
  const address = addresses.find((a) => !a.includes(":")) ?? addresses[0]!;
  if (isTrustedHost(url.hostname.toLowerCase(), port, policy.trustedHosts)) return { url, address };
  // Every address, not just the first: a name that also resolves inward is refused as a whole.
  for (const address of addresses) {
    const bytes = parseAddress(address);
    if (!bytes || !(isPublicAddress(bytes) || inAnyCidr(bytes, policy.allowedNetworks))) {
      throw new OutboundRefused("points to a private, loopback or reserved address");
    }
  }
  return { url, address };
}

async function resolveName(host: string, policy: OutboundPolicy): Promise<string[]> {
  const resolve =
    policy.resolve ?? (async (h: string) => (await lookup(h, { all: true, verbatim: true })).map((a) => a.address));
  let timer: Timer | undefined;
  try {
    return await Promise.race([
      resolve(host),
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new OutboundRefused("has a host name that did not resolve in time")),
            LOOKUP_TIMEOUT_MS,
          )),
      ),
    ]);
  } catch (err) {
    if (err instanceof OutboundRefused) throw err;
    throw new OutboundRefused("has a host name that does not resolve");
  } finally {
    clearTimeout(timer);
  }
}

export interface PinnedResponse {
  status: number;
  headers: Headers;
  /** The start of the body, at most maxBytes. */
  body: Uint8Array;
}

/**
 * Sends one request to a URL someone else chose: checked and resolved by resolveTarget, connected to the
 * checked address (TLS still verifies the certificate for the host name), never redirected, bounded in
 * time and in how much of the answer is read.
 */
export async function fetchOutbound(
  raw: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array; timeoutMs: number; maxBytes: number },
  policy: OutboundPolicy,
): Promise<PinnedResponse> {
  const { url, address } = await resolveTarget(raw, policy);
  const pinned = new URL(url);
  pinned.hostname = address.includes(":") ? `[${address}]` : address;
  const res = await fetch(pinned, {
    method: init.method,
    headers: { ...init.headers, host: url.host },
    body: init.body as Uint8Array<ArrayBuffer> | undefined,
    redirect: "manual",
    signal: AbortSignal.timeout(init.timeoutMs),
    // The certificate must be valid for the name the URL gave, not for the address we connect to.
    tls: { serverName: url.hostname },
  });
  return { status: res.status, headers: res.headers, body: await readAtMost(res, init.maxBytes) };
}

async function readAtMost(res: Response, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const p of parts) {
    const take = p.subarray(0, out.length - at);
    out.set(take, at);
    at += take.length;
    if (at >= out.length) break;
  }
  return out;
}
