// Uploads straight to the bucket from the web app when Parley stores files in S3 (a real s3rver on
// loopback): the bytes go to the bucket by a presigned PUT, never through Parley; a bucket that does not let
// the browser in (no CORS rule) still gets the file, through Parley.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signInPage, watchPage } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer } from "./harness.ts";
import { startBucket } from "./services.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A server on a bucket, one signed-in page in a group, and every request the page makes. */
async function open(cors: boolean) {
  const bucket = await startBucket({ cors });
  const s = await startTestServer(bucket.settings);
  const admin = await setUp(s);
  const ana = await addMember(s, admin.token, "ana2");
  const group = await createGroup(s, ana.token, "Files", []);
  const page: Page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  const errors: string[] = [];
  watchPage(page, errors, "ana2");
  const requests: { method: string; url: string }[] = [];
  page.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));
  await signInPage(page, s.url, "ana2");
  await page.waitForURL(s.url + "/");
  await page.goto(`${s.url}/c/${group}`);
  const bucketOrigin = new URL(bucket.settings.s3Endpoint!).origin;
  const sendFile = async (name: string, text: string) => {
    await page.getByLabel("Files to attach").setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from(text) });
    await page.getByRole("list", { name: "Files to send" }).getByText(name).waitFor();
    await page.getByRole("button", { name: "Send", exact: true }).waitFor();
    await page.waitForFunction(() => !document.querySelector(".uploads progress"));
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.locator(".message:not(.pending)").getByText(name).waitFor();
    const last = await s.call("GET", `/api/v1/conversations/${group}/messages?limit=1`, { token: ana.token });
    const a = last.body.messages[0].attachments[0];
    const bytes = await fetch(s.url + a.url, { headers: { authorization: `Bearer ${ana.token}` } });
    return { attachment: a, content: await bytes.text() };
  };
  return {
    s,
    page,
    errors,
    requests,
    bucketOrigin,
    sendFile,
    close: async () => {
      await page.context().close();
      await s.stop();
      await bucket.close();
    },
  };
}

describe("uploads straight to S3", () => {
  test("the bytes go to the bucket by a presigned PUT, not through Parley, and arrive whole", async () => {
    const t = await open(true);
    try {
      const { attachment, content } = await t.sendFile("notes.txt", "packing list: tent, stove");
      expect(content).toBe("packing list: tent, stove");
      expect(attachment.type).toBe("text/plain");
      const puts = t.requests.filter((r) => r.method === "PUT" && r.url.startsWith(t.bucketOrigin));
      expect(puts.length).toBe(1);
      expect(t.requests.some((r) => r.method === "POST" && new URL(r.url).pathname === "/api/v1/uploads")).toBe(false);
      expect(t.requests.some((r) => r.url.endsWith(`/uploads/${attachment.id}/complete`))).toBe(true);
      expect(t.errors).toEqual([]);
    } finally {
      await t.close();
    }
  });

  test("a bucket that refuses the browser: the file goes through Parley instead", async () => {
    const t = await open(false);
    try {
      const { content } = await t.sendFile("fallback.txt", "through the server");
      expect(content).toBe("through the server");
      // It was tried the direct way first.
      expect(t.requests.some((r) => r.url.endsWith("/api/v1/uploads/presign"))).toBe(true);
      expect(t.requests.some((r) => r.method === "POST" && new URL(r.url).pathname === "/api/v1/uploads")).toBe(true);
      // The browser reports the refused cross-origin request; nothing else went wrong.
      expect(t.errors.filter((e) => !/CORS|Failed to load resource|net::ERR_FAILED/.test(e))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
