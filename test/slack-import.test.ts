// Moving in from Slack: a workspace export made here (the zip Slack's "Export data" gives, with one file in
// __uploads/) imported through the admin area and with `parley import slack`, then read back as its people
// would: authors, times, threads, reactions, files; a second run adds nothing; what was left out is in the
// report with why; and refusals change nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { addMember, setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: { token: string; user: { id: string } };

const ts = (day: number, n: number) => `${Date.UTC(2024, 2, day, 9, n) / 1000}.000${n}00`;
const T = {
  welcome: ts(1, 1),
  reply: ts(1, 2),
  join: ts(1, 3),
  bot: ts(1, 4),
  files: ts(1, 5),
  gone: ts(1, 6),
  ghost: ts(1, 7),
  next: ts(2, 1),
  random: ts(1, 8),
};

function slackExport(extra: Record<string, Uint8Array> = {}): Uint8Array {
  const json = (v: unknown) => strToU8(JSON.stringify(v));
  return zipSync({
    "users.json": json([
      { id: "U1", name: "ana", profile: { real_name: "Ana Admin", email: "ana@example.org" } },
      { id: "U2", name: "ben.b", real_name: "Ben Brook", profile: { display_name: "Ben", email: "ben@example.org" } },
      { id: "U3", name: "gone", deleted: true, profile: { real_name: "Gone Person" } },
      { id: "B1", name: "deploybot", is_bot: true, profile: {} },
    ]),
    "channels.json": json([
      {
        id: "C1",
        name: "general",
        created: 1_700_000_000,
        creator: "U1",
        members: ["U1", "U2", "U3"],
        purpose: { value: "Everything" },
      },
      { id: "C2", name: "random", created: 1_700_000_100, creator: "U2", members: ["U2"] },
    ]),
    "general/2024-03-01.json": json([
      {
        type: "message",
        user: "U1",
        text: "Welcome <@U2>! See <https://example.com/plan|the plan> &amp; *enjoy*",
        ts: T.welcome,
        reactions: [
          { name: "+1", users: ["U2"], count: 1 },
          { name: "partyparrot", users: ["U1"], count: 1 },
        ],
      },
      { type: "message", user: "U2", text: "Thanks all", ts: T.reply, thread_ts: T.welcome },
      { type: "message", subtype: "channel_join", user: "U2", text: "<@U2> has joined the channel", ts: T.join },
      { type: "message", subtype: "bot_message", bot_id: "B1", text: "Deployed!", ts: T.bot },
      {
        type: "message",
        user: "U2",
        text: "Files for the trip",
        ts: T.files,
        files: [
          { id: "F1", name: "plan.txt", title: "plan.txt" },
          { id: "F2", name: "photo.jpg", title: "photo.jpg" },
        ],
      },
      { type: "message", user: "U3", text: "I was here", ts: T.gone },
      { type: "message", user: "U9", text: "who am I", ts: T.ghost },
    ]),
    "general/2024-03-02.json": json([{ type: "message", user: "U1", text: "Next day", ts: T.next }]),
    "random/2024-03-01.json": json([{ type: "message", user: "U2", text: "Random thought", ts: T.random }]),
    "__uploads/F1/plan.txt": strToU8("Day 1: ridge. Day 2: lake.\n"),
    ...extra,
  });
}

