// Link previews against a real web server of the test's own on loopback. The server is trusted by name only
// (PARLEY_LINK_PREVIEW_TRUSTED_HOSTS=localhost:<port>), so every other way to reach the same listener — its
// address, other spellings of loopback, another port, a redirect — proves a refusal: the listener records
// every request, and a refused one never arrives.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { addMember, apiAs, createGroup, setUp, startTestServer, type Person, type TestServer } from "./harness.ts";
import { contains, phonePhoto, pixelAt, SECRET_PLACE } from "./images.ts";
import { TestSocket } from "./ws-client.ts";

let web: Server<undefined>;
let s: TestServer;
let ana: Person, ben: Person, out: Person;
let g: string;
const hits: { path: string; cookie: string | null; userAgent: string | null }[] = [];
let photo: Uint8Array<ArrayBuffer>;
/** Released at the end: the slow page's answer waits for it. */
const { promise: slowAnswers, resolve: releaseSlow } = Promise.withResolvers<void>();

const api = apiAs(() => s);
const page = (title: string, extra = "") =>
  `<!doctype html><html><head><title>${title}</title>
   <meta property="og:title" content="${title} &amp; more">
   <meta property="og:description" content="Trails, huts and weather for the weekend.">
   <meta property="og:site_name" content="Hiking Club">${extra}</head><body>hello</body></html>`;
const html = (body: string, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...headers } });

beforeAll(async () => {
  photo = await phonePhoto(1200, 900);
  web = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      hits.push({ path: url.pathname, cookie: req.headers.get("cookie"), userAgent: req.headers.get("user-agent") });
      const to = (where: string) => new Response(null, { status: 302, headers: { location: where } });
      switch (url.pathname) {
        case "/trail":
          return html(page("Ridge trail", '<meta property="og:image" content="/photo.jpg">'), {
            "set-cookie": "tracker=1; Path=/",
          });
        case "/photo.jpg":
          return new Response(photo, { headers: { "content-type": "image/jpeg" } });
        case "/huge-photo":
          return html(page("Huge photo", '<meta property="og:image" content="/huge.jpg">'));
        case "/huge.jpg":
          return new Response(new Uint8Array(6 * 1024 * 1024), { headers: { "content-type": "image/jpeg" } });
        case "/moved":
          return to("/trail");
        case "/inward":
          // To the same listener by its address: not the trusted name, so refused at this hop.
          return to(`http://127.0.0.1:${web.port}/inward-target`);
        case "/loop":
          return to("/loop");
        case "/text":
          return new Response("just words", { headers: { "content-type": "text/plain" } });
        case "/late-title":
          return html(`<html><head>${"<!-- padding -->".repeat(40_000)}<title>Too far down</title></head></html>`);
        case "/slow":
          // Holds the answer until the tests are over: only Parley's own time limit ends the wait.
          await slowAnswers;
          return html(page("Too slow"));
        default:
          return html(page(`Page ${url.pathname}`));
      }
    },
  });
  s = await startTestServer({ linkPreviewTrustedHosts: `localhost:${web.port}` });
  const root = await setUp(s);
  ana = root as unknown as Person;
  [ben, out] = (await Promise.all(["ben", "otto"].map((n) => addMember(s, root.token, n)))) as unknown as [
    Person,
    Person,
  ];
  g = await createGroup(s, ana.token, "Hikers", [ben.user.id]);
}, 30_000);
afterAll(async () => {
  releaseSlow();
  await s?.stop();
  web?.stop(true);
});

const send = async (text: string, p: Person = ana) => {
  const r = await api(p, "POST", `/conversations/${g}/messages`, { clientId: crypto.randomUUID(), text });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.message;
};
/** The message as history shows it, once the work after its commit (the fetch) is done. */
const settled = async (id: string) => {
  await s.idle();
  const page = (await api(ben, "GET", `/conversations/${g}/messages?limit=100`)).body.messages;
  return page.find((m: any) => m.id === id);
};
const local = (path: string) => `http://localhost:${web.port}${path}`;
const hitsOf = (path: string) => hits.filter((h) => h.path === path).length;

