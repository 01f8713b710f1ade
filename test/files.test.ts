import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { addMember, setUp, startTestServer, type TestServer, type Person, waitFor } from "./harness.ts";

let s: TestServer;
let ana: Person, ben: Person, eve: Person;
let conv: string;

const upload = async (p: Person, name: string, data: BlobPart, type = "application/octet-stream") => {
  const form = new FormData();
  form.append("note", "ignored field");
  form.append("file", new File([data], name, { type }));
  const res = await fetch(`${s.url}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
};
const send = (p: Person, body: unknown) =>
  s.call("POST", `/api/v1/conversations/${conv}/messages`, { token: p.token, body });
const download = (p: Person, id: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/api/v1/files/${id}`, { headers: { authorization: `Bearer ${p.token}`, ...headers } });
const blobs = () => {
  const dir = join(s.dataDir, "files");
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name).slice(dir.length + 1));
  };
  if (existsSync(dir)) walk(dir);
  return out;
};
const rows = () => s.running.app.deps.store.sqlite.query("SELECT * FROM attachments").all();

beforeAll(async () => {
  s = await startTestServer({ maxUploadBytes: "200000", userQuotaBytes: "600000" });
  ana = await setUp(s);
  [ben, eve] = (await Promise.all([addMember(s, ana.token, "ben"), addMember(s, ana.token, "eve")])) as unknown as [
    Person,
    Person,
  ];
  conv = (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
  ).body.conversation.id;
});
afterAll(() => s.stop());

