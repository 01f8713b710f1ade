/**
 * Every setting Parley reads: its default, why, its environment variable and its flag, one file per facet
 * in settings/. `--help`, docs/configuration.md and the loader all come from this one list, in this order.
 */
import { serverSettings } from "./settings/server.ts";
import { accountsSettings } from "./settings/accounts.ts";
import { operationsSettings } from "./settings/operations.ts";
import { filesSettings } from "./settings/files.ts";
import { pushSettings } from "./settings/push.ts";
import { limitsSettings } from "./settings/limits.ts";
import { databaseSettings } from "./settings/database.ts";

export const settings = {
  ...serverSettings,
  ...accountsSettings,
  ...operationsSettings,
  ...filesSettings,
  ...pushSettings,
  ...limitsSettings,
  ...databaseSettings,
};

export type SettingKey = keyof typeof settings;
