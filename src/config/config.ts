import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseNetworks } from "../lib/outbound.ts";
import { settings, type SettingKey } from "./settings.ts";

type ValueOf<K extends SettingKey> = (typeof settings)[K]["kind"] extends "int"
  ? number
  : (typeof settings)[K]["kind"] extends "bool"
    ? boolean
    : (typeof settings)[K] extends { values: readonly (infer V)[] }
      ? V
      : string;

export type Config = { readonly [K in SettingKey]: ValueOf<K> } & {
  /** True when publicUrl is https: cookies get the Secure flag. */
  readonly secureCookies: boolean;
  /**
   * True when PARLEY_PUBLIC_URL was given: then it is the only origin browsers may use (the CSRF and
   * WebSocket origin checks stop accepting the request's own Host, which an attacker's DNS can choose).
   */
  readonly publicUrlConfigured: boolean;
};

export class ConfigError extends Error {}

/** Overrides given in code (tests, the CLI); strings as they would come from env or flags. */
export type ConfigInput = Partial<Record<SettingKey, string>>;

/**
 * Settings come from, strongest first: flags, environment, defaults.
 * Unknown flags and malformed values are errors, never silently ignored.
 */
export function loadConfig(
  opts: { env?: Record<string, string | undefined>; args?: string[]; overrides?: ConfigInput } = {},
): Config {
  const env = opts.env ?? process.env;
  const fromFlags = parseFlags(opts.args ?? []);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(settings) as SettingKey[]) {
    const def = settings[key];
    const value = opts.overrides?.[key] ?? fromFlags[key] ?? env[def.env] ?? def.default;
    raw[key] = parseValue(key, value);
  }
  const port = raw.port as number;
  let publicUrl = raw.publicUrl as string;
  const publicUrlConfigured = publicUrl !== "";
  if (!publicUrlConfigured) publicUrl = `${raw.tls === "off" ? "http" : "https"}://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError(
      `${settings.publicUrl.env} must be a URL such as https://chat.example.com (got "${publicUrl}")`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${settings.publicUrl.env} must start with http:// or https://`);
  }
  raw.publicUrl = url.origin;
  if (raw.pushContact && !/^(mailto:|https:\/\/)\S+$/.test(raw.pushContact as string)) {
    throw new ConfigError(`${settings.pushContact.env} must be a mailto: address or an https:// URL`);
  }
  if (raw.storage === "s3" && (!raw.s3Bucket || !raw.s3AccessKeyId || !raw.s3SecretAccessKey)) {
    throw new ConfigError(
      `${settings.storage.env}=s3 needs ${settings.s3Bucket.env}, ${settings.s3AccessKeyId.env} and ${settings.s3SecretAccessKey.env}`,
    );
  }
  try {
    parseNetworks(raw.outboundAllowedNetworks as string);
  } catch (err) {
    throw new ConfigError(`${settings.outboundAllowedNetworks.env}: ${(err as Error).message}`);
  }
  for (const [key, schemes] of [
    ["stunUrls", ["stun:", "stuns:"]],
    ["turnUrls", ["turn:", "turns:"]],
  ] as const) {
    const bad = iceUrls(raw[key] as string).find((u) => !schemes.some((s) => u.startsWith(s)) || /\s/.test(u));
    if (bad !== undefined) throw new ConfigError(`${settings[key].env}: "${bad}" is not a ${schemes.join(" or ")} URL`);
  }
  if (raw.turnUrls && !raw.turnSecret)
    throw new ConfigError(
      `${settings.turnUrls.env} needs ${settings.turnSecret.env} (the TURN server's shared secret)`,
    );
  if (raw.databaseUrl && !/^(wss?|https?|libsql):\/\/[^\s/]+/.test(raw.databaseUrl as string))
    throw new ConfigError(
      `${settings.databaseUrl.env} must be a ws://, wss://, http://, https:// or libsql:// URL of a libSQL server`,
    );
  if (raw.databaseReplica && !raw.databaseUrl)
    throw new ConfigError(`${settings.databaseReplica.env} needs ${settings.databaseUrl.env} (the server it copies)`);
  if (raw.busUrl && !/^rediss?:\/\/\S+$/.test(raw.busUrl as string))
    throw new ConfigError(`${settings.busUrl.env} must be a redis:// or rediss:// URL`);
  if (raw.busUrl && !raw.databaseUrl)
    throw new ConfigError(
      `${settings.busUrl.env} is for several nodes, which share one database: set ${settings.databaseUrl.env} too`,
    );
  // Each node's data folder is its own: a file uploaded through one node must be served by every other.
  if (raw.busUrl && raw.storage !== "s3")
    throw new ConfigError(
      `several nodes (${settings.busUrl.env}) need ${settings.storage.env}=s3: a node's data folder is its own, and every node must serve every file`,
    );
  if (raw.tls === "files" && (!raw.tlsCert || !raw.tlsKey))
    throw new ConfigError(
      `${settings.tls.env}=files needs ${settings.tlsCert.env} and ${settings.tlsKey.env} (the certificate and its key, PEM)`,
    );
  if (raw.tls === "acme") checkAcme(raw, publicUrlConfigured ? url : null);
  // Each node would get a certificate (or an authority) of its own: the CA's check, or a device's trust,
  // would reach one node of several. Several nodes have HTTPS at their balancer, or the same files.
  if (raw.busUrl && (raw.tls === "acme" || raw.tls === "local"))
    throw new ConfigError(
      `${settings.tls.env}=${raw.tls} is for one node; several nodes (${settings.busUrl.env}) have HTTPS at their load balancer, or ${settings.tls.env}=files with the same certificate on each`,
    );
  for (const name of listNames(raw.tlsNames as string))
    if (!isHostName(name) && !isIP(name))
      throw new ConfigError(`${settings.tlsNames.env}: "${name}" is neither a host name nor an IP address`);
  if (raw.httpPort && raw.tls === "off")
    throw new ConfigError(`${settings.httpPort.env} redirects to HTTPS: it needs ${settings.tls.env}`);
  if (raw.httpPort && raw.httpPort === raw.port)
    throw new ConfigError(`${settings.httpPort.env} must differ from ${settings.port.env}`);
  raw.dataDir = resolve(raw.dataDir as string);
  return Object.freeze({ ...raw, secureCookies: url.protocol === "https:", publicUrlConfigured }) as Config;
}

