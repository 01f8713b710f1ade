// The service worker's side of Web Push, in Chromium: a push delivered through the DevTools protocol
// (ServiceWorker.deliverPushMessage) becomes a notification with the app badge; in private mode the worker
// fills it in from Parley. The profile lists the devices that get notifications.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, CDPSession, Page } from "playwright-core";
import { activatedServiceWorker, launchBrowser, openSignedIn, shownNotifications } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let registrationId: string;
let ben: { token: string; user: { id: string } };
let conv: string;
const errors: string[] = [];

const notifications = () => shownNotifications(page);

/** Polls the worker's notifications until `ok` holds (waitForFunction does not await a promise's value). */
async function until(ok: (n: Awaited<ReturnType<typeof notifications>>) => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok(await notifications())) {
    if (Date.now() > end) throw new Error(`notifications never matched: ${JSON.stringify(await notifications())}`);
    await Bun.sleep(50);
  }
}

async function push(data: object): Promise<void> {
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: s.url, registrationId, data: JSON.stringify(data) });
}

beforeAll(async () => {
  // Ben's "other device" below subscribes on a push service on this machine, which the admin allowed.
  s = await startTestServer({ pushAllowedHosts: "127.0.0.1", outboundAllowedNetworks: "127.0.0.1/32" });
  const ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  conv = (
    await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Allotment", memberIds: [ben.user.id] },
    })
  ).body.conversation.id;
  await s.call("POST", `/api/v1/conversations/${conv}/messages`, {
    token: ana.token,
    body: { clientId: "w1", text: "The beans are up!" },
  });
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
  await page.context().grantPermissions(["notifications"], { origin: s.url });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  ({ cdp, registrationId } = await activatedServiceWorker(page, s.url));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("notifications in the web app", () => {
  test("a push becomes a notification for its conversation; a newer one for the same conversation replaces it", async () => {
    await push({
      kind: "message",
      conversationId: conv,
      url: `/c/${conv}`,
      tag: `conversation-${conv}`,
      title: "Allotment",
      body: "Ana: The beans are up!",
      badge: 3,
      private: false,
    });
    await until((n) => n.length === 1);
    expect(await notifications()).toEqual([
      { title: "Allotment", body: "Ana: The beans are up!", tag: `conversation-${conv}`, url: `/c/${conv}` },
    ]);
    await push({
      kind: "message",
      conversationId: conv,
      url: `/c/${conv}`,
      tag: `conversation-${conv}`,
      title: "Allotment",
      body: "Ana: And the peas",
      badge: 4,
      private: false,
    });
    await until((n) => n[0]?.body === "Ana: And the peas");
    expect(await notifications()).toHaveLength(1);
  });

  test("in private mode the worker shows what Parley says, fetched with the signed-in session", async () => {
    await push({
      kind: "message",
      conversationId: conv,
      url: `/c/${conv}`,
      tag: `conversation-${conv}`,
      title: "New message",
      body: "",
      badge: 1,
      private: true,
    });
    await until((n) => n[0]?.body.startsWith("Ana Admin") ?? false);
    expect(await notifications()).toEqual([
      { title: "Allotment", body: "Ana Admin: The beans are up!", tag: `conversation-${conv}`, url: `/c/${conv}` },
    ]);
  });

  test("the profile lists the devices that get notifications, with a test button and removal", async () => {
    // A subscription made by another of Ben's devices (a real one needs the browser vendor's push service).
    const key = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p256dh = Buffer.from(await crypto.subtle.exportKey("raw", key.publicKey)).toString("base64url");
    const made = await s.call("POST", "/api/v1/push/subscriptions", {
      token: ben.token,
      body: {
        endpoint: "https://127.0.0.1/abc",
        keys: { p256dh, auth: Buffer.alloc(16, 7).toString("base64url") },
        label: "Firefox on Android",
      },
    });
    expect(made.status).toBe(201);
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    const list = page.getByRole("list", { name: "Devices that get notifications" });
    await list.getByText("Firefox on Android").waitFor();
    await page.getByRole("button", { name: "Turn on notifications on this device" }).waitFor();
    await list.getByRole("button", { name: "Send a test" }).click();
    await page.getByText("A test notification is on its way to Firefox on Android.").waitFor();
    await list.getByRole("button", { name: "Remove Firefox on Android" }).click();
    await list.waitFor({ state: "detached" });
    expect((await s.call("GET", "/api/v1/push/subscriptions", { token: ben.token })).body.subscriptions).toEqual([]);
    await page.keyboard.press("Escape");
  });

  test("each conversation has its notification level", async () => {
    await page.goto(`${s.url}/c/${conv}`);
    const menuButton = page.getByRole("button", { name: "Conversation menu" });
    await menuButton.click();
    // A choice among levels, in words, with the one in force checked.
    const usual = page.getByRole("menuitemradio", { name: /As usual/ });
    expect(await usual.getAttribute("aria-checked")).toBe("true");
    await page.getByRole("menuitemradio", { name: "All messages" }).click();
    await menuButton.click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll("[role=menuitemradio][aria-checked=true]")].some((e) =>
        e.textContent?.includes("All messages"),
      ),
    );
    await page.keyboard.press("Escape");
    await expect(
      s.call("GET", `/api/v1/conversations/${conv}`, { token: ben.token }).then((r) => r.body.conversation.pushLevel),
    ).resolves.toBe("all");
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
