// A conversation's "Files and media" over the API, and telling a recorded voice note (WebM with audio
// alone) from a video by its bytes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sniffType } from "../src/files/sniff.ts";
import { addMember, apiAs, createGroup, setUp, startTestServer, type Person, type TestServer } from "./harness.ts";
import { twoColourJpeg } from "./images.ts";

let s: TestServer;
let ana: Person, ben: Person, out: Person;
let g: string;
const api = apiAs(() => s);

const EBML = [0x1a, 0x45, 0xdf, 0xa3];
const webm = (...codecs: string[]) =>
  new Uint8Array([
    ...EBML,
    0x42,
    0x86,
    0x81,
    0x01,
    ...codecs.flatMap((c) => [0x86, 0x80 | c.length, ...Buffer.from(c)]),
  ]);

const upload = async (p: Person, name: string, data: Uint8Array | string) => {
  const form = new FormData();
  form.append("file", new File([data as BlobPart], name));
  const res = await fetch(`${s.url}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.token}` },
    body: form,
  });
  return ((await res.json()) as any).attachment;
};
const sendWith = async (p: Person, text: string, files: { id: string }[], extra = {}) =>
  (
    await api(p, "POST", `/conversations/${g}/messages`, {
      clientId: crypto.randomUUID(),
      text,
      attachmentIds: files.map((f) => f.id),
      ...extra,
    })
  ).body.message;

beforeAll(async () => {
  s = await startTestServer();
  ana = (await setUp(s)) as unknown as Person;
  [ben, out] = (await Promise.all(["ben", "otto"].map((n) => addMember(s, ana.token, n)))) as unknown as [
    Person,
    Person,
  ];
  g = await createGroup(s, ana.token, "Trip", [ben.user.id]);
});
afterAll(() => s.stop());

describe("telling what a WebM holds", () => {
  test("audio alone is audio/webm (a recorded voice note); with a video track, video/webm", () => {
    expect(sniffType(webm("A_OPUS"))).toBe("audio/webm");
    expect(sniffType(webm("A_VORBIS"))).toBe("audio/webm");
    expect(sniffType(webm("V_VP8", "A_OPUS"))).toBe("video/webm");
    expect(sniffType(webm("V_VP9"))).toBe("video/webm");
    expect(sniffType(new Uint8Array(EBML))).toBe("video/webm");
  });
});

describe("files and media of a conversation", () => {
  test("pictures and videos apart from other files, newest first, paged, thread replies included", async () => {
    const photo1 = await upload(ana, "beach.jpg", await twoColourJpeg(40, 30));
    const first = await sendWith(ana, "day one", [photo1]);
    const note = await upload(ben, "voice.webm", webm("A_OPUS"));
    expect(note.type).toBe("audio/webm");
    await sendWith(ben, "", [note]);
    const pdf = await upload(ben, "tickets.pdf", "%PDF-1.4 tickets");
    const inThread = await sendWith(ben, "the tickets", [pdf], { threadRootId: first.id });
    const photo2 = await upload(ben, "hills.jpg", await twoColourJpeg(30, 40));
    const last = await sendWith(ben, "day two", [photo2]);

    const media = (await api(ana, "GET", `/conversations/${g}/files?kind=media`)).body;
    expect(media.files.map((f: any) => f.attachment.name)).toEqual(["hills.jpg", "beach.jpg"]);
    expect(media.files[0]).toMatchObject({ messageId: last.id, senderId: ben.user.id, threadRootId: null });
    const files = (await api(ana, "GET", `/conversations/${g}/files?kind=files`)).body;
    expect(files.files.map((f: any) => f.attachment.name)).toEqual(["tickets.pdf", "voice.webm"]);
    expect(files.files[0]).toMatchObject({ messageId: inThread.id, threadRootId: first.id });

    const one = (await api(ana, "GET", `/conversations/${g}/files?kind=media&limit=1`)).body;
    expect([one.files.length, one.more]).toEqual([1, true]);
    const next = (await api(ana, "GET", `/conversations/${g}/files?kind=media&limit=1&before=${last.id}`)).body;
    expect([next.files[0].attachment.name, next.more]).toEqual(["beach.jpg", false]);

    // A deleted message's file is gone from the list.
    await api(ben, "DELETE", `/conversations/${g}/messages/${last.id}`);
    const after = (await api(ana, "GET", `/conversations/${g}/files?kind=media`)).body;
    expect(after.files.map((f: any) => f.attachment.name)).toEqual(["beach.jpg"]);
  });

  test("members only; bad pages are refused", async () => {
    expect((await api(out, "GET", `/conversations/${g}/files`)).body.error.code).toBe("NOT_A_MEMBER");
    for (const q of ["kind=photos", "limit=0", "limit=101", "limit=x", `before=${"x".repeat(101)}`])
      expect((await api(ana, "GET", `/conversations/${g}/files?${q}`)).status).toBe(400);
    expect((await api(ana, "GET", `/conversations/${g}/files?before=nope`)).status).toBe(404);
  });
});
