import { Hono } from "hono";
import { AppError } from "../../lib/errors.ts";
import type { AppEnv } from "../context.ts";
import { formatSize } from "../../protocol/sizes.ts";

/** Liveness and readiness; `draining` turns readiness off during a graceful stop. */
export function healthRoutes(isDraining: () => boolean) {
  return new Hono<AppEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", (c) => {
      if (isDraining()) throw new AppError("UNAVAILABLE", "The server is shutting down.");
      const { store, disk } = c.get("deps");
      if (disk.isBelowFloor())
        throw new AppError(
          "UNAVAILABLE",
          `The data folder's disk has less free space than PARLEY_MIN_FREE_BYTES (${formatSize(disk.freeBytes())} left).`,
        );
      if (!store.isReady())
        throw new AppError("UNAVAILABLE", "The database is not writable or its schema is not current.");
      return c.json({ status: "ready" });
    });
}
