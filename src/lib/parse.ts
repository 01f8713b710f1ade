import type { z } from "zod";
import { AppError } from "./errors.ts";

/** Validates input from outside (a body, a query, a WebSocket frame); the error names the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const issue = out.error.issues[0]!;
  const field = issue.path.map(String).join(".");
  if (!field) throw new AppError("VALIDATION_FAILED", "The body must be a JSON object.");
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  throw new AppError("VALIDATION_FAILED", missing ? `${field} is required.` : `${field}: ${issue.message}`, field);
}
