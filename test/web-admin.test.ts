// The admin area in Chromium: server name, logo and registration, people, invites and groups.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Locator, Page } from "playwright-core";
import { readFileSync } from "node:fs";
import { strToU8, zipSync } from "fflate";
import { join } from "node:path";
import { launchBrowser, openSignedIn, screenshotDir, confirmIn } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer, waitFor } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let admin: { token: string };
let ben: { token: string; user: { id: string } };
let panel: Locator;
const errors: string[] = [];
const png = readFileSync(join(import.meta.dir, "..", "web", "public", "icon-192.png"));

beforeAll(async () => {
  s = await startTestServer();
  admin = await setUp(s);
  ben = await addMember(s, admin.token, "ben");
  await s.call("POST", "/api/v1/conversations", {
    token: ben.token,
    body: { type: "group", title: "Choir", memberIds: [] },
  });
  // An admin the browser signs in as (the helper knows members' passwords).
  const root = await addMember(s, admin.token, "root");
  await s.call("PATCH", `/api/v1/admin/users/${root.user.id}`, { token: admin.token, body: { role: "admin" } });
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "root", errors);
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Administration" }).click();
  panel = page.getByRole("dialog", { name: "Administration" });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the admin area", () => {
  test("server: name, logo and who may register", async () => {
    await panel.getByLabel("Server name").fill("Family Chat");
    await panel.getByRole("button", { name: "Save name" }).click();
    await page.locator(".sidebar-head h1", { hasText: "Family Chat" }).waitFor();
    await panel.getByLabel("Anyone who can reach this server").check();
    // The choice is saved by a request the click starts: wait for the server to have it.
    await waitFor(
      async () => (await s.call("GET", "/api/v1/instance")).body.registrationMode === "open",
      "registration to be open",
    );
    await panel
      .getByLabel("Choose the server's logo")
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png });
    await panel.getByRole("button", { name: "Save picture" }).click();
    await page.waitForFunction(() =>
      Boolean(document.querySelector<HTMLImageElement>(".sidebar-head img.logo")?.naturalWidth),
    );
    // The logo is public: the sign-in page shows it to people not signed in yet.
    const logoUrl = (await s.call("GET", "/api/v1/instance")).body.logoUrl as string;
    const logo = await fetch(s.url + logoUrl);
    expect([logo.status, logo.headers.get("content-type")]).toEqual([200, "image/webp"]);
    await panel.getByText("Largest file").waitFor();
    await panel.getByRole("button", { name: "Export everything" }).click();
    const download = panel.getByRole("link", { name: /Download the archive/ });
    await download.waitFor();
    const archive = await page.evaluate(
      (href) =>
        fetch(href!)
          .then((r) => r.arrayBuffer())
          .then((b) => b.byteLength),
      await download.getAttribute("href"),
    );
    expect(archive).toBeGreaterThan(2048);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "admin-server.png") });
  });

  test("people: found by name, make admin, deactivate, and a reset link, from each person's menu", async () => {
    await panel.getByRole("tab", { name: "People" }).click();
    await panel.getByLabel("Find someone").fill("be");
    const list = panel.getByRole("list", { name: "Accounts" });
    const row = list.getByRole("listitem").filter({ hasText: "@ben" });
    await row.waitFor();
    expect(await list.getByRole("listitem").count()).toBe(1);
    const act = async (item: string) => {
      await row.getByRole("button", { name: "Actions for BEN" }).click();
      await page.getByRole("menuitem", { name: item }).click();
    };
    await act("Make admin");
    await row.getByText("Admin", { exact: true }).waitFor();
    await act("Deactivate");
    await row.getByText("Deactivated", { exact: true }).waitFor();
    expect(
      (await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } })).status,
    ).toBe(403);
    await act("Reactivate");
    await row.getByText("Deactivated", { exact: true }).waitFor({ state: "detached" });
    await act("Password-reset link");
    const link = panel.getByLabel(/Password-reset link for BEN/);
    expect(await link.inputValue()).toContain("/reset-password?token=");
    await panel.getByLabel("Find someone").fill("");
  });

  test("invites: create for three people, then revoke", async () => {
    await panel.getByRole("tab", { name: "Invites" }).click();
    await panel.getByLabel("How many people may use it").fill("3");
    await panel.getByRole("button", { name: "Create invite link" }).click();
    const list = panel.getByRole("list", { name: "Invite links" });
    await list.getByText("used 0 of 3").waitFor();
    // Someone registers with it: the list says who.
    const newest = (await s.call("GET", "/api/v1/admin/invites", { token: admin.token })).body.invites[0];
    const reg = await s.call("POST", "/api/v1/auth/register", {
      body: { username: "carl", password: "carl-password", displayName: "Carl Cole", inviteCode: newest.code },
    });
    expect(reg.status).toBe(201);
    await panel.getByRole("tab", { name: "Groups" }).click();
    await panel.getByRole("tab", { name: "Invites" }).click();
    const used = list.getByRole("listitem").filter({ hasText: "used 1 of 3" });
    await used.getByText("Joined with it: Carl Cole (@carl)").waitFor();
    // The whole link is there to copy while it works.
    expect(await used.getByLabel(`Invite link ${newest.code}`).inputValue()).toEndWith(
      `/register?invite=${newest.code}`,
    );
    await used.getByRole("button", { name: "Revoke" }).click();
    await used.getByText("revoked").waitFor();
  });

  test("groups: listed with their owner; deleting one removes it for everyone", async () => {
    await panel.getByRole("tab", { name: "Groups" }).click();
    const row = panel.getByRole("list", { name: "Groups" }).getByRole("listitem").filter({ hasText: "Choir" });
    await row.getByText(/owner BEN/).waitFor();
    await row.getByRole("button", { name: "Delete" }).click();
    await confirmIn(page, "Delete group");
    await row.waitFor({ state: "detached" });
    // Deactivation earlier ended Ben's sessions: he signs in again.
    ben.token = (
      await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } })
    ).body.token;
    expect((await s.call("GET", "/api/v1/conversations", { token: ben.token })).body.conversations).toEqual([]);
  });

  test("import: a Slack export chosen in the admin area comes in, with the report and each new person's link", async () => {
    const json = (v: unknown) => strToU8(JSON.stringify(v));
    const zip = zipSync({
      "users.json": json([
        { id: "U1", name: "dora", profile: { real_name: "Dora Day" } },
        { id: "U2", name: "eli", profile: { real_name: "Eli East" } },
      ]),
      "channels.json": json([{ id: "C1", name: "hiking", members: ["U1", "U2"] }]),
      "hiking/2024-05-01.json": json([
        {
          type: "message",
          user: "U1",
          text: "Sunday?",
          ts: "1714550400.000100",
          reactions: [{ name: "tada", users: ["U2"] }],
        },
        { type: "message", user: "U2", text: "Yes!", ts: "1714550460.000100", thread_ts: "1714550400.000100" },
        { type: "message", subtype: "channel_join", user: "U2", text: "joined", ts: "1714550500.000100" },
      ]),
    });
    await panel.getByRole("tab", { name: "Import" }).click();
    await panel
      .getByLabel("Slack export (.zip)")
      .setInputFiles({ name: "slack.zip", mimeType: "application/zip", buffer: Buffer.from(zip) });
    const report = panel.getByRole("region", { name: "Import report" });
    await report.waitFor();
    const text = (await report.textContent())!;
    expect(text).toContain("2 new, 0 already here");
    expect(text).toContain("2 brought over (1 in threads)");
    expect(text).toContain("1 left out: a channel notice (joins, topic and name changes)");
    expect(await report.getByRole("textbox", { name: "Link for Dora Day" }).inputValue()).toMatch(
      /\/reset-password\?token=/,
    );
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "admin-import.png") });
    // Again: nothing new.
    await panel
      .getByLabel("Slack export (.zip)")
      .setInputFiles({ name: "slack.zip", mimeType: "application/zip", buffer: Buffer.from(zip) });
    await report.getByText("0 new, 2 already here").waitFor();
    // A file that is not an export says why.
    await panel
      .getByLabel("Slack export (.zip)")
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await panel.getByRole("alert").getByText("The file is not a zip archive.").waitFor();
  });

  test("the logo cannot be pointed at another file through the settings; members have no admin area", async () => {
    const r = await s.call("PATCH", "/api/v1/admin/settings", {
      token: admin.token,
      body: { logoKey: "0".repeat(64) },
    });
    expect(r.status).toBe(400);
    const cat = await addMember(s, admin.token, "cat");
    expect((await s.call("PUT", "/api/v1/admin/logo", { token: cat.token, raw: "x" })).status).toBe(403);
    // Ben was made an admin above: for him, a body that is not a picture is refused as such.
    expect(
      (
        await s.call("PUT", "/api/v1/admin/logo", {
          token: ben.token,
          raw: "x",
          headers: { "content-type": "multipart/form-data; boundary=b" },
        })
      ).status,
    ).toBeGreaterThanOrEqual(400);
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
