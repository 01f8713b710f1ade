import { Hono, type Context } from "hono";
import { z } from "zod";
import {
  completePresignedUpload,
  receivePresignedContent,
  receiveUpload,
  requireReadableFile,
  startPresignedUpload,
} from "../../files/attachments.ts";
import { requireAvatar } from "../../files/avatars.ts";
import { SAFE_INLINE } from "../../files/sniff.ts";
import { AppError } from "../../lib/errors.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson, incomingBody } from "../validate.ts";

const presignBody = z
  .object({
    name: z.string().min(1).max(1000),
    size: z.number().int().min(0),
    // Only a hint for the client's own use: what a file is gets decided from its bytes.
    type: z.string().max(255).optional(),
  })
  .strict();

/**
 * /api/v1/uploads. Direct: POST / with one file in a multipart body (field "file"), streamed to the store.
 * Presigned: POST /presign → PUT the bytes to the URL it returns → POST /:id/complete.
 */
export const uploadRoutes = new Hono<AppEnv>()
  // The signed URL's token is the credential: the client that PUTs may hold no session (or be a plain HTTP tool).
  .put("/:id/content", async (c) => {
    const token = c.req.query("token");
    if (!token || token.length > 100) throw new AppError("UPLOAD_LINK_INVALID");
    await receivePresignedContent(c.get("deps").media, c.req.param("id"), token, incomingBody(c));
    return c.body(null, 200);
  })
  .use(requireAuth)
  .post("/", async (c) => {
    const attachment = await receiveUpload(c.get("deps").media, authOf(c).user, incomingBody(c));
    return c.json({ attachment }, 201);
  })
  .post("/presign", async (c) => {
    const body = await readJson(c, presignBody);
    const { media, config } = c.get("deps");
    return c.json(await startPresignedUpload(media, authOf(c).user, body, config.publicUrl), 201);
  })
  .post("/:id/complete", async (c) => {
    const attachment = await completePresignedUpload(c.get("deps").media, authOf(c).user, c.req.param("id"));
    return c.json({ attachment });
  });

/** Answers a GET for stored bytes, with Range support for audio and video players. */
function serveBytes(c: Context<AppEnv>, file: Blob, size: number, headers: Record<string, string>): Response {
  const all = { ...headers, "Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff" };
  const range = c.req.header("range");
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = m?.[1] ? Number(m[1]) : NaN;
    let end = m?.[2] ? Number(m[2]) : size - 1;
    if (m && !m[1] && m[2]) {
      start = Math.max(0, size - Number(m[2]));
      end = size - 1;
    }
    end = Math.min(end, size - 1);
    if (!m || !Number.isFinite(start) || start > end || start >= size) {
      return c.body(null, 416, { ...all, "Content-Range": `bytes */${size}` });
    }
    return c.body(file.slice(start, end + 1).stream(), 206, {
      ...all,
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Content-Length": String(end - start + 1),
    });
  }
  return c.body(file.stream(), 200, { ...all, "Content-Length": String(size) });
}

const forever = "private, max-age=31536000, immutable";

/** A stored WebP picture (preview, avatar, logo): inline, never sniffed, sandboxed, cached as told. */
export async function sendPicture(c: Context<AppEnv>, key: string, cacheControl = forever): Promise<Response> {
  const bytes = await c.get("deps").media.files.blob(key).bytes();
  return c.body(bytes, 200, {
    "Content-Type": "image/webp",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": cacheControl,
  });
}

/**
 * GET /api/v1/files/:id: the bytes, to those who may see them. Only plain raster images show inline;
 * everything else downloads, never sniffed, and sandboxed so an uploaded page or SVG cannot run here.
 */
export const fileRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/:id", (c) => {
    const { store, media } = c.get("deps");
    const a = requireReadableFile(store.db, authOf(c).user, c.req.param("id"));
    return serveBytes(c, media.files.blob(a.storageKey), a.size, {
      "Content-Type": a.type === "text/plain" ? "text/plain; charset=utf-8" : a.type,
      "Content-Disposition": `${SAFE_INLINE.has(a.type) ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": forever,
    });
  })
  .get("/:id/thumbnail", (c) => {
    const a = requireReadableFile(c.get("deps").store.db, authOf(c).user, c.req.param("id"));
    if (!a.thumbKey) throw new AppError("NOT_FOUND", "This file has no preview.");
    return sendPicture(c, a.thumbKey);
  });

/** GET /api/v1/avatars/:key: pictures of people and groups, for any signed-in user; cached for good (the key is their hash). */
export const avatarRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/:key", (c) => sendPicture(c, requireAvatar(c.get("deps").store.db, c.req.param("key"))));
