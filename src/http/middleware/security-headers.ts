import { secureHeaders } from "hono/secure-headers";

/**
 * Strict defaults for every response. Scripts and styles come only from our own origin, so an injected
 * string can never run; nothing may frame the app (clickjacking); referrers never leave the origin.
 */
export function securityHeaders(hsts: boolean, uploadOrigin: string | null = null) {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      // blob: an encrypted conversation's pictures, sounds and videos, decrypted in the browser.
      imgSrc: ["'self'", "data:", "blob:"],
      mediaSrc: ["'self'", "blob:"],
      // The bucket the web app uploads to directly, with S3 storage (its presigned PUTs).
      connectSrc: ["'self'", "blob:", ...(uploadOrigin ? [uploadOrigin] : [])],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: "same-origin",
    xFrameOptions: "DENY",
    xContentTypeOptions: "nosniff",
    crossOriginOpenerPolicy: "same-origin",
    // HSTS over plain HTTP is ignored by browsers, and would be wrong on a LAN-only install (see router.ts).
    strictTransportSecurity: hsts ? "max-age=31536000" : false,
    // A route that sets its own (downloads: a sandboxing CSP) keeps it.
    overwrite: false,
  });
}
