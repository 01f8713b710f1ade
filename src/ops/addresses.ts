// Which addresses other people's devices can use to reach this server, for the admin who has not set
// PARLEY_PUBLIC_URL: links made for others would otherwise say "localhost", which only works on this machine.
// Read from this machine's own network interfaces; nothing is contacted.
import { hostname, networkInterfaces } from "node:os";
import type { Config } from "../config/config.ts";
import { inAnyCidr, parseAddress, parseCidr } from "../lib/ip-address.ts";
import type { AddressesView } from "../protocol/views.ts";

type Interfaces = ReturnType<typeof networkInterfaces>;

/**
 * The origins others may use: one per address of this machine that the server listens on, IPv4 first,
 * without loopback and link-local addresses (they do not work from another device). Empty when Parley listens
 * on a loopback address only (behind a reverse proxy on this machine).
 */
export function reachableOrigins(
  host: string,
  port: number,
  interfaces: Interfaces = networkInterfaces(),
  scheme: "http" | "https" = "http",
): string[] {
  const all = host === "0.0.0.0" || host === "::" || host === "";
  const found: { url: string; v6: boolean }[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || isLinkLocal(a.address)) continue;
      const v6 = a.family === "IPv6";
      // Listening on 0.0.0.0 takes IPv4 only; "::" takes both.
      if (!(all ? !v6 || host === "::" : a.address === host)) continue;
      found.push({ url: `${scheme}://${v6 ? `[${a.address}]` : a.address}:${port}`, v6 });
    }
  }
  if (!all && found.length === 0 && !isLoopback(host))
    found.push({ url: originOf(scheme, host, port), v6: host.includes(":") });
  return [...new Set(found.sort((a, b) => Number(a.v6) - Number(b.v6)).map((f) => f.url))];
}

function originOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"].map((c) => parseCidr(c)!);
const LINK_LOCAL = ["169.254.0.0/16", "fe80::/10"].map((c) => parseCidr(c)!);

/** In one of the networks, in any spelling of the address (an IPv4 address inside IPv6 included). */
function isIn(address: string, networks: typeof LOOPBACK): boolean {
  const bytes = parseAddress(address);
  return bytes !== null && inAnyCidr(bytes, networks);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || isIn(host, LOOPBACK);
}

function isLinkLocal(address: string): boolean {
  return isIn(address, LINK_LOCAL);
}

/** What the admin is told about reaching this server from elsewhere (GET /api/v1/admin/addresses). */
export function addressesView(
  config: Pick<Config, "host" | "port" | "publicUrl" | "publicUrlConfigured" | "tls">,
): AddressesView {
  return {
    publicUrl: config.publicUrl,
    publicUrlConfigured: config.publicUrlConfigured,
    localOnly: isLoopback(config.host),
    hostname: hostname(),
    origins: config.publicUrlConfigured
      ? []
      : reachableOrigins(config.host, config.port, undefined, config.tls === "off" ? "http" : "https"),
  };
}
