import { Hono } from "hono";
import { authOf, type AppEnv } from "../context.ts";
import { requireAdmin, requireAuth } from "../middleware/session.ts";

/** Mounted at /api/v1: start an export (mine, or the whole instance for admins), watch it, download it. */
export const exportRoutes = new Hono<AppEnv>()
  .post("/me/export", requireAuth, (c) =>
    c.json(
      { export: c.get("deps").exports.start(authOf(c).user.id, { kind: "user", userId: authOf(c).user.id }) },
      202,
    ),
  )
  .post("/admin/export", requireAdmin, (c) =>
    c.json({ export: c.get("deps").exports.start(authOf(c).user.id, { kind: "instance" }) }, 202),
  )
  .get("/exports/:id", requireAuth, (c) => {
    const { path: _, ...view } = c.get("deps").exports.get(authOf(c).user.id, c.req.param("id"));
    return c.json({ export: view });
  })
  .get("/exports/:id/download", requireAuth, (c) => {
    const job = c.get("deps").exports.get(authOf(c).user.id, c.req.param("id"));
    if (job.status !== "done") return c.json({ export: job }, 409);
    const file = Bun.file(job.path);
    const name = `parley-export-${job.scope}-${new Date().toISOString().slice(0, 10)}.tar`;
    return c.body(file.stream(), 200, {
      "Content-Type": "application/x-tar",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Content-Length": String(file.size),
      "X-Content-Type-Options": "nosniff",
    });
  });
