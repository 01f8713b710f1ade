import { createPublicKey } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import { humanText } from "../../lib/text-policy.ts";
import {
  findSubscription,
  listSubscriptions,
  subscribe,
  toSubscriptionView,
  unsubscribe,
} from "../../push/subscriptions.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

const base64url = (bytes: number) =>
  z
    .string()
    .max(200)
    .refine(
      (s) => /^[A-Za-z0-9_-]+=*$/.test(s) && Buffer.from(s, "base64url").length === bytes,
      `must be ${bytes} bytes, base64url`,
    );

/** 65 bytes that start with 4 are not enough: the point must be on the curve, or encryption to it fails later. */
function isP256Point(text: string): boolean {
  const raw = Buffer.from(text, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return false;
  try {
    createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: raw.subarray(1, 33).toString("base64url"),
        y: raw.subarray(33).toString("base64url"),
      },
      format: "jwk",
    });
    return true;
  } catch {
    return false;
  }
}

const subscriptionBody = z.object({
  // Push services are always https; anything else is not a browser's subscription.
  endpoint: z.url({ protocol: /^https$/, error: "must be an https URL" }).max(2048),
  keys: z.object({
    p256dh: base64url(65).refine(isP256Point, "must be an uncompressed point on P-256"),
    auth: base64url(16),
  }),
  label: humanText("The device name", { min: 1, max: 100 }).optional(),
});

/** /api/v1/push: the VAPID key and this user's notification subscriptions (one per browser). */
export const pushRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/vapid-public-key", (c) => c.json({ key: c.get("deps").push.publicKey }))
  .post("/subscriptions", async (c) => {
    const body = await readJson(c, subscriptionBody);
    const { user, session } = authOf(c);
    const label = body.label ?? (session.userAgent.slice(0, 100) || "Browser");
    const { store, push } = c.get("deps");
    const row = await subscribe(store, push.policy, user.id, session.id, {
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      label,
    });
    return c.json({ subscription: toSubscriptionView(row, session.id) }, 201);
  })
  .get("/subscriptions", (c) => {
    const { user, session } = authOf(c);
    return c.json({
      subscriptions: listSubscriptions(c.get("deps").store.db, user.id).map((s) => toSubscriptionView(s, session.id)),
    });
  })
  .delete("/subscriptions/:id", async (c) => {
    await unsubscribe(c.get("deps").store, authOf(c).user.id, c.req.param("id"));
    return c.body(null, 204);
  })
  .post("/subscriptions/:id/test", (c) => {
    const { store, push } = c.get("deps");
    const sub = findSubscription(store.db, authOf(c).user.id, c.req.param("id"));
    push.notifier.test(sub);
    return c.body(null, 202);
  });
