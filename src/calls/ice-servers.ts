// The ICE servers a browser gets when it joins a call: STUN as configured, and TURN with a credential made
// for this person that expires — the "TURN REST API" scheme coturn implements with use-auth-secret: the
// username is "<unix expiry>:<user id>", the password base64(HMAC-SHA1(secret, username)). The TURN server
// checks both without asking Parley, and a leaked credential stops working at its expiry.
import { createHmac } from "node:crypto";
import { iceUrls, type Config } from "../config/config.ts";
import type { IceServerView } from "../protocol/frames.ts";

export function turnCredential(
  secret: string,
  userId: string,
  expiresAt: number,
): { username: string; credential: string } {
  const username = `${Math.floor(expiresAt / 1000)}:${userId}`;
  return { username, credential: createHmac("sha1", secret).update(username).digest("base64") };
}

export function iceServersFor(
  config: Pick<Config, "stunUrls" | "turnUrls" | "turnSecret" | "turnTtlSeconds">,
  userId: string,
  now = Date.now(),
): IceServerView[] {
  const servers: IceServerView[] = [];
  const stun = iceUrls(config.stunUrls);
  if (stun.length > 0) servers.push({ urls: stun });
  const turn = iceUrls(config.turnUrls);
  if (turn.length > 0 && config.turnSecret)
    servers.push({ urls: turn, ...turnCredential(config.turnSecret, userId, now + config.turnTtlSeconds * 1000) });
  return servers;
}