/** ACME certifies the public URL's domain, checked through the plain HTTP port (HTTP-01). */
function checkAcme(raw: Record<string, unknown>, url: URL | null): void {
  const tls = `${settings.tls.env}=acme`;
  if (!url || url.protocol !== "https:" || !isHostName(url.hostname) || !url.hostname.includes("."))
    throw new ConfigError(
      `${tls} needs ${settings.publicUrl.env} with the domain to certify, e.g. https://chat.example.com`,
    );
  if (!raw.httpPort)
    throw new ConfigError(
      `${tls} needs ${settings.httpPort.env} (80, or a port that port 80 of the domain reaches): the CA checks the domain there`,
    );
  if (!/^https:\/\/\S+$/.test(raw.acmeDirectory as string))
    throw new ConfigError(`${settings.acmeDirectory.env} must be an https:// URL`);
  if (raw.acmeEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw.acmeEmail as string))
    throw new ConfigError(`${settings.acmeEmail.env} must be an email address`);
}

/** PARLEY_TLS_NAMES as a list. */
export function listNames(value: string): string[] {
  return value
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
}

const isHostName = (name: string) =>
  name.length <= 253 && name.split(".").every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i.test(label)) && !isIP(name);

function parseFlags(args: string[]): Partial<Record<SettingKey, string>> {
  const byFlag = new Map<string, SettingKey>();
  for (const key of Object.keys(settings) as SettingKey[]) byFlag.set(settings[key].flag, key);
  const out: Partial<Record<SettingKey, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = byFlag.get(name);
    if (!key) throw new ConfigError(`unknown option ${name} (see --help)`);
    if (settings[key].kind === "bool" && eq === -1) {
      out[key] = "true";
      continue;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    out[key] = value;
  }
  return out;
}

function parseValue(key: SettingKey, value: string): unknown {
  const def = settings[key] as (typeof settings)[SettingKey] & {
    values?: readonly string[];
    min?: number;
    max?: number;
    secret?: boolean;
  };
  const shown = def.secret ? "(hidden)" : `"${value}"`;
  switch (def.kind) {
    case "int": {
      if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${def.env} must be a whole number (got ${shown})`);
      const n = Number(value);
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new ConfigError(`${def.env} must be between ${def.min} and ${def.max} (got ${n})`);
      }
      return n;
    }
    case "bool": {
      const v = value.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off", ""].includes(v)) return false;
      throw new ConfigError(`${def.env} must be true or false (got ${shown})`);
    }
    case "enum":
      if (!def.values!.includes(value))
        throw new ConfigError(`${def.env} must be one of ${def.values!.join(", ")} (got ${shown})`);
      return value;
    default:
      return value;
  }
}

/** A comma-separated list of STUN or TURN URLs, as given. */
export function iceUrls(list: string): string[] {
  return list
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
}
