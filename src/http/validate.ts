import { z } from "zod";
import { AppError } from "../lib/errors.ts";
import { parseWith } from "../lib/parse.ts";
import type { IncomingBody } from "../files/attachments.ts";
import type { AppContext } from "./context.ts";

/**
 * Reads and validates a JSON body. An empty body counts as {} so routes whose fields are all optional
 * accept a bare POST; the size limit has already been enforced by the bodyLimit middleware.
 */
export async function readJson<S extends z.ZodType>(c: AppContext, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new AppError("UNSUPPORTED_MEDIA_TYPE");
    try {
      value = JSON.parse(text);
    } catch {
      throw new AppError("BAD_REQUEST", "The body is not valid JSON.");
    }
  }
  return parseWith(schema, value);
}

/** An ISO-8601 date and time in a body, as epoch milliseconds; must lie in the future. */
export const futureDate = z.iso
  .datetime({ offset: true, message: "Use an ISO-8601 date and time." })
  .transform((s) => Date.parse(s))
  .refine((t) => t > Date.now(), "must be in the future");

/** The request's body for the files domain: what the client declared, and the stream (never the Request). */
export function incomingBody(c: AppContext): IncomingBody {
  return {
    contentType: c.req.header("content-type"),
    declaredBytes: Number(c.req.header("content-length") ?? NaN),
    stream: c.req.raw.body,
  };
}
