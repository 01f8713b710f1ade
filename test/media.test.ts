// Files on both kinds of storage — the data folder and an S3-compatible bucket (a real s3rver started
// here) — behave the same: direct and presigned uploads, downloads, previews, avatars, cleanup.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3Client } from "bun";
import { startBucket } from "./services.ts";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readImageHeader } from "../src/files/image-metadata.ts";
import { addMember, setUp, startTestServer, type TestServer, waitFor, type Person } from "./harness.ts";
import { contains, phonePhoto, pixelAt, SECRET_PLACE } from "./images.ts";

let bucket: Awaited<ReturnType<typeof startBucket>>;
let s3: S3Client;
let s3Settings: Record<string, string>;

beforeAll(async () => {
  bucket = await startBucket();
  s3Settings = bucket.settings;
  s3 = new S3Client({
    endpoint: s3Settings.s3Endpoint,
    bucket: "parley",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  });
});
afterAll(() => bucket.close());

/** Keys of everything stored, wherever it is. */
async function storedKeys(s: TestServer): Promise<string[]> {
  if (s.running.app.deps.media.files.kind === "s3") {
    const listed = await s3.list({ prefix: "files/" });
    return (listed.contents ?? []).map((o) => o.key.split("/").pop()!);
  }
  const dir = join(s.dataDir, "files");
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.name !== "tmp") e.isDirectory() ? walk(join(d, e.name)) : out.push(e.name);
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