describe("files in messages", () => {
  test("upload → message → the other member downloads the same bytes; others get 403, guessed ids too", async () => {
    const bytes = new Uint8Array(150_000).map((_, i) => (i * 7) % 256);
    const up = await upload(ana, "data.bin", bytes);
    expect(up.status).toBe(201);
    expect(up.body.attachment).toMatchObject({ name: "data.bin", size: 150_000, type: "application/octet-stream" });
    // Before it is sent, only the uploader sees it.
    expect((await download(ben, up.body.attachment.id)).status).toBe(403);
    const sent = await send(ana, { clientId: "f1", attachmentIds: [up.body.attachment.id] });
    expect(sent.status).toBe(201);
    expect(sent.body.message).toMatchObject({
      text: "",
      attachments: [{ id: up.body.attachment.id, name: "data.bin", size: 150_000 }],
    });
    const got = await download(ben, up.body.attachment.id);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    expect(got.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''data.bin");
    for (const id of [up.body.attachment.id, "guessed-id-123"]) {
      const r = await download(eve, id);
      expect(r.status).toBe(403);
      expect(((await r.json()) as any).error.code).toBe("FORBIDDEN");
    }
    // A Range request gets exactly that slice (audio and video players need it).
    const part = await download(ben, up.body.attachment.id, { range: "bytes=100-199" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/150000");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(100, 200));
    expect((await download(ben, up.body.attachment.id, { range: "bytes=999999-" })).status).toBe(416);
  });

  test("HTML and SVG are detected by content, whatever they claim, and can never run in our origin", async () => {
    for (const [name, claimed, data, type] of [
      ["cat.png", "image/png", "<!doctype html><script>alert(1)</script>", "text/html"],
      ["logo.svg", "image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"],
    ] as const) {
      const up = await upload(ana, name, data, claimed);
      expect(up.body.attachment.type).toBe(type);
      await send(ana, { clientId: `x-${name}`, text: name, attachmentIds: [up.body.attachment.id] });
      const r = await download(ben, up.body.attachment.id);
      expect(r.headers.get("content-type")).toBe(type);
      expect(r.headers.get("content-disposition")).toStartWith("attachment;");
      expect(r.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const png = await upload(
      ana,
      "real.png",
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      "text/plain",
    );
    expect(png.body.attachment.type).toBe("image/png");
  });

  test("file names with ../, NUL bytes or only dots are harmless", async () => {
    for (const [name, stored] of [
      ["../../../../etc/passwd", "passwd"],
      ["\u0000.txt", "txt"],
      ["...", "file"],
    ]) {
      const up = await upload(ana, name!, "x");
      expect(up.body.attachment.name).toBe(stored);
    }
    expect(blobs().every((b) => !b.includes(".."))).toBe(true);
  });

  test("too big is refused — before reading when declared, while streaming when not — and leaves nothing", async () => {
    const before = [rows().length, blobs().length];
    const big = await upload(ana, "big.bin", new Uint8Array(300_000));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    // Said as people read sizes (src/protocol/sizes.ts), not as "200000 bytes".
    expect(big.body.error.message).toBe("Files may be at most 195 KB.");
    // No length given (chunked): counted as it streams in.
    const boundary = "b0undary";
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(
          new TextEncoder().encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n`,
          ),
        );
        for (let i = 0; i < 30; i++) c.enqueue(new Uint8Array(10_000));
        c.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
        c.close();
      },
    });
    const chunked = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${ana.token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect([rows().length, blobs().length]).toEqual(before);
  });

  test("an upload cut off halfway leaves nothing behind, and is logged as the client going away, not as an error", async () => {
    const before = [rows().length, blobs().length];
    const logged = s.logs.length;
    const boundary = "cutcut";
    const stream = new ReadableStream({
      async pull(c) {
        c.enqueue(
          new TextEncoder().encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.bin"\r\n\r\n`,
          ),
        );
        c.enqueue(new Uint8Array(50_000));
        await Bun.sleep(50);
        c.error(new Error("network gone"));
      },
    });
    await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${ana.token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      body: stream,
      duplex: "half",
    } as RequestInit).catch(() => null);
    // The server's own account of the request is the signal that it is done with it.
    await waitFor(
      () => s.logs.slice(logged).some((l) => l.includes('"route":"/api/v1/uploads"')),
      "the cut-off upload to be answered",
    );
    expect([rows().length, blobs().length]).toEqual(before);
    const lines = s.logs.slice(logged).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level === "error")).toEqual([]);
    expect(lines.some((l) => l.msg === "request aborted by the client")).toBe(true);
  });

  test("the same bytes are stored once; deleting the message removes the file", async () => {
    const data = "the very same bytes";
    const a = await upload(ana, "one.txt", data);
    const b = await upload(ana, "two.txt", data);
    const sha = (rows() as any[]).find((r) => r.id === a.body.attachment.id).sha256;
    expect(blobs().filter((f) => f.endsWith(sha))).toHaveLength(1);
    const m = await send(ana, {
      clientId: "dup",
      text: "twice",
      attachmentIds: [a.body.attachment.id, b.body.attachment.id],
    });
    expect(m.body.message.attachments.map((x: any) => x.name)).toEqual(["one.txt", "two.txt"]);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv}/messages/${m.body.message.id}`, { token: ana.token }))
        .status,
    ).toBe(204);
    expect((await download(ben, a.body.attachment.id)).status).toBe(403);
    await s.idle();
    expect(blobs().some((f) => f.endsWith(sha))).toBe(false);
  });

  test("only my own unsent uploads can be attached; the quota is enforced", async () => {
    const theirs = await upload(ben, "b.txt", "ben's");
    const r = await send(ana, { clientId: "steal", text: "mine now", attachmentIds: [theirs.body.attachment.id] });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("ATTACHMENT_NOT_FOUND");
    expect((await send(ana, { clientId: "empty", text: "" })).status).toBe(400);
    // Ben has 600,000 bytes of room: three near-limit files fit, the fourth does not.
    for (let i = 0; i < 3; i++)
      expect((await upload(ben, `q${i}`, new Uint8Array(190_000).fill(i + 1))).status).toBe(201);
    const over = await upload(ben, "q4", new Uint8Array(190_000).fill(9));
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe("QUOTA_EXCEEDED");
  });
});
