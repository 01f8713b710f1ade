// Exports: a person's archive holds what they may see and nothing else; an admin's holds everything; the
// HTML page opens in a browser from disk, offline.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser } from "./browser.ts";
import { addMember, ADMIN, setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";

let s: TestServer;
let ana: { token: string; user: { id: string } },
  ben: { token: string; user: { id: string } },
  cat: { token: string; user: { id: string } };
const dir = tempDir("parley-export-test-");

async function exportVia(token: string, path: string): Promise<string> {
  const started = await s.call("POST", path, { token });
  expect(started.status).toBe(202);
  let job = started.body.export;
  const progress: number[] = [];
  while (job.status === "running") {
    await Bun.sleep(20);
    job = (await s.call("GET", `/api/v1/exports/${job.id}`, { token })).body.export;
    progress.push(job.done);
  }
  expect(job.status).toBe("done");
  expect(job.done).toBe(job.total);
  const res = await fetch(s.url + job.downloadUrl, { headers: { authorization: `Bearer ${token}` } });
  expect(res.headers.get("content-disposition")).toStartWith("attachment;");
  const out = join(dir, `${job.id}`);
  mkdirSync(out);
  writeFileSync(join(out, "archive.tar"), new Uint8Array(await res.arrayBuffer()));
  expect(Bun.spawnSync(["tar", "-xf", join(out, "archive.tar"), "-C", out]).exitCode).toBe(0);
  return out;
}

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  [ben, cat] = await Promise.all([addMember(s, ana.token, "ben"), addMember(s, ana.token, "cat")]);
  const direct = (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
  ).body.conversation.id;
  const form = new FormData();
  form.append("file", new File(["Ana's recipe"], "recipe.txt"));
  const up = (await (
    await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${ana.token}` },
      body: form,
    })
  ).json()) as any;
  await s.call("POST", `/api/v1/conversations/${direct}/messages`, {
    token: ana.token,
    body: { clientId: "a1", text: "Here is the recipe <script>alert(1)</script>", attachmentIds: [up.attachment.id] },
  });
  await s.call("POST", `/api/v1/conversations/${direct}/messages`, {
    token: ben.token,
    body: { clientId: "b1", text: "Thanks!" },
  });
  const group = (
    await s.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "group", title: "Surprise for Ana", memberIds: [cat.user.id] },
    })
  ).body.conversation.id;
  await s.call("POST", `/api/v1/conversations/${group}/messages`, {
    token: cat.token,
    body: { clientId: "c1", text: "secret party plans" },
  });
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("exports", () => {
  test("my export holds my conversations, their messages and files, and nothing of others'", async () => {
    const out = await exportVia(ana.token, "/api/v1/me/export");
    const data = JSON.parse(readFileSync(join(out, "data.json"), "utf8"));
    expect(data.account.username).toBe(ADMIN.username);
    expect(data.conversations.map((c: any) => c.title)).toEqual(["BEN"]);
    const texts = data.conversations[0].messages.map((m: any) => m.text);
    expect(texts).toEqual(["Here is the recipe <script>alert(1)</script>", "Thanks!"]);
    const file = data.conversations[0].messages[0].attachments[0];
    expect(readFileSync(join(out, file.path), "utf8")).toBe("Ana's recipe");
    const everything = readFileSync(join(out, "data.json"), "utf8") + readFileSync(join(out, "index.html"), "utf8");
    expect(everything).not.toContain("secret party");
    expect(everything).not.toContain("Surprise");
    expect(everything).not.toContain("password");
    // Someone else cannot watch or fetch my export.
    const mine = (await s.call("POST", "/api/v1/me/export", { token: ana.token })).body.export;
    expect((await s.call("GET", `/api/v1/exports/${mine.id}`, { token: ben.token })).status).toBe(404);
  });

  test("the admin's export holds everything; members may not start one", async () => {
    expect((await s.call("POST", "/api/v1/admin/export", { token: ben.token })).status).toBe(403);
    const out = await exportVia(ana.token, "/api/v1/admin/export");
    const data = JSON.parse(readFileSync(join(out, "data.json"), "utf8"));
    expect(data.conversations).toHaveLength(2);
    expect(data.conversations.map((c: any) => c.title)).toContain("Surprise for Ana");
    expect(JSON.stringify(data)).toContain("secret party plans");
    expect(data.users.map((u: any) => u.username).sort()).toEqual(["ana", "ben", "cat"]);
    expect(JSON.stringify(data)).not.toMatch(/passwordHash|secret_hash|\$argon2/);
  });

  test("the HTML archive opens from disk in a browser with no network, messages as text", async () => {
    const out = await exportVia(ana.token, "/api/v1/me/export");
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ offline: true });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (d) => (dialogs.push(d.message()), void d.dismiss()));
      await page.goto(`file://${join(out, "index.html")}`);
      await page.getByText("Here is the recipe <script>alert(1)</script>").waitFor();
      await page.getByRole("link", { name: /recipe\.txt/ }).waitFor();
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test("parley export from the shell, for one person", async () => {
    const file = join(dir, "cli.tar");
    const r = Bun.spawnSync(
      [
        process.execPath,
        join(import.meta.dir, "..", "src", "main.ts"),
        "export",
        file,
        "--user",
        "cat",
        "--data-dir",
        s.dataDir,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const out = join(dir, "cli");
    mkdirSync(out);
    Bun.spawnSync(["tar", "-xf", file, "-C", out]);
    const data = JSON.parse(readFileSync(join(out, "data.json"), "utf8"));
    expect(data.account.username).toBe("cat");
    expect(data.conversations.map((c: any) => c.title)).toEqual(["Surprise for Ana"]);
  });
});
