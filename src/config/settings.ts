/**
 * Every setting Parley reads: its default, why, its environment variable and its flag, one file per facet
 * in settings/. `--help`, docs/configuration.md and the loader all come from this one list, in this order.
 */
import { serverSettings } from "./settings/server.ts";
import { accountsSettings } from "./settings/accounts.ts";
import { operationsSettings } from "./settings/operations.ts";
import { filesSettings } from "./settings/files.ts";
import { pushSettings } from "./settings/push.ts";
import { previewSettings } from "./settings/previews.ts";
import { limitsSettings } from "./settings/limits.ts";
import { databaseSettings } from "./settings/database.ts";
import { callsSettings } from "./settings/calls.ts";
import { clusterSettings } from "./settings/cluster.ts";
import { tlsSettings } from "./settings/tls.ts";

export const settings = {
  ...serverSettings,
  ...tlsSettings,
  ...accountsSettings,
  ...operationsSettings,
  ...filesSettings,
  ...pushSettings,
  ...previewSettings,
  ...limitsSettings,
  ...databaseSettings,
  ...callsSettings,
  ...clusterSettings,
};

export type SettingKey = keyof typeof settings;

/** The same settings under a heading per facet, for --help and docs/configuration.md. */
export const settingGroups: [title: string, keys: SettingKey[]][] = [
  ["Where Parley listens, keeps its data, and logs", Object.keys(serverSettings) as SettingKey[]],
  ["HTTPS from Parley itself", Object.keys(tlsSettings) as SettingKey[]],
  ["Accounts: sign-in, sessions, passwords, email", Object.keys(accountsSettings) as SettingKey[]],
  ["Operations: backups, metrics, the proxy in front, stopping", Object.keys(operationsSettings) as SettingKey[]],
  ["Files and pictures", Object.keys(filesSettings) as SettingKey[]],
  ["Web Push notifications", Object.keys(pushSettings) as SettingKey[]],
  ["Link previews", Object.keys(previewSettings) as SettingKey[]],
  ["Limits per request, socket and person", Object.keys(limitsSettings) as SettingKey[]],
  ["The database and its writes", Object.keys(databaseSettings) as SettingKey[]],
  ["Calls, and the STUN and TURN servers they may need", Object.keys(callsSettings) as SettingKey[]],
  ["Several nodes: the shared database and the bus", Object.keys(clusterSettings) as SettingKey[]],
];
