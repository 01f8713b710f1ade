// Links made for other people (invites, group links) name the server by its public URL. When the admin has
// not set one, the server says "localhost", which opens nothing on anyone else's device: the web app then
// puts in an address that others can use — the one this page was opened at, or one of the machine's own.
import { signal } from "@preact/signals";
import { api, type AddressesView } from "./api.ts";

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h.startsWith("127.") || h === "::1";
}

/** What the server said about its addresses (admins only), once asked. */
export const addresses = signal<AddressesView | null>(null);
/** The address the admin picked for links, among `origins`. */
export const chosenOrigin = signal<string | null>(null);

/** Asks the server, once per page, which addresses reach it (admins only: shown where only admins go). */
export async function loadAddresses(): Promise<void> {
  if (addresses.value) return;
  addresses.value = (await api<{ addresses: AddressesView }>("GET", "/admin/addresses")).addresses;
}

/**
 * The origin to put in links for others: the link's own when it is not a loopback one (the public URL was set,
 * or the server runs elsewhere); else this page's when others could use it; else the admin's pick of the
 * machine's addresses; else, with nothing better, the link's own.
 */
export function shareOrigin(linkOrigin: string, pageOrigin = location.origin): string {
  if (!isLoopbackHost(new URL(linkOrigin).hostname)) return linkOrigin;
  if (!isLoopbackHost(new URL(pageOrigin).hostname)) return pageOrigin;
  return chosenOrigin.value ?? addresses.value?.origins[0] ?? linkOrigin;
}

/** A link for others with an origin they can use (see shareOrigin). */
export function shareable(url: string, pageOrigin = location.origin): string {
  const u = new URL(url);
  const origin = shareOrigin(u.origin, pageOrigin);
  return origin + u.pathname + u.search + u.hash;
}
