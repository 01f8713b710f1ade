import { errorCatalogue, type ErrorCode } from "../protocol/errors.ts";
import type { Logger } from "./log.ts";

// The catalogue itself is part of the wire contract (src/protocol/errors.ts): clients read it too.
export { errorCatalogue, type ErrorCode };

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = "AppError";
  }
}

/** Seconds a client is told to wait after a fault of the machine; retried sends then find it recovered. */
const STORAGE_FULL_RETRY_SECONDS = 30;
const DATABASE_BUSY_RETRY_SECONDS = 2;
/** The libSQL server of a cluster stopped answering (store/remote/remote-database.ts's UNREACHABLE). */
const DATABASE_UNREACHABLE = "PARLEY_DATABASE_UNREACHABLE";

/**
 * Failures of the machine rather than of the request: a full disk (ENOSPC, SQLite's SQLITE_FULL) and a
 * database another process holds past the busy timeout. They get their own retryable codes instead of
 * INTERNAL, so clients keep what they were sending and try again, and the log says what happened.
 * Anything else is not a known fault: null.
 */
export function faultToAppError(err: unknown): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  if (code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL")
    return new AppError("STORAGE_FULL", undefined, undefined, STORAGE_FULL_RETRY_SECONDS);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return new AppError("DATABASE_BUSY", undefined, undefined, DATABASE_BUSY_RETRY_SECONDS);
  if (code === DATABASE_UNREACHABLE)
    return new AppError("DATABASE_UNAVAILABLE", undefined, undefined, DATABASE_BUSY_RETRY_SECONDS);
  return null;
}

/**
 * For the error handlers of HTTP and WebSocket alike: a fault of the machine becomes its retryable AppError
 * and is logged once as a warning naming what was refused; any other error comes back unchanged.
 */
export function refuseOnFault(
  err: unknown,
  log: Logger,
  refused: "request" | "frame",
  fields: Record<string, unknown>,
): unknown {
  const fault = faultToAppError(err);
  if (!fault) return err;
  const what =
    fault.code === "STORAGE_FULL"
      ? "disk full"
      : fault.code === "DATABASE_BUSY"
        ? "database busy"
        : "database unreachable";
  log.warn(`${what}: ${refused} refused`, { ...fields, cause: String((err as Error).message) });
  return fault;
}