describe("link previews", () => {
  test("the first link's title, description, site and picture reach everyone as message.preview", async () => {
    const ws = await TestSocket.ready(s.url, ben.token);
    const m = await send(`Look: ${local("/trail")}. And ${local("/second")}`);
    expect(m.preview).toBeNull();
    const event = await ws.next((f) => f.type === "event" && f.event.type === "message.preview", 15_000);
    expect(event.event.message.preview).toMatchObject({
      url: local("/trail"),
      title: "Ridge trail & more",
      description: "Trails, huts and weather for the weekend.",
      siteName: "Hiking Club",
      image: { url: `/api/v1/conversations/${g}/messages/${m.id}/preview/image` },
    });
    expect((await settled(m.id)).preview.title).toBe("Ridge trail & more");
    expect(hitsOf("/second")).toBe(0); // the first link only
    ws.close();

    // The picture: re-encoded as WebP, scaled, upright (the photo's EXIF turned it), its metadata gone.
    const res = await fetch(s.url + event.event.message.preview.image.url, {
      headers: { authorization: `Bearer ${ben.token}` },
    });
    expect(res.headers.get("content-type")).toBe("image/webp");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(contains(bytes, SECRET_PLACE)).toBe(false);
    const { width, height, rgb } = await pixelAt("image/webp", bytes, 200, 10);
    expect([width, height]).toEqual([360, 480]);
    expect(event.event.message.preview.image).toMatchObject({ width: 360, height: 480 });
    expect(rgb[0]).toBeGreaterThan(150); // red on top: turned upright
    // Only members see it.
    const outsider = await fetch(s.url + event.event.message.preview.image.url, {
      headers: { authorization: `Bearer ${out.token}` },
    });
    expect(outsider.status).toBe(403);
  });

  test("no cookie is kept or sent, and the request says what it is", async () => {
    await settled((await send(local("/trail?again"))).id);
    const trail = hits.filter((h) => h.path === "/trail");
    expect(trail.length).toBeGreaterThanOrEqual(2);
    expect(trail.every((h) => h.cookie === null)).toBe(true);
    expect(trail.at(-1)!.userAgent).toContain("Parley link preview");
  });

  test("redirects are followed on the same trusted host, each hop checked; an inward hop is refused", async () => {
    expect((await settled((await send(local("/moved"))).id)).preview.title).toBe("Ridge trail & more");
    const inward = await settled((await send(local("/inward"))).id);
    expect(inward.preview).toBeNull();
    expect(hitsOf("/inward")).toBe(1);
    expect(hitsOf("/inward-target")).toBe(0);
    expect((await settled((await send(local("/loop"))).id)).preview).toBeNull();
    expect(hitsOf("/loop")).toBe(4); // the first request and three redirects, then it stops
  });

  test("loopback by any other spelling, another port, credentials or another scheme is never contacted", async () => {
    const port = web.port;
    const tries = [
      `http://127.0.0.1:${port}/r1`,
      `http://127.1:${port}/r2`,
      `http://2130706433:${port}/r3`,
      `http://0x7f000001:${port}/r4`,
      `http://[::1]:${port}/r5`,
      `http://[::ffff:127.0.0.1]:${port}/r6`,
      `http://127.0.0.2:${port}/r7`,
      `http://user:secret@localhost:${port}/r8`,
      `https://localhost:${port}/r9`,
      `http://localhost/r10`,
      `http://localhost:8080/r11`,
      `ftp://localhost:${port}/r12`,
    ];
    for (const link of tries) expect((await settled((await send(`see ${link}`)).id)).preview).toBeNull();
    for (let i = 1; i <= tries.length; i++) expect(hitsOf(`/r${i}`)).toBe(0);
  });

  test("bounded: a title past the bytes read, a picture too large, words only, a slow page: no card or no picture", async () => {
    expect((await settled((await send(local("/late-title"))).id)).preview).toBeNull();
    const huge = await settled((await send(local("/huge-photo"))).id);
    expect(huge.preview).toMatchObject({ title: "Huge photo & more", image: null });
    expect((await settled((await send(local("/text"))).id)).preview).toBeNull();
    // Given up after 5 s; the page has not answered by then (it never does while the tests run).
    expect((await settled((await send(local("/slow"))).id)).preview).toBeNull();
  }, 20_000);

  test("the sender removes a preview for everyone; an edit keeping the link leaves it off; others may not", async () => {
    const m = await send(`Route: ${local("/trail")}`);
    const before = await settled(m.id);
    const picture = before.preview.image.url;
    expect((await api(ben, "DELETE", `/conversations/${g}/messages/${m.id}/preview`)).status).toBe(403);
    const ws = await TestSocket.ready(s.url, ben.token);
    const removed = await api(ana, "DELETE", `/conversations/${g}/messages/${m.id}/preview`);
    expect(removed.status).toBe(200);
    expect(removed.body.message.preview).toBeNull();
    const told = await ws.next((f) => f.type === "event" && f.event.type === "message.preview");
    expect(told.event.message.preview).toBeNull();
    ws.close();
    expect((await fetch(s.url + picture, { headers: { authorization: `Bearer ${ana.token}` } })).status).toBe(404);
    expect((await api(ana, "DELETE", `/conversations/${g}/messages/${m.id}/preview`)).status).toBe(404);
    await api(ana, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: `Route (updated): ${local("/trail")}` });
    expect((await settled(m.id)).preview).toBeNull();
    // Another link is another preview.
    await api(ana, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: `Better: ${local("/other")}` });
    expect((await settled(m.id)).preview.title).toBe("Page /other & more");
    // Edited to no link: the card goes.
    await api(ana, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: "never mind" });
    expect((await settled(m.id)).preview).toBeNull();
  });

  test("deleting the message takes its preview and picture with it", async () => {
    const m = await send(local("/trail"));
    const picture = (await settled(m.id)).preview.image.url;
    await api(ana, "DELETE", `/conversations/${g}/messages/${m.id}`);
    await s.idle();
    expect((await fetch(s.url + picture, { headers: { authorization: `Bearer ${ana.token}` } })).status).toBe(404);
    const rows = s.running.app.deps.store.sqlite.query("SELECT * FROM link_previews WHERE message_id = ?").all(m.id);
    expect(rows).toEqual([]);
  });
});

describe("link previews switched off", () => {
  test("PARLEY_LINK_PREVIEWS=false: no request ever leaves for a link", async () => {
    const off = await startTestServer({ linkPreviews: "false", linkPreviewTrustedHosts: `localhost:${web.port}` });
    try {
      const admin = await setUp(off);
      const chat = await createGroup(off, admin.token, "Quiet", []);
      const r = await off.call("POST", `/api/v1/conversations/${chat}/messages`, {
        token: admin.token,
        body: { clientId: "q1", text: local("/never") },
      });
      await off.idle();
      expect(r.body.message.preview).toBeNull();
      expect(hitsOf("/never")).toBe(0);
    } finally {
      await off.stop();
    }
  });
});