async function post(token: string, bytes: Uint8Array, name = "export.zip") {
  const form = new FormData();
  form.append("file", new File([bytes as BlobPart], name));
  const res = await fetch(`${s.url}/api/v1/admin/imports/slack`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
}
const history = async (token: string, conversationId: string) =>
  (
    await s.call("GET", `/api/v1/conversations/${conversationId}/messages?limit=100`, { token })
  ).body.messages.reverse();

beforeAll(async () => {
  s = await startTestServer();
  admin = await setUp(s);
  // The admin is Slack's U1: the same address, confirmed.
  s.running.app.deps.store.sqlite
    .query("UPDATE users SET email = 'ana@example.org', email_verified_at = 1 WHERE id = ?")
    .run(admin.user.id);
});
afterAll(() => s.stop());

describe("importing a Slack export", () => {
  let report: any;
  let general: any;

  test("the report says what came over and what did not, and why", async () => {
    const r = await post(admin.token, slackExport());
    expect(r.status).toBe(200);
    report = r.body.report;
    expect(report.people).toMatchObject({ created: 2, existing: 1, skipped: { "a bot": 1 } });
    expect(report.people.links.map((l: any) => [l.username, l.displayName])).toEqual([["ben.b", "Ben"]]);
    expect(report.groups).toMatchObject({ created: 2, existing: 0 });
    expect(report.messages).toEqual({
      imported: 6,
      existing: 0,
      threadReplies: 1,
      skipped: {
        "a channel notice (joins, topic and name changes)": 1,
        "from a bot": 1,
        "its author is not in the export": 1,
      },
    });
    expect(report.reactions).toEqual({
      imported: 1,
      skipped: { "a custom emoji of the workspace (:partyparrot:)": 1 },
    });
    expect(report.files).toEqual({ imported: 1, skipped: { "not in the export (Slack keeps it)": 1 } });
  });

  test("channels are groups with their members; messages keep authors, times, threads, reactions and files", async () => {
    const list = (await s.call("GET", "/api/v1/conversations", { token: admin.token })).body.conversations;
    general = list.find((c: any) => c.title === "general");
    expect(general).toMatchObject({ type: "group", description: "Everything", myRole: "owner", unreadCount: 0 });
    expect(general.members.map((m: any) => m.user.displayName).sort()).toEqual(["Ana Admin", "Ben", "Gone Person"]);
    expect(list.some((c: any) => c.title === "random")).toBe(false); // Ana was not in #random

    const shown = await history(admin.token, general.id);
    expect(shown.map((m: any) => [m.sender.displayName, m.text])).toEqual([
      ["Ana Admin", "Welcome @ben.b! See [the plan](https://example.com/plan) & **enjoy**"],
      ["Ben", "Files for the trip\n📎 photo.jpg (not in the Slack export)"],
      ["Gone Person", "I was here"],
      ["Ana Admin", "Next day"],
    ]);
    expect(shown[0].createdAt).toBe(new Date(Math.floor(Number(T.welcome) * 1000)).toISOString());
    expect(shown[0].reactions).toEqual([{ emoji: "👍", count: 1, userIds: [expect.any(String)] }]);
    expect(shown[0].thread).toMatchObject({ replyCount: 1 });
    const thread = (
      await s.call("GET", `/api/v1/conversations/${general.id}/threads/${shown[0].id}`, { token: admin.token })
    ).body;
    expect(thread.messages.map((m: any) => [m.sender.displayName, m.text])).toEqual([["Ben", "Thanks all"]]);
    const file = shown[1].attachments[0];
    expect(file).toMatchObject({ name: "plan.txt", type: "text/plain" });
    const bytes = await fetch(s.url + file.url, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(await bytes.text()).toBe("Day 1: ridge. Day 2: lake.\n");
  });

  test("a new person's link lets them choose a password and find their messages; someone who left cannot sign in", async () => {
    const token = new URL(report.people.links[0].url).searchParams.get("token")!;
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset", { body: { token, password: "ben-new-password" } })).status,
    ).toBe(204);
    const login = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "ben.b", password: "ben-new-password" },
    });
    expect(login.status).toBe(200);
    const bens = (await s.call("GET", "/api/v1/conversations", { token: login.body.token })).body.conversations;
    expect(bens.map((c: any) => c.title).sort()).toEqual(["general", "random"]);
    const random = bens.find((c: any) => c.title === "random");
    expect((await history(login.body.token, random.id)).map((m: any) => m.text)).toEqual(["Random thought"]);
    const gone = (await s.call("GET", "/api/v1/admin/users", { token: admin.token })).body.users.find(
      (u: any) => u.username === "gone",
    );
    expect(gone).toMatchObject({ deactivated: true, hasPassword: false });
  });

  test("running it again adds only what is new", async () => {
    const before = (await history(admin.token, general.id)).length;
    const again = await post(
      admin.token,
      slackExport({
        "general/2024-03-03.json": strToU8(
          JSON.stringify([{ type: "message", user: "U2", text: "Back again", ts: ts(3, 1) }]),
        ),
      }),
    );
    expect(again.body.report.people).toMatchObject({ created: 0, existing: 3, links: [] });
    expect(again.body.report.groups).toMatchObject({ created: 0, existing: 2 });
    expect(again.body.report.messages).toMatchObject({ imported: 1, existing: 6 });
    expect(again.body.report.files.imported).toBe(0);
    const after = await history(admin.token, general.id);
    expect(after.length).toBe(before + 1);
    expect(after.at(-1).text).toBe("Back again");
    expect(after[0].reactions[0].count).toBe(1);
  });

  test("what is not a Slack export, or from someone who is not an admin, is refused and changes nothing", async () => {
    const member = await addMember(s, admin.token, "mona");
    const before = s.snapshot();
    const notZip = await post(admin.token, strToU8("just text"));
    expect([notZip.status, notZip.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const noUsers = await post(admin.token, zipSync({ "channels.json": strToU8("[]") }));
    expect(noUsers.body.error.message).toContain("not a Slack export");
    const badJson = await post(
      admin.token,
      zipSync({ "users.json": strToU8("{oops"), "channels.json": strToU8("[]") }),
    );
    expect(badJson.status).toBe(400);
    const wrongShape = await post(
      admin.token,
      zipSync({ "users.json": strToU8('[{"id": 5}]'), "channels.json": strToU8("[]") }),
    );
    expect(wrongShape.status).toBe(400);
    expect((await post(member.token, slackExport())).status).toBe(403);
    expect(s.snapshot()).toBe(before);
  });
});

describe("parley import slack", () => {
  test("imports from the command line, next to a running server, and prints the report with the links", async () => {
    const other = await startTestServer();
    try {
      await setUp(other);
      const file = join(tempDir("parley-slack-"), "export.zip");
      await Bun.write(file, slackExport());
      const proc = Bun.spawn(
        [
          process.execPath,
          join(import.meta.dir, "..", "src", "main.ts"),
          "import",
          "slack",
          file,
          "--data-dir",
          other.running.config.dataDir,
        ],
        { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", PARLEY_PUBLIC_URL: other.url } },
      );
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect([code, err]).toEqual([0, ""]);
      expect(out).toContain("People: 3 new, 0 already here");
      expect(out).toContain("Messages: 6 brought over (1 in threads), 0 already here");
      expect(out).toContain("1 left out: its author is not in the export");
      expect(out).toMatch(
        new RegExp(`Ben \\(@ben\\.b\\): ${other.url.replace(/[.:/]/g, "\\$&")}/reset-password\\?token=`),
      );
      // The running server sees it.
      const users = (
        await other.call("GET", "/api/v1/search/users?q=ben", {
          token: (
            await other.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "ana-password-1" } })
          ).body.token,
        })
      ).body.users;
      expect(users.map((u: any) => u.username)).toContain("ben.b");
      const bad = Bun.spawnSync([
        process.execPath,
        join(import.meta.dir, "..", "src", "main.ts"),
        "import",
        "teams",
        file,
      ]);
      expect(bad.exitCode).toBe(2);
    } finally {
      await other.stop();
    }
  });
});
