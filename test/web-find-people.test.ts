// "Find people I know" in Chromium: emails and usernames pasted into New chat are looked up on the server,
// emails only as hashes (the request carries none of them); those found can be picked to start a chat, the
// rest are said to be not here or not addresses at all.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openSignedIn } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  const ana = await setUp(s);
  const ben = await addMember(s, ana.token, "ben");
  await s.call("PATCH", "/api/v1/me", {
    token: ben.token,
    body: { displayName: "Ben Baker", email: "ben@example.com" },
  });
  await addMember(s, ana.token, "cid");
  await addMember(s, ana.token, "dora");
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "dora", errors);
  page.on("request", (r) => r.url().endsWith("/api/v1/contacts/match") && bodies.push(r.postData() ?? ""));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("finding people I know", () => {
  test("pasted addresses and usernames: who is here can be picked; emails leave only as hashes", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    const dialog = page.getByRole("dialog", { name: "New chat" });
    await dialog.getByText("Find people I know").click();
    await dialog
      .getByLabel("Email addresses or usernames")
      .fill("Ben B <BEN@Example.com>, nobody@example.com; @cid\nnot-an-address!");
    await dialog.getByRole("button", { name: "Find", exact: true }).click();
    const found = dialog.getByRole("list", { name: "People found" }).last();
    await found.getByText("Ben Baker").waitFor();
    expect(await found.getByRole("button").allTextContents()).toEqual([
      expect.stringContaining("ben@example.com"),
      expect.stringContaining("@cid"),
    ]);
    expect(await dialog.textContent()).toContain("Not on this server: nobody@example.com");
    expect(await dialog.textContent()).toContain("Neither an email address nor a username: not-an-address!");
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).not.toContain("example.com");
    expect(JSON.parse(bodies[0]!).emailHashes).toHaveLength(2);

    await found.getByRole("button", { name: /Ben Baker/ }).click();
    await page.getByRole("heading", { name: "Ben Baker" }).waitFor();
    expect(page.url()).toMatch(/\/c\/[^/]+$/);
  });

  test("nothing typed, or more than the server takes at once, is said before asking", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    const dialog = page.getByRole("dialog", { name: "New chat" });
    await dialog.getByText("Find people I know").click();
    await dialog.getByRole("button", { name: "Find", exact: true }).click();
    await dialog.getByText("Type or paste email addresses or usernames first.").waitFor();
    const many = Array.from({ length: 501 }, (_, i) => `person${i}@example.com`).join("\n");
    await dialog.getByLabel("Email addresses or usernames").fill(many);
    await dialog.getByRole("button", { name: "Find", exact: true }).click();
    await dialog.getByText("At most 500 at a time (there are 501).").waitFor();
    expect(bodies).toHaveLength(1);
    await page.keyboard.press("Escape");
    expect(errors).toEqual([]);
  });
});
