import { Hono } from "hono";
import { getInstanceSettings } from "../../accounts/instance-settings.ts";
import { countUsers } from "../../accounts/users.ts";
import { version } from "../../lib/version.ts";
import type { AppEnv } from "../context.ts";

/** Public runtime facts the web app needs before anyone signs in, so one bundle serves every install. */
export const instanceRoutes = new Hono<AppEnv>().get("/instance", (c) => {
  const { store, mailer, config } = c.get("deps");
  const settings = getInstanceSettings(store.db);
  c.header("Cache-Control", "no-store");
  return c.json({
    name: settings.instanceName,
    version,
    publicUrl: config.publicUrl,
    setupRequired: countUsers(store.db) === 0,
    registrationMode: settings.registrationMode,
    features: { emailPasswordReset: mailer !== null },
    passwordMinLength: config.passwordMinLength,
  });
});