for (const storage of ["local", "s3"] as const) {
  describe(`files stored ${storage === "local" ? "in the data folder" : "in an S3 bucket"}`, () => {
    let s: TestServer;
    let ana: Person, ben: Person, eve: Person;
    let conv: string;
    const auth = (p: Person) => ({ authorization: `Bearer ${p.token}` });
    const upload = async (p: Person, name: string, data: BlobPart) => {
      const form = new FormData();
      form.append("file", new File([data], name));
      const res = await fetch(`${s.url}/api/v1/uploads`, { method: "POST", headers: auth(p), body: form });
      return { status: res.status, body: (await res.json()) as any };
    };
    const send = (p: Person, body: unknown) =>
      s.call("POST", `/api/v1/conversations/${conv}/messages`, { token: p.token, body });
    const download = (p: Person | null, path: string, headers: Record<string, string> = {}) =>
      fetch(`${s.url}${path}`, { headers: { ...(p ? auth(p) : {}), ...headers } });
    const presign = (p: Person, body: unknown) => s.call("POST", "/api/v1/uploads/presign", { token: p.token, body });
    const setAvatar = async (path: string, p: Person, data: BlobPart) => {
      const form = new FormData();
      form.append("file", new File([data], "me.jpg"));
      const res = await fetch(`${s.url}${path}`, { method: "PUT", headers: auth(p), body: form });
      return { status: res.status, body: (await res.json()) as any };
    };

    beforeAll(async () => {
      s = await startTestServer({
        maxUploadBytes: "300000",
        userQuotaBytes: "1000000",
        ...(storage === "s3" ? s3Settings : {}),
      });
      ana = await setUp(s);
      [ben, eve] = (await Promise.all([
        addMember(s, ana.token, `ben${storage}`),
        addMember(s, ana.token, `eve${storage}`),
      ])) as unknown as [Person, Person];
      conv = (
        await s.call("POST", "/api/v1/conversations", {
          token: ana.token,
          body: { type: "direct", userId: ben.user.id },
        })
      ).body.conversation.id;
    });
    afterAll(() => s.stop());

    test("direct upload → message → the other member downloads the same bytes, in ranges too; others get 403", async () => {
      const bytes = new Uint8Array(120_000).map((_, i) => (i * 13) % 251);
      const up = await upload(ana, "song.bin", bytes);
      expect(up.status).toBe(201);
      await send(ana, { clientId: `d-${storage}`, attachmentIds: [up.body.attachment.id] });
      const got = await download(ben, up.body.attachment.url);
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
      const part = await download(ben, up.body.attachment.url, { range: "bytes=1000-1999" });
      expect(part.status).toBe(206);
      expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(1000, 2000));
      expect((await download(eve, up.body.attachment.url)).status).toBe(403);
      expect(await storedKeys(s)).toContain(new Bun.CryptoHasher("sha256").update(bytes).digest("hex"));
    });

    test("presigned: ask for a URL, PUT the bytes with a plain HTTP client, complete, send; members download", async () => {
      const bytes = new TextEncoder().encode("minutes of the family meeting\n".repeat(500));
      const start = await presign(ana, { name: "../minutes.txt", size: bytes.length, type: "text/plain" });
      expect(start.status).toBe(201);
      const { attachment, upload: target } = start.body;
      expect(attachment.name).toBe("minutes.txt");
      expect(target.method).toBe("PUT");
      // Short-lived: it expires within the configured quarter of an hour.
      expect(Date.parse(target.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);
      if (storage === "s3") expect(target.url).toStartWith(`${s3Settings.s3Endpoint}/parley/uploads/`);
      else expect(target.url).toContain(`/api/v1/uploads/${attachment.id}/content?token=`);
      // Not sendable and not downloadable until it is complete.
      const early = await s.call("POST", `/api/v1/uploads/${attachment.id}/complete`, { token: ana.token });
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe("UPLOAD_INCOMPLETE");
      expect((await send(ana, { clientId: `p0-${storage}`, attachmentIds: [attachment.id] })).status).toBe(404);
      const put = await fetch(target.url, { method: "PUT", body: bytes });
      expect(put.status).toBe(200);
      // Someone else cannot complete my upload.
      expect((await s.call("POST", `/api/v1/uploads/${attachment.id}/complete`, { token: ben.token })).status).toBe(
        404,
      );
      const done = await s.call("POST", `/api/v1/uploads/${attachment.id}/complete`, { token: ana.token });
      expect(done.status).toBe(200);
      expect(done.body.attachment).toMatchObject({ id: attachment.id, size: bytes.length, type: "text/plain" });
      const sent = await send(ana, { clientId: `p1-${storage}`, text: "minutes", attachmentIds: [attachment.id] });
      expect(sent.status).toBe(201);
      expect(new Uint8Array(await (await download(ben, attachment.url)).arrayBuffer())).toEqual(bytes);
      expect((await download(eve, attachment.url)).status).toBe(403);
      if (storage === "s3") expect((await s3.list({ prefix: "uploads/" })).contents ?? []).toHaveLength(0);
    });

    test("presigned: bad requests are refused and change nothing; a wrong size is caught on completion", async () => {
      const before = s.snapshot();
      for (const body of [
        {},
        { name: "a", size: -1 },
        { name: "a", size: 1.5 },
        { name: "", size: 1 },
        { name: "a", size: "1" },
        { name: "a", size: 1, extra: true },
      ]) {
        const r = await presign(ana, body);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe("VALIDATION_FAILED");
      }
      const big = await presign(ana, { name: "huge.mkv", size: 300_001 });
      expect([big.status, big.body.error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
      const notJson = await s.call("POST", "/api/v1/uploads/presign", {
        token: eve.token,
        body: { name: "a", size: 1 },
        headers: { "content-type": "text/plain" },
      });
      expect(notJson.status).toBe(415);
      expect(s.snapshot()).toBe(before);

      // Fewer or more bytes than announced: the upload is discarded (a new URL is needed) and nothing is stored.
      const keys = await storedKeys(s);
      for (const [size, sent] of [
        [1000, 10],
        [10, 5000],
      ] as const) {
        const start = await presign(ana, { name: "wrong.bin", size });
        const put = await fetch(start.body.upload.url, { method: "PUT", body: new Uint8Array(sent) });
        const done = await s.call("POST", `/api/v1/uploads/${start.body.attachment.id}/complete`, { token: ana.token });
        if (storage === "local") {
          // Parley's own URL checks the bytes as they arrive and says so to the PUT.
          expect([put.status, ((await put.json()) as any).error.code]).toEqual([400, "UPLOAD_SIZE_MISMATCH"]);
          expect(done.status).toBe(404);
        } else {
          expect([done.status, done.body.error.code]).toEqual([400, "UPLOAD_SIZE_MISMATCH"]);
          expect(
            (await s.call("POST", `/api/v1/uploads/${start.body.attachment.id}/complete`, { token: ana.token })).status,
          ).toBe(404);
        }
      }
      expect(await storedKeys(s)).toEqual(keys);
      expect(
        (
          s.running.app.deps.store.sqlite
            .query("SELECT count(*) AS n FROM attachments WHERE name = 'wrong.bin'")
            .get() as any
        ).n,
      ).toBe(0);
    });

    test("a phone photo: its size upright, a preview, and no trace of where it was taken", async () => {
      const photo = await phonePhoto(800, 600);
      expect(contains(photo, SECRET_PLACE)).toBe(true);
      const up = await upload(ana, "IMG_0001.jpg", photo);
      expect(up.body.attachment).toMatchObject({ type: "image/jpeg", width: 600, height: 800 });
      await send(ana, { clientId: `photo-${storage}`, attachmentIds: [up.body.attachment.id] });
      const original = new Uint8Array(await (await download(ben, up.body.attachment.url)).arrayBuffer());
      expect(contains(original, SECRET_PLACE)).toBe(false);
      expect(contains(original, "GPSLatitude")).toBe(false);
      // Still upright: the orientation was kept.
      expect(readImageHeader("image/jpeg", original)).toEqual({ width: 800, height: 600, orientation: 6 });
      expect(up.body.attachment.size).toBe(original.length);
      const thumb = await download(ben, up.body.attachment.thumbnailUrl);
      expect(thumb.headers.get("content-type")).toBe("image/webp");
      const bytes = new Uint8Array(await thumb.arrayBuffer());
      const top = await pixelAt("image/webp", bytes, 180, 20);
      const bottom = await pixelAt("image/webp", bytes, 180, 460);
      expect([top.width, top.height]).toEqual([360, 480]);
      expect(top.rgb[0]).toBeGreaterThan(180); // red on top after the quarter turn
      expect(bottom.rgb[2]).toBeGreaterThan(180); // blue below
      expect((await download(eve, up.body.attachment.thumbnailUrl)).status).toBe(403);
    });

    test("avatars: a square picture anyone signed in can see, cached for good; groups need the editInfo right", async () => {
      const mine = await setAvatar("/api/v1/me/avatar", ben, await phonePhoto(900, 500));
      expect(mine.status).toBe(200);
      const url = mine.body.user.avatarUrl as string;
      expect(url).toMatch(/^\/api\/v1\/avatars\/[0-9a-f]{64}$/);
      // Eve shares no conversation with Ben, and still sees his picture.
      const seen = await download(eve, url);
      expect(seen.status).toBe(200);
      expect(seen.headers.get("cache-control")).toContain("immutable");
      const pic = await pixelAt("image/webp", new Uint8Array(await seen.arrayBuffer()), 128, 20);
      expect([pic.width, pic.height]).toEqual([256, 256]);
      expect((await download(null, url)).status).toBe(401);
      expect((await download(eve, "/api/v1/avatars/" + "0".repeat(64))).status).toBe(404);
      // Others see it on Ben wherever he appears: on his messages, and in member lists.
      const said = await s.call("POST", `/api/v1/conversations/${conv}/messages`, {
        token: ben.token,
        body: { clientId: `av-${storage}`, text: "new me" },
      });
      expect(said.body.message.sender.avatarUrl).toBe(url);
      const members = await s.call("GET", `/api/v1/conversations/${conv}`, { token: ana.token });
      expect(members.body.conversation.members.find((m: any) => m.user.id === ben.user.id).user.avatarUrl).toBe(url);

      const before = s.snapshot();
      const notImage = await setAvatar("/api/v1/me/avatar", ben, "<svg onload=alert(1)>");
      expect([notImage.status, notImage.body.error.code]).toEqual([415, "UNSUPPORTED_IMAGE"]);
      expect(s.snapshot()).toBe(before);

      const group = (
        await s.call("POST", "/api/v1/conversations", {
          token: ana.token,
          body: { type: "group", title: `Pics ${storage}`, memberIds: [ben.user.id] },
        })
      ).body.conversation;
      const refused = await setAvatar(`/api/v1/conversations/${group.id}/avatar`, ben, await phonePhoto(300, 300));
      expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
      expect(
        (await setAvatar(`/api/v1/conversations/${group.id}/avatar`, eve, await phonePhoto(300, 300))).status,
      ).toBe(403);
      const set = await setAvatar(`/api/v1/conversations/${group.id}/avatar`, ana, await phonePhoto(300, 300));
      expect(set.status).toBe(200);
      const groupUrl = set.body.conversation.avatarUrl as string;
      expect(
        (await s.call("GET", `/api/v1/conversations/${group.id}`, { token: ben.token })).body.conversation.avatarUrl,
      ).toBe(groupUrl);
      expect((await download(eve, groupUrl)).status).toBe(200);

      // Replacing or removing a picture removes its bytes.
      const key = url.split("/").pop()!;
      expect(await storedKeys(s)).toContain(key);
      expect((await s.call("DELETE", "/api/v1/me/avatar", { token: ben.token })).body.user.avatarUrl).toBeNull();
      expect(await storedKeys(s)).not.toContain(key);
      expect((await download(eve, url)).status).toBe(404);
    });

    test("deleting a message removes its file and preview from the store", async () => {
      const up = await upload(ana, "IMG_0002.jpg", await phonePhoto(1000, 700));
      const m = await send(ana, { clientId: `del-${storage}`, attachmentIds: [up.body.attachment.id] });
      const keysBefore = await storedKeys(s);
      expect(
        (await s.call("DELETE", `/api/v1/conversations/${conv}/messages/${m.body.message.id}`, { token: ana.token }))
          .status,
      ).toBe(204);
      await s.idle();
      const keysAfter = await storedKeys(s);
      expect(keysBefore.length - keysAfter.length).toBe(2);
      expect((await download(ben, up.body.attachment.url)).status).toBe(403);
    });
  });
}

describe("Parley's own presigned URLs (local storage)", () => {
  test("a tampered, reused or expired upload URL is refused", async () => {
    const s = await startTestServer({ uploadUrlTtlSeconds: "10" });
    try {
      const ana = await setUp(s);
      const presign = () =>
        s.call("POST", "/api/v1/uploads/presign", { token: ana.token, body: { name: "a.txt", size: 5 } });
      const first = (await presign()).body;
      const tampered = first.upload.url.replace(
        /token=(.)/,
        (_: string, c: string) => `token=${c === "a" ? "b" : "a"}`,
      );
      const bad = await fetch(tampered, { method: "PUT", body: "hello" });
      expect([bad.status, ((await bad.json()) as any).error.code]).toEqual([403, "UPLOAD_LINK_INVALID"]);
      expect((await fetch(first.upload.url, { method: "PUT", body: "hello" })).status).toBe(200);
      expect((await fetch(first.upload.url, { method: "PUT", body: "again" })).status).toBe(403);

      const late = (await presign()).body;
      s.running.app.deps.store.sqlite.run("UPDATE attachments SET upload_expires_at = ? WHERE id = ?", [
        Date.now() - 1,
        late.attachment.id,
      ]);
      expect((await fetch(late.upload.url, { method: "PUT", body: "hello" })).status).toBe(403);
    } finally {
      await s.stop();
    }
  });
});

describe("cleanup and options", () => {
  test("uploads no message carries are removed after the configured time, bytes and all", async () => {
    const s = await startTestServer({ unsentUploadTtlSeconds: "1" });
    try {
      const ana = await setUp(s);
      const form = new FormData();
      form.append("file", new File(["never sent"], "draft.txt"));
      const up = (await (
        await fetch(`${s.url}/api/v1/uploads`, {
          method: "POST",
          headers: { authorization: `Bearer ${ana.token}` },
          body: form,
        })
      ).json()) as any;
      expect(await storedKeys(s)).toHaveLength(1);
      // The sweep runs every second here (every hour by default).
      await waitFor(async () => (await storedKeys(s)).length === 0, "the sweep to remove the unsent upload");
      expect((await s.call("GET", up.attachment.url, { token: ana.token })).status).toBe(403);
    } finally {
      await s.stop();
    }
  });

  test("with PARLEY_STRIP_IMAGE_LOCATION=false photos are kept byte for byte", async () => {
    const s = await startTestServer({ stripImageLocation: "false" });
    try {
      const ana = await setUp(s);
      const photo = await phonePhoto(640, 480);
      const form = new FormData();
      form.append("file", new File([photo], "p.jpg"));
      const up = (await (
        await fetch(`${s.url}/api/v1/uploads`, {
          method: "POST",
          headers: { authorization: `Bearer ${ana.token}` },
          body: form,
        })
      ).json()) as any;
      const got = new Uint8Array(
        await (
          await fetch(s.url + up.attachment.url, { headers: { authorization: `Bearer ${ana.token}` } })
        ).arrayBuffer(),
      );
      expect(got).toEqual(photo);
      expect(up.attachment).toMatchObject({ width: 480, height: 640 });
    } finally {
      await s.stop();
    }
  });
});
