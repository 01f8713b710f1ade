import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, screenshotDir } from "./browser.ts";
import { ADMIN, tempDir } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";

// A real server process on a fixed port, so it can be stopped and started again under the same origin
// (the browser's outbox and service worker belong to the origin).
const main = join(import.meta.dir, "..", "src", "main.ts");
const dir = tempDir();
const dataDir = join(dir, "data");
let port = 0;
let url = "";
let server: ChildServer | null = null;
let browser: Browser;
let cleo: Page;
let dan: Page;
const errors: string[] = [];

async function start(): Promise<void> {
  server = await spawnServer([process.execPath, main, "serve"], {
    cwd: dir,
    env: { PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port) },
  });
}
async function stop(): Promise<void> {
  server?.proc.kill("SIGTERM");
  await server?.exited;
  server = null;
}
async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status === 204 ? null : res.json();
}

async function newPerson(ctx: BrowserContext, invite: string, name: string, username: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on("pageerror", (e) => errors.push(`${username}: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    // While the server is down on purpose, failed loads and socket attempts are expected noise.
    if (
      m.type() === "error" &&
      !text.startsWith("Failed to load resource") &&
      !text.includes("WebSocket connection to")
    )
      errors.push(`${username}: ${text}`);
  });
  await page.goto(`${url}/register?invite=${invite}`);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`${username}-password`);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(url + "/");
  return page;
}

/** The message bubbles on a page whose text contains `text`. */
const bubbles = (page: Page, text: string) =>
  page.locator(".timeline li.message:not(.pending)").filter({ hasText: text });

beforeAll(async () => {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  port = probe.port;
  probe.stop(true);
  url = `http://127.0.0.1:${port}`;
  await start();
  const { token } = await call("POST", "/api/v1/setup", undefined, ADMIN);
  const [a, b] = [
    await call("POST", "/api/v1/admin/invites", token, {}),
    await call("POST", "/api/v1/admin/invites", token, {}),
  ];
  browser = await launchBrowser();
  cleo = await newPerson(
    await browser.newContext({ viewport: { width: 1280, height: 800 } }),
    a.invite.code,
    "Cleo Cole",
    "cleo",
  );
  dan = await newPerson(
    await browser.newContext({ viewport: { width: 1280, height: 800 } }),
    b.invite.code,
    "Dan Diaz",
    "dan",
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("chatting in the web app (two people, two browser profiles)", () => {
  test("they start a direct chat and talk live both ways, each seeing the other's name and avatar", async () => {
    await cleo.getByRole("button", { name: "New chat" }).click();
    await cleo.getByLabel("Who do you want to talk to?").fill("dan");
    await cleo
      .getByRole("dialog", { name: "New chat" })
      .getByRole("button", { name: /Dan Diaz/ })
      .click();
    await cleo.waitForURL(/\/c\/[^/]+$/);
    await cleo.getByRole("heading", { name: "Dan Diaz" }).waitFor();

    await cleo.getByLabel("Message", { exact: true }).fill("Hello **Dan**, the plan is at https://example.com/plan.");
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    await bubbles(cleo, "Hello").waitFor();
    expect(await cleo.getByLabel("Message", { exact: true }).inputValue()).toBe("");

    // Dan sees the new conversation with an unread badge, opens it, and reads Cleo's message.
    const row = dan.getByRole("link", { name: /Cleo Cole/ });
    await row.getByLabel("1 unread").waitFor();
    await row.click();
    const fromCleo = bubbles(dan, "Hello");
    await fromCleo.waitFor();
    expect(await fromCleo.locator(".sender").textContent()).toBe("Cleo Cole");
    expect(await fromCleo.getByRole("img", { name: "Cleo Cole" }).textContent()).toBe("CC");
    expect(await fromCleo.locator("strong", { hasText: "Dan" }).count()).toBe(1);
    expect(await fromCleo.getByRole("link", { name: "https://example.com/plan" }).getAttribute("href")).toBe(
      "https://example.com/plan",
    );
    await row.getByLabel("1 unread").waitFor({ state: "detached" });

    await dan.getByLabel("Message", { exact: true }).fill("Hi Cleo :wave:");
    await dan.keyboard.press("Enter");
    const fromDan = bubbles(cleo, "Hi Cleo 👋");
    await fromDan.waitFor();
    expect(await fromDan.locator(".sender").textContent()).toBe("Dan Diaz");
    expect(await fromDan.getByRole("img", { name: "Dan Diaz" }).textContent()).toBe("DD");
    // Cleo has the conversation open: nothing counts as unread for her.
    expect(
      await cleo
        .getByRole("link", { name: /Dan Diaz/ })
        .locator(".badge")
        .count(),
    ).toBe(0);
  });

  test("Up edits my last message, and the other side sees the change marked as edited", async () => {
    await cleo.getByLabel("Message", { exact: true }).click();
    await cleo.keyboard.press("ArrowUp");
    const edit = cleo.getByLabel("Edit message");
    await cleo.waitForFunction(() =>
      document
        .querySelector<HTMLTextAreaElement>("textarea[aria-label='Edit message']")
        ?.value.startsWith("Hello **Dan**"),
    );
    await edit.fill("Hello **Dan**, the plan moved to https://example.com/plan2.");
    await edit.press("Enter");
    const changed = bubbles(dan, "plan moved");
    await changed.waitFor();
    expect(await changed.getByText("(edited)").count()).toBe(1);
    expect(await bubbles(dan, "Hello").count()).toBe(1);
  });

  test("HTML and script in a message are shown as text and never run", async () => {
    const payloads = [
      `<img src=x onerror="window.__pwned='img'">`,
      `<script>window.__pwned='script'</script>`,
      `**<b onmouseover="window.__pwned='b'">bold</b>**`,
      `[click](javascript:window.__pwned='link') and javascript:alert(1)`,
      "```\n</code></pre><svg onload=\"window.__pwned='svg'\">\n```",
    ];
    for (const p of payloads) {
      await cleo.getByLabel("Message", { exact: true }).fill(p);
      await cleo.getByLabel("Message", { exact: true }).press("Enter");
    }
    for (const page of [cleo, dan]) {
      for (const p of payloads)
        await bubbles(
          page,
          p
            .replace(/```\n?/g, "")
            .replace(/\*\*/g, "")
            .trim(),
        )
          .first()
          .waitFor();
      const timeline = page.locator(".timeline");
      expect(await timeline.locator("img, script, svg, b, iframe").count()).toBe(0);
      const hrefs = await timeline.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      expect(hrefs.every((h) => h?.startsWith("https://"))).toBe(true);
      await page.locator(".timeline .text").last().hover();
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    }
  });

  test("a message written while the server is down waits, survives a reload, and arrives once when it is back", async () => {
    // The service worker keeps the app shell, so the page can even be reloaded while the server is away.
    await cleo.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await stop();
    await cleo.locator(".banner.offline").waitFor();
    // Nobody tells us who comes and goes now: the header does not keep saying "online" (or "last seen").
    await cleo.locator(".conversation-head small", { hasText: "waiting for the connection…" }).waitFor();

    const text = "Written while the server was away";
    await cleo.getByLabel("Message", { exact: true }).fill(text);
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    const pending = cleo.locator(".timeline li.pending").filter({ hasText: text });
    await pending.getByText("Sending…").waitFor();
    await cleo.reload();
    await cleo.locator(".timeline li.pending").filter({ hasText: text }).getByText("Sending…").waitFor();
    // Not only the outbox: what was said before shows too, from what this browser kept.
    await bubbles(cleo, "Hello").waitFor();
    await shot(cleo, "offline-outbox");

    await start();
    await bubbles(dan, text).waitFor({ timeout: 30_000 });
    await bubbles(cleo, text).waitFor({ timeout: 30_000 });
    expect(await cleo.locator(".timeline li.pending").count()).toBe(0);
    expect(await bubbles(dan, text).count()).toBe(1);
    // The server stored it once, however many times the outbox had to try.
    const login = await call("POST", "/api/v1/auth/login", undefined, { username: "dan", password: "dan-password" });
    const { conversations } = await call("GET", "/api/v1/conversations", login.token);
    const { messages } = await call("GET", `/api/v1/conversations/${conversations[0].id}/messages`, login.token);
    expect(messages.filter((m: any) => m.text === text)).toHaveLength(1);
  });

  test("screenshots at 1280×800 and 390×844, light and dark", async () => {
    const out = screenshotDir ?? join(dir, "screenshots");
    mkdirSync(out, { recursive: true });
    // A scene like a real family or team chat, for the README.
    const token = async (username: string, password: string) =>
      (await call("POST", "/api/v1/auth/login", undefined, { username, password })).token;
    const [c, d, a] = [
      await token("cleo", "cleo-password"),
      await token("dan", "dan-password"),
      await token(ADMIN.username, ADMIN.password),
    ];
    const people = [
      ...(await call("GET", "/api/v1/search/users?q=dan", c)).users,
      ...(await call("GET", "/api/v1/search/users?q=ana", c)).users,
    ] as { id: string; username: string }[];
    const id = (u: string) => people.find((p) => p.username === u)!.id;
    const { conversation: group } = await call("POST", "/api/v1/conversations", c, {
      type: "group",
      title: "Weekend trip",
      memberIds: [id("dan"), id("ana")],
    });
    const say = async (t: string, text: string, replyToId?: string) =>
      (
        await call("POST", `/api/v1/conversations/${group.id}/messages`, t, {
          clientId: crypto.randomUUID(),
          text,
          replyToId,
        })
      ).message;
    await say(a, "Who is in for the lake on Saturday? :sunny:");
    const plan = await say(c, "Me! I can drive. Leaving at **8:30** from the station.");
    await say(c, "Packing list so far:\n> towels, snacks, the big tent");
    await say(d, "Count me in :raised_hands: I'll bring the grill", plan.id);
    await say(a, "Forecast looks good: https://example.com/weather/lake");
    await say(d, "Also: `gate code 4412` for the parking lot");
    await cleo.getByRole("link", { name: /Weekend trip/ }).click();
    await bubbles(cleo, "gate code").waitFor();
    await cleo.mouse.move(1279, 799); // no hover highlight in the pictures
    for (const scheme of ["light", "dark"] as const) {
      await cleo.emulateMedia({ colorScheme: scheme });
      await cleo.setViewportSize({ width: 1280, height: 800 });
      await cleo.screenshot({ path: join(out, `chat-desktop-${scheme}.png`) });
      await cleo.setViewportSize({ width: 390, height: 844 });
      await cleo.screenshot({ path: join(out, `chat-phone-${scheme}.png`) });
      // On a phone the list and the conversation take turns.
      expect(await cleo.locator(".sidebar").isVisible()).toBe(false);
    }
    for (const f of ["chat-desktop-light", "chat-desktop-dark", "chat-phone-light", "chat-phone-dark"])
      expect(statSync(join(out, `${f}.png`)).size).toBeGreaterThan(10_000);
    await cleo.setViewportSize({ width: 1280, height: 800 });
    await cleo.emulateMedia({ colorScheme: null });
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});

async function shot(page: Page, name: string): Promise<void> {
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}
