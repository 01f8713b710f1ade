// A home network with PARLEY_TLS=local, in real Chromium, on a name that is not localhost (parley.test,
// mapped to 127.0.0.1). A device whose only trusted authority is Parley's (a fresh NSS database) opens the
// app over HTTPS as secure, registers a passkey with a virtual authenticator and signs in with it, and gets
// Web Push notifications through its service worker. A device that does not trust it yet gets the trust page
// over plain HTTP on the same port, and the sign-in page tells it to set itself up if it went past the warning.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import {
  activatedServiceWorker,
  homeTrusting,
  horizontalOverflow,
  launchBrowser,
  screenshotDir,
  shownNotifications,
  signInPage,
  virtualAuthenticator,
  watchPage,
} from "./browser.ts";
import { addMember, setUp, startTestServer, tempDir, waitFor, type TestServer } from "./harness.ts";

let s: TestServer;
let base: string;
let plainBase: string;
let trusting: Browser;
let untrusting: Browser;
let conv: string;
const errors: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ tls: "local", tlsNames: "parley.test" });
  base = `https://parley.test:${s.running.config.port}`;
  plainBase = `http://parley.test:${s.running.config.port}`;
  const ana = await setUp(s);
  const ben = await addMember(s, ana.token, "ben");
  conv = (
    await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Allotment", memberIds: [ben.user.id] },
    })
  ).body.conversation.id;
  trusting = await launchBrowser({
    home: homeTrusting(join(s.dataDir, "tls", "local-ca.crt")),
    names: ["parley.test"],
  });
  untrusting = await launchBrowser({ home: tempDir("parley-home-"), names: ["parley.test"] });
}, 60_000);

afterAll(async () => {
  await trusting?.close();
  await untrusting?.close();
  await s?.stop();
});

describe("a device that trusts Parley's own authority", () => {
  let page: Page;

  test("opens the app over HTTPS as a secure site, and plain HTTP on the same port brings it there", async () => {
    page = await (await trusting.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    watchPage(page, errors, "ben");
    const cdp = await page.context().newCDPSession(page);
    const states: string[] = [];
    cdp.on("Security.visibleSecurityStateChanged", (e: any) => states.push(e.visibleSecurityState.securityState));
    await cdp.send("Security.enable");
    // A certificate error would make this navigation fail.
    await page.goto(base + "/login");
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    expect(states.at(-1)).toBe("secure");
    expect(await page.locator(".connection-notice").count()).toBe(0);

    // Typed without https://: the trust page sees this device already trusts the server and goes on.
    await page.goto(plainBase + "/");
    await page.waitForURL(base + "/login");
  });

  test("registers a passkey with the virtual authenticator and signs in with it", async () => {
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await signInPage(page, base, "ben");
    await page.waitForURL(base + "/");
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    const dialog = page.getByRole("dialog", { name: "Your profile" });
    await dialog.getByRole("button", { name: "Add a passkey" }).click();
    await dialog
      .getByRole("list", { name: "Your passkeys" })
      .getByText(/Chrome on Linux/)
      .waitFor();
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.rpId).toBe("parley.test");
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(base + "/");
    const me = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
    expect(me.user.username).toBe("ben");
  });

  test("receives a Web Push through its service worker", async () => {
    await page.context().grantPermissions(["notifications"], { origin: base });
    const { cdp, registrationId } = await activatedServiceWorker(page, base);
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: base,
      registrationId,
      data: JSON.stringify({
        kind: "message",
        conversationId: conv,
        url: `/c/${conv}`,
        tag: `conversation-${conv}`,
        title: "Allotment",
        body: "Ana: The beans are up!",
        badge: 1,
        private: false,
      }),
    });
    const shown = async () => (await shownNotifications(page)).map((n) => `${n.title}: ${n.body}`);
    await waitFor(async () => (await shown()).length > 0, "the notification shown");
    expect(await shown()).toEqual(["Allotment: Ana: The beans are up!"]);
    expect(errors).toEqual([]);
  });
});

describe("a device that does not trust it yet", () => {
  for (const [size, viewport] of [
    ["phone", { width: 390, height: 844 }],
    ["desktop", { width: 1100, height: 800 }],
  ] as const) {
    test(`gets the trust page over plain HTTP on the same port (${size})`, async () => {
      const page = await (await untrusting.newContext({ viewport })).newPage();
      const pageErrors: string[] = [];
      watchPage(page, pageErrors);
      await page.goto(plainBase + "/");
      await page.getByRole("heading", { name: "Set up this device for Parley" }).waitFor();
      const download = page.getByRole("link", { name: "Download the certificate authority" });
      expect(await download.getAttribute("href")).toBe("/trust/parley-ca.crt");
      expect(await page.getByRole("link", { name: "Open Parley over HTTPS" }).getAttribute("href")).toBe(base + "/");
      expect(await page.getByLabel("QR code for this page").locator("svg").isVisible()).toBe(true);
      await page.getByText("Android", { exact: true }).click();
      await page.getByText(/Install a certificate/).waitFor();
      // It stays: this device cannot reach the server over HTTPS yet.
      expect(page.url()).toBe(plainBase + "/");
      expect(await page.locator("#already").isHidden()).toBe(true);
      expect(await horizontalOverflow(page)).toEqual([]);
      if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `trust-page-${size}.png`), fullPage: true });
      expect(pageErrors).toEqual([]);
      await page.context().close();
    });
  }

  test("that went past the browser's warning is told on the sign-in page to set itself up", async () => {
    const page = await (await untrusting.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(base + "/login").catch(() => {});
    // Chromium's interstitial proceeds when this is typed on it.
    await page.click("body");
    await page.keyboard.type("thisisunsafe");
    await page.waitForURL(base + "/login");
    const notice = page.locator(".connection-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("does not trust this server's certificate yet");
    expect(await notice.getByRole("link", { name: "Set up this device" }).getAttribute("href")).toBe("/trust");
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "trust-notice-phone.png") });
    await page.context().close();
  });

  test("on a server without HTTPS, reached by a name over plain HTTP, the sign-in page says what is missing", async () => {
    const plain = await startTestServer();
    try {
      const page = await (await untrusting.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
      await page.goto(`http://parley.test:${plain.running.config.port}/`);
      const notice = page.locator(".connection-notice");
      await notice.waitFor();
      expect(await notice.textContent()).toContain("This connection is not secure (no HTTPS)");
      expect(await notice.getByRole("link").count()).toBe(0);
      await page.context().close();
    } finally {
      await plain.stop();
    }
  });
});
