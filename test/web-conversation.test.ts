import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openSignedIn, confirmIn } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let cleo: { token: string; user: any };
let dan: { token: string; user: any };
let group: any;
let poetry: any;
const errors: string[] = [];

const bubbles = (text: string) => page.locator(".timeline li.message:not(.pending)").filter({ hasText: text });
const composer = () => page.getByLabel("Message", { exact: true });
const say = async (who: { token: string }, conversationId: string, text: string) =>
  (
    await s.call("POST", `/api/v1/conversations/${conversationId}/messages`, {
      token: who.token,
      body: { clientId: crypto.randomUUID(), text },
    })
  ).body.message;

beforeAll(async () => {
  s = await startTestServer();
  const admin = await setUp(s);
  cleo = await addMember(s, admin.token, "cleo");
  dan = await addMember(s, admin.token, "dan");
  group = (
    await s.call("POST", "/api/v1/conversations", {
      token: dan.token,
      body: { type: "group", title: "Book club", memberIds: [cleo.user.id] },
    })
  ).body.conversation;
  // More than two pages of history, all written by Dan before Cleo ever looks.
  for (let i = 1; i <= 130; i++) await say(dan, group.id, `Chapter note ${i}`);
  // As long, but Cleo has read all but the last three.
  poetry = (
    await s.call("POST", "/api/v1/conversations", {
      token: dan.token,
      body: { type: "group", title: "Poetry circle", memberIds: [cleo.user.id] },
    })
  ).body.conversation;
  let read = "";
  for (let i = 1; i <= 130; i++) {
    const m = await say(dan, poetry.id, `Verse ${i}`);
    if (i === 127) read = m.id;
  }
  await s.call("POST", `/api/v1/conversations/${poetry.id}/read`, { token: cleo.token, body: { messageId: read } });
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "cleo", errors);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the conversation view in Chromium", () => {
  /** Whether an element is inside the visible part of the timeline. */
  const inView = (selector: string) =>
    page.locator(selector).evaluate((el) => {
      const box = document.querySelector(".timeline")!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    });

  test("a group with more unread than a page opens at the first unread message, with a way to the latest", async () => {
    const row = page.getByRole("link", { name: /Book club/ });
    await row.getByLabel("99+ unread").or(row.getByLabel("130 unread")).waitFor();
    await row.click();
    // It loads back to where the unread begin, and the reader starts there.
    const first = page.locator(".new-divider + li.message .text");
    await first.waitFor();
    expect(await first.textContent()).toBe("Chapter note 1");
    expect(await page.locator(".new-divider").count()).toBe(1);
    expect(await inView(".new-divider")).toBe(true);
    expect(await inView(".new-divider + li.message")).toBe(true);
    expect(await page.locator(".timeline li.message").count()).toBe(130);
    await page.getByRole("button", { name: /Jump to latest/ }).click();
    await page.waitForFunction(() => {
      const el = document.querySelector(".timeline")!;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    });
    expect(await bubbles("Chapter note 130").isVisible()).toBe(true);
    await page.getByRole("button", { name: /Jump to latest/ }).waitFor({ state: "detached" });
  });

  test("a group with a few unread opens at the newest, under a New messages line; scrolling up loads older pages", async () => {
    await page.getByRole("link", { name: /Poetry circle/ }).click();
    await bubbles("Verse 130").waitFor();
    expect(await inView(".new-divider")).toBe(true);
    expect(await page.locator(".new-divider + li.message .text").textContent()).toBe("Verse 128");
    expect(
      await bubbles("Verse 1")
        .filter({ hasText: /Verse 1$/ })
        .count(),
    ).toBe(0);
    // Scrolling to the top asks for older pages until the beginning.
    const count = () => page.locator(".timeline li.message").count();
    while ((await page.getByText("This is the beginning of the conversation.").count()) === 0) {
      const before = await count();
      await page.locator(".timeline").evaluate((el) => (el.scrollTop = 0));
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll(".timeline li.message").length > n ||
          document.body.textContent!.includes("This is the beginning of the conversation."),
        before,
      );
    }
    expect(await count()).toBe(130);
    const texts = await page.locator(".timeline li.message .text").allTextContents();
    expect(texts[0]).toBe("Verse 1");
    expect(texts.at(-1)).toBe("Verse 130");
  });

  test("a new message while reading old ones offers a jump to the latest", async () => {
    await page.getByRole("link", { name: /Book club/ }).click();
    await page.getByRole("heading", { name: "Book club" }).waitFor();
    await bubbles("Chapter note 130").waitFor();
    await page.locator(".timeline").evaluate((el) => (el.scrollTop = 0));
    // Away from the latest: the way back is offered (and the reader is known to be up there).
    await page.getByRole("button", { name: "↓ Jump to latest" }).waitFor();
    await say(dan, group.id, "Fresh from Dan");
    await page.getByRole("button", { name: /1 new · Jump to latest/ }).click();
    await bubbles("Fresh from Dan").waitFor();
    expect(
      await page.locator(".timeline").evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight),
    ).toBeLessThan(40);
  });

  test("Shift+Enter writes a new line; Enter sends", async () => {
    await composer().click();
    await page.keyboard.type("first line");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line");
    expect(await composer().inputValue()).toBe("first line\nsecond line");
    await page.keyboard.press("Enter");
    const sent = bubbles("first line");
    await sent.waitFor();
    expect(await sent.locator(".text br").count()).toBe(1);
  });

  test("replying quotes the message; the server stores the link between them", async () => {
    const target = bubbles("Fresh from Dan");
    await target.hover();
    await target.getByRole("button", { name: "Reply", exact: true }).click();
    await page.getByText("Replying to DAN").waitFor();
    await composer().fill("Agreed!");
    await composer().press("Enter");
    const reply = bubbles("Agreed!");
    await reply.waitFor();
    expect(await reply.locator(".reply-quote").textContent()).toContain("Fresh from Dan");
    const history = await s.call("GET", `/api/v1/conversations/${group.id}/messages?limit=1`, { token: dan.token });
    const original = (
      await s.call("GET", `/api/v1/conversations/${group.id}/messages?limit=5`, { token: dan.token })
    ).body.messages.find((m: any) => m.text === "Fresh from Dan");
    expect(history.body.messages[0]).toMatchObject({ text: "Agreed!", replyToId: original.id });
  });

  test("deleting my message leaves a tombstone, here and for the others", async () => {
    const mine = bubbles("Agreed!");
    await mine.hover();
    await mine.getByRole("button", { name: "Delete" }).click();
    // Asked in the app's own dialog: Cancel keeps it, Delete deletes.
    await page
      .getByRole("dialog", { name: "Delete this message for everyone?" })
      .getByRole("button", { name: "Cancel" })
      .click();
    expect(await bubbles("Agreed!").count()).toBe(1);
    await mine.hover();
    await mine.getByRole("button", { name: "Delete" }).click();
    await confirmIn(page, "Delete");
    await page.getByText("This message was deleted.").waitFor();
    expect(await bubbles("Agreed!").count()).toBe(0);
    const { messages } = (
      await s.call("GET", `/api/v1/conversations/${group.id}/messages?limit=1`, { token: dan.token })
    ).body;
    expect(messages[0]).toMatchObject({ deleted: true, text: "" });
    // Others' messages offer no edit or delete.
    const theirs = bubbles("Fresh from Dan");
    await theirs.hover();
    expect(await theirs.getByRole("button", { name: "Delete" }).count()).toBe(0);
    expect(await theirs.getByRole("button", { name: "Edit" }).count()).toBe(0);
  });

  test("a new group is made in a dialog: a name, people picked by search, and it opens", async () => {
    await page.getByRole("button", { name: "New group" }).click();
    await page.getByLabel("Group name").fill("Climbing");
    // The button comes after everything to fill in.
    const order = await page
      .getByRole("dialog", { name: "New group" })
      .evaluate((d) =>
        [...d.querySelectorAll("input, button.primary")].map((e) => e.getAttribute("name") ?? e.textContent ?? ""),
      );
    expect(order).toEqual(["title", "", "encrypted", "Create group"]);
    // Picked with the keyboard: the arrow moves, Enter picks (and does not submit the form).
    await page.getByLabel("Add members").fill("da");
    await page.getByRole("dialog", { name: "New group" }).getByRole("button", { name: /DAN/ }).waitFor();
    await page.getByLabel("Add members").press("ArrowDown");
    await page.getByLabel("Add members").press("Enter");
    await page.getByRole("list", { name: "Members to add" }).getByText("DAN").waitFor();
    // The box is empty again, and no stale "Nobody found." is left under it.
    expect(await page.getByLabel("Add members").inputValue()).toBe("");
    expect(await page.getByText("Nobody found.").count()).toBe(0);
    expect(await page.getByRole("heading", { name: "Climbing" }).count()).toBe(0);
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { name: "Climbing" }).waitFor();
    expect(page.url()).toMatch(/\/c\/[^/]+$/);
    const { conversations } = (await s.call("GET", "/api/v1/conversations", { token: dan.token })).body;
    const made = conversations.find((c: any) => c.title === "Climbing");
    expect(made.members.map((m: any) => m.user.username).sort()).toEqual(["cleo", "dan"]);
  });

  test("the theme chosen in Settings applies at once and stays after a reload", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Settings" }).click();
    await page.getByLabel("Dark").check();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.keyboard.press("Escape");
    await page.reload();
    await page.getByRole("heading", { name: "Climbing" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(21, 23, 27)");
  });

  test("a message the server refuses is marked as not sent, with retry and discard", async () => {
    // A lone surrogate is not valid UTF-8: the server refuses it, and the outbox must say so, not spin.
    await composer().evaluate((el: HTMLTextAreaElement) => {
      el.value = "broken \ud800 text";
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await composer().press("Enter");
    const failed = page.locator(".timeline li.pending.failed");
    await failed.getByText(/Not sent: .*valid UTF-8/).waitFor();
    await failed.getByRole("button", { name: "Retry" }).click();
    await failed.getByText(/Not sent/).waitFor();
    expect(await failed.count()).toBe(1);
    await failed.getByRole("button", { name: "Discard" }).click();
    await failed.waitFor({ state: "detached" });
    expect(
      await page.evaluate(
        () =>
          new Promise((r) => {
            const req = indexedDB.open("parley");
            req.onsuccess = () => {
              const all = req.result.transaction("outbox").objectStore("outbox").getAll();
              all.onsuccess = () => r(all.result.length);
            };
          }),
      ),
    ).toBe(0);
  });

  test("the profile lists where I am signed in, and signs another device out", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    const sessions = page.locator(".sessions li");
    await sessions.nth(1).waitFor();
    expect(await sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: "This device" }).getByRole("button").count()).toBe(0);
    expect((await s.call("GET", "/api/v1/me", { token: cleo.token })).status).toBe(200);
    await sessions.filter({ hasNotText: "This device" }).getByRole("button", { name: "Sign out" }).click();
    await sessions.nth(1).waitFor({ state: "detached" });
    expect((await s.call("GET", "/api/v1/me", { token: cleo.token })).status).toBe(401);
    await page.keyboard.press("Escape");
  });

  test("with the keyboard alone: filter the list, open a conversation, write and send", async () => {
    await page.goto(s.url + "/");
    const search = page.getByLabel("Search conversations");
    await search.focus();
    await page.keyboard.type("book");
    const rows = page.getByRole("navigation", { name: "Conversations" }).getByRole("link");
    expect(await rows.allTextContents()).toEqual([expect.stringContaining("Book club")]);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("Book club");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Book club" }).waitFor();
    // The composer takes focus when a conversation opens.
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Message");
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Enter");
    await bubbles("Typed without a mouse").waitFor();
    await search.fill("");
  });

  test("the app is installable: manifest, icons and service worker are served as such", async () => {
    const manifest = await fetch(`${s.url}/manifest.webmanifest`);
    expect(manifest.headers.get("content-type")).toContain("application/manifest+json");
    const m = await manifest.json();
    expect(m).toMatchObject({ start_url: "/", display: "standalone" });
    for (const icon of m.icons) {
      const res = await fetch(s.url + icon.src);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(icon.type);
    }
    expect(m.icons.map((i: any) => i.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
    const sw = await fetch(`${s.url}/sw.js`);
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(await sw.text()).toContain("/assets/main-");
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.scriptURL))).toBe(
      `${s.url}/sw.js`,
    );
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
