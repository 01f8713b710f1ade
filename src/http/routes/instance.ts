import { Hono } from "hono";
import type { InstanceView } from "../../protocol/views.ts";
import { getInstanceSettings, getLogoKey, logoUrl } from "../../accounts/instance-settings.ts";
import { sendPicture } from "./files.ts";
import { AppError } from "../../lib/errors.ts";
import { countUsers } from "../../accounts/users.ts";
import { version } from "../../lib/version.ts";
import type { AppEnv } from "../context.ts";

/** Public runtime facts the web app needs before anyone signs in, so one bundle serves every install. */
export const instanceRoutes = new Hono<AppEnv>()
  .get("/instance", (c) => {
    const { store, mailer, config, media } = c.get("deps");
    const settings = getInstanceSettings(store.db);
    c.header("Cache-Control", "no-store");
    return c.json<InstanceView>({
      name: settings.instanceName,
      version,
      publicUrl: config.publicUrl,
      setupRequired: countUsers(store.db) === 0,
      registrationMode: settings.registrationMode,
      // trustPage: this server has its own certificate authority, which devices trust from /trust.
      // directUploads: files go from the browser straight to the S3 bucket (presigned), not through Parley.
      features: {
        emailPasswordReset: mailer !== null,
        trustPage: config.tls === "local",
        directUploads: media.files.kind === "s3",
      },
      passwordMinLength: config.passwordMinLength,
      logoUrl: logoUrl(getLogoKey(store.db)),
    });
  })
  // Public (the sign-in page shows it); the URL names the picture's hash, so it caches for good.
  .get("/instance/logo/:key", (c) => {
    const key = getLogoKey(c.get("deps").store.db);
    if (!key || key !== c.req.param("key")) throw new AppError("NOT_FOUND", "No such logo.");
    return sendPicture(c, key, "public, max-age=31536000, immutable");
  });
