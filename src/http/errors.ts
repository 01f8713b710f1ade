import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorCode, errorCatalogue, refuseOnFault } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";

export interface ErrorBody {
  error: { code: string; message: string; field?: string; requestId?: string };
}

/** The one place errors become responses: known codes keep their status, anything else is a logged 500. */
export function toErrorResponse(err: unknown, c: Context, log: Logger): Response {
  err = refuseOnFault(err, log, "request", { requestId: c.get("requestId"), method: c.req.method, path: c.req.path });
  if (err instanceof AppError) {
    const { status } = errorCatalogue[err.code];
    const body: ErrorBody = {
      error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
    };
    if (err.retryAfterSeconds) c.header("Retry-After", String(err.retryAfterSeconds));
    return c.json(body, status as ContentfulStatusCode);
  }
  if (c.req.raw.signal.aborted) {
    // The client went away mid-request (a closed tab, a cancelled upload): nothing for the server to fix.
    log.info("request aborted by the client", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
    });
    return c.json({ error: { code: "BAD_REQUEST", message: "The request was cancelled." } } satisfies ErrorBody, 400);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code: ErrorCode = err.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
    return c.json(
      { error: { code, message: errorCatalogue[code].message } } satisfies ErrorBody,
      err.status as ContentfulStatusCode,
    );
  }
  const requestId = c.get("requestId") as string | undefined;
  log.error("unhandled error", { requestId, method: c.req.method, path: c.req.path, err });
  return c.json(
    { error: { code: "INTERNAL", message: errorCatalogue.INTERNAL.message, requestId } } satisfies ErrorBody,
    500,
  );
}

export function notFoundResponse(c: Context): Response {
  return c.json({ error: { code: "NOT_FOUND", message: errorCatalogue.NOT_FOUND.message } } satisfies ErrorBody, 404);
}
