import { Hono } from "hono";
import { receiveUpload, requireReadableFile } from "../../files/attachments.ts";
import { SAFE_INLINE } from "../../files/sniff.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

/** POST /api/v1/uploads: one file in a multipart body (field "file"), streamed to the file store. */
export const uploadRoutes = new Hono<AppEnv>().use(requireAuth).post("/", async (c) => {
  const { store, files, config } = c.get("deps");
  const attachment = await receiveUpload(store, files, authOf(c).user, c.req.raw, config);
  return c.json({ attachment }, 201);
});

/**
 * GET /api/v1/files/:id: the bytes, to those who may see them. Only plain raster images show inline;
 * everything else downloads, never sniffed, and sandboxed so an uploaded page or SVG cannot run here.
 */
export const fileRoutes = new Hono<AppEnv>().use(requireAuth).get("/:id", async (c) => {
  const { store, files } = c.get("deps");
  const a = requireReadableFile(store.db, authOf(c).user, c.req.param("id"));
  const file = files.file(a.sha256);
  const headers: Record<string, string> = {
    "Content-Type": a.type === "text/plain" ? "text/plain; charset=utf-8" : a.type,
    "Content-Disposition": `${SAFE_INLINE.has(a.type) ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(a.name)}`,
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=31536000, immutable",
    "Accept-Ranges": "bytes",
  };
  const range = c.req.header("range");
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = m?.[1] ? Number(m[1]) : NaN;
    let end = m?.[2] ? Number(m[2]) : a.size - 1;
    if (m && !m[1] && m[2]) {
      start = Math.max(0, a.size - Number(m[2]));
      end = a.size - 1;
    }
    end = Math.min(end, a.size - 1);
    if (!m || !Number.isFinite(start) || start > end || start >= a.size) {
      return c.body(null, 416, { ...headers, "Content-Range": `bytes */${a.size}` });
    }
    return c.body(file.slice(start, end + 1).stream(), 206, { ...headers, "Content-Range": `bytes ${start}-${end}/${a.size}`, "Content-Length": String(end - start + 1) });
  }
  return c.body(file.stream(), 200, { ...headers, "Content-Length": String(a.size) });
});
