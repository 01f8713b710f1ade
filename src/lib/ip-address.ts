// Telling public internet addresses from everything else (loopback, private, link-local, metadata,
// documentation, multicast...), in every spelling an address can take once a URL parser has read it:
// dotted IPv4, IPv6 with or without "::", IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4).
import { isIP } from "node:net";

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type AddressBytes = Uint8Array;

/** A network in CIDR form, for the admin's list of private networks outbound requests may reach. */
export interface Cidr {
  bytes: AddressBytes;
  prefix: number;
}

/** Parses "10.0.0.0/8", "fd00::/8" or a bare address; null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const [addr, bits, ...rest] = text.trim().split("/");
  if (rest.length > 0 || !addr) return null;
  const bytes = parseAddress(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  return prefix <= max ? { bytes, prefix } : null;
}

/** IPv4 or IPv6 text (brackets allowed) to bytes; null for anything else, host names included. */
export function parseAddress(text: string): AddressBytes | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const kind = isIP(bare);
  if (kind === 4) return Uint8Array.from(bare.split(".").map(Number));
  if (kind === 6) return parseIpv6(bare);
  return null;
}

function parseIpv6(text: string): AddressBytes | null {
  let s = text.split("%")[0]!; // a zone id names an interface, not an address
  const out = new Uint8Array(16);
  // A trailing dotted IPv4 part fills the last four bytes.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (dotted) {
    tail = dotted[1]!.split(".").map(Number);
    s = s.slice(0, -dotted[1]!.length) + "0:0";
  }
  const [head, rest] = s.split("::") as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(":").filter((g) => g !== "") : []);
  const left = groups(head);
  const right = groups(rest);
  const words = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  if (words.length !== 8) return null;
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (dotted) out.set(tail, 12);
  return out;
}

export function inCidr(bytes: AddressBytes, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const take = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (cidr.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const cidrs = (list: string[]) => list.map((c) => parseCidr(c)!);

/** IPv4 space that is not the public internet (RFC 6890 and friends). */
const SPECIAL_V4 = cidrs([
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local, cloud metadata (169.254.169.254)
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, broadcast
]);

const SPECIAL_V6 = cidrs([
  "::/128",
  "::1/128",
  "100::/64", // discard
  "2001::/23", // IETF protocol assignments (Teredo, ORCHID...)
  "2001:db8::/32", // documentation
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "fec0::/10", // site-local (deprecated)
  "ff00::/8", // multicast
]);

/** IPv6 forms that carry an IPv4 address inside: the IPv4 address decides. */
const EMBEDDED_V4: { cidr: Cidr; at: number }[] = [
  { cidr: parseCidr("::ffff:0:0/96")!, at: 12 }, // mapped
  { cidr: parseCidr("::/96")!, at: 12 }, // compatible (deprecated)
  { cidr: parseCidr("64:ff9b::/96")!, at: 12 }, // NAT64
  { cidr: parseCidr("64:ff9b:1::/48")!, at: 12 }, // local NAT64
  { cidr: parseCidr("2002::/16")!, at: 2 }, // 6to4
];

/** The IPv4 address an IPv6 address stands for, if it is one of the embedding forms. */
export function embeddedIpv4(bytes: AddressBytes): AddressBytes | null {
  if (bytes.length !== 16) return null;
  for (const { cidr, at } of EMBEDDED_V4) if (inCidr(bytes, cidr)) return bytes.slice(at, at + 4);
  return null;
}

/** True only for an address on the public internet. */
export function isPublicAddress(bytes: AddressBytes): boolean {
  const v4 = bytes.length === 4 ? bytes : embeddedIpv4(bytes);
  if (v4) return !SPECIAL_V4.some((c) => inCidr(v4, c));
  return !SPECIAL_V6.some((c) => inCidr(bytes, c));
}

/** Whether the address is in one of the networks (an embedded IPv4 address is matched as IPv4 too). */
export function inAnyCidr(bytes: AddressBytes, list: readonly Cidr[]): boolean {
  const v4 = bytes.length === 16 ? embeddedIpv4(bytes) : null;
  return list.some((c) => inCidr(bytes, c) || (v4 !== null && inCidr(v4, c)));
}
