// What a link's page says about itself: its title, description, site name and picture, read from the first
// part of its HTML (Open Graph and Twitter card tags, <title>, <meta name="description">). Every request
// goes through the outbound guard (lib/outbound.ts), each redirect again, so no hop can lead inward; the
// time and bytes read are bounded, no cookie is kept or sent, and the picture's bytes are only returned to
// be re-encoded (files/images.ts), never served as they came.
import { fetchOutbound, OutboundRefused, type OutboundPolicy, type PinnedResponse } from "../lib/outbound.ts";
import { sniffType } from "../files/sniff.ts";

export interface PreviewLimits {
  /** For each request, connection to last byte read. */
  timeoutMs: number;
  /** How much of a page is read for its tags. */
  maxPageBytes: number;
  /** A picture larger than this is left out. */
  maxImageBytes: number;
}

export const PREVIEW_LIMITS: PreviewLimits = {
  timeoutMs: 5000,
  maxPageBytes: 512 * 1024,
  maxImageBytes: 5 * 1024 * 1024,
};

/** Redirects followed, each checked like the first request. */
const MAX_REDIRECTS = 3;
/** What is kept of each text: a card shows a line or two. */
const MAX_TITLE = 200;
const MAX_DESCRIPTION = 400;
const MAX_SITE = 80;

export interface PagePreview {
  /** Where the page ended up (after redirects). */
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  image: { bytes: Uint8Array; type: string } | null;
}

const HEADERS = {
  "user-agent": "Parley link preview (+https://github.com/parley)",
  accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
};

/** GET through the guard, following at most MAX_REDIRECTS redirects, each one checked anew. */
async function getFollowing(
  url: string,
  policy: OutboundPolicy,
  timeoutMs: number,
  maxBytes: number,
  accept: string,
): Promise<{ url: string; res: PinnedResponse }> {
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await fetchOutbound(
      at,
      { method: "GET", headers: { ...HEADERS, accept }, timeoutMs, maxBytes },
      policy,
    );
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return { url: at, res };
    if (hop >= MAX_REDIRECTS) throw new OutboundRefused("redirects too many times");
    at = new URL(location, at).href;
  }
}

/**
 * The preview of a page, or null when it has nothing to show (not HTML, no title). Throws OutboundRefused
 * for a URL or redirect the guard refuses, and network errors as they come.
 */
export async function fetchPagePreview(
  link: string,
  policy: OutboundPolicy,
  limits: PreviewLimits = PREVIEW_LIMITS,
): Promise<PagePreview | null> {
  const { url, res } = await getFollowing(link, policy, limits.timeoutMs, limits.maxPageBytes, HEADERS.accept);
  if (res.status !== 200) return null;
  const type = (res.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith("text/html") && !type.startsWith("application/xhtml+xml")) return null;
  const tags = await readTags(res.body);
  const title = clean(tags.og.title ?? tags.og["twitter:title"] ?? tags.title, MAX_TITLE);
  if (!title) return null;
  const imageRef = tags.og.image ?? tags.og["image:url"] ?? tags.og["image:secure_url"] ?? tags.og["twitter:image"];
  return {
    url,
    title,
    description: clean(tags.og.description ?? tags.og["twitter:description"] ?? tags.description, MAX_DESCRIPTION),
    siteName: clean(tags.og.site_name, MAX_SITE) ?? new URL(url).hostname,
    image: imageRef ? await fetchImage(imageRef, url, policy, limits) : null,
  };
}

/** The page's picture, when it is one Parley can read (it is re-encoded before anyone sees it). */
async function fetchImage(
  ref: string,
  pageUrl: string,
  policy: OutboundPolicy,
  limits: PreviewLimits,
): Promise<PagePreview["image"]> {
  let at: string;
  try {
    at = new URL(ref, pageUrl).href;
  } catch {
    return null;
  }
  try {
    // One byte more than allowed tells a picture that is too large from one that is just large.
    const { res } = await getFollowing(at, policy, limits.timeoutMs, limits.maxImageBytes + 1, "image/*");
    if (res.status !== 200 || res.body.length > limits.maxImageBytes) return null;
    const type = sniffType(res.body.subarray(0, 4096));
    return type.startsWith("image/") ? { bytes: res.body, type } : null;
  } catch {
    return null; // the page's card still shows, without a picture
  }
}

interface Tags {
  title: string | null;
  description: string | null;
  /** og:* and twitter:* properties, without the "og:" prefix. */
  og: Record<string, string>;
}

/** Reads the tags with Bun's HTML rewriter (a real HTML tokenizer): entities decoded, comments skipped. */
async function readTags(html: Uint8Array): Promise<Tags> {
  const tags: Tags = { title: null, description: null, og: {} };
  let title = "";
  let inTitle = false;
  const rewriter = new HTMLRewriter()
    .on("title", {
      element(el) {
        inTitle = tags.title === null;
        el.onEndTag(() => {
          if (inTitle) tags.title = title;
          inTitle = false;
        });
      },
      text(t) {
        if (inTitle) title += t.text;
      },
    })
    .on("meta", {
      element(el) {
        const key = (el.getAttribute("property") ?? el.getAttribute("name") ?? "").toLowerCase().trim();
        const content = el.getAttribute("content");
        if (!key || content === null) return;
        if (key === "description") tags.description ??= content;
        else if (key.startsWith("og:")) tags.og[key.slice(3)] ??= content;
        else if (key.startsWith("twitter:")) tags.og[key] ??= content;
      },
    });
  await rewriter.transform(new Response(html as Uint8Array<ArrayBuffer>)).arrayBuffer();
  return tags;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** HTML character references (the rewriter hands attributes and text over as written). */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** One line of plain text: entities decoded, control and format characters gone, cut to length. */
function clean(value: string | null | undefined, max: number): string | null {
  if (!value) return null;
  const text = decodeEntities(value)
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (!text) return null;
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
