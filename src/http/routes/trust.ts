import { Hono } from "hono";
import { readAuthority } from "../../tls/local-ca.ts";
import { answerTrustPage } from "../../tls/trust-page.ts";
import type { AppEnv } from "../context.ts";
import { notFoundResponse } from "../errors.ts";

/**
 * The page that sets a device up to trust Parley's own certificate authority (PARLEY_TLS=local), over HTTPS
 * (the sign-in page links to it); the same page is offered over plain HTTP by the port front.
 */
export const trustRoutes = new Hono<AppEnv>().get("/trust/*", (c) => {
  const { config } = c.get("deps");
  const authority = config.tls === "local" ? readAuthority(config.dataDir) : null;
  const answer = authority && answerTrustPage(c.req.raw, authority, { plain: false, httpsPort: config.port });
  return answer || notFoundResponse(c);
});
