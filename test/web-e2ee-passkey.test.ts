// The key backup unlocked with a passkey (WebAuthn PRF) in real Chromium, with a DevTools virtual authenticator
// that supports it: Ben lets his passkey unlock the backup, this browser's storage is wiped (a new device, as
// after reinstalling), and the passkey alone brings the earlier encrypted messages back. WebAuthn needs a
// host name, so the browser uses http://localhost:<port>. Ana's device is the app's own code in the test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, CDPSession, Page } from "playwright-core";
import { launchBrowser, signInPage, virtualAuthenticator, watchPage } from "./browser.ts";
import { addMember, apiAs, setUp, startTestServer, waitFor, type Person, type TestServer } from "./harness.ts";
import { openDevice, sendSealed, type TestDevice } from "./e2ee-client.ts";

let s: TestServer;
let base: string;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let ana: Person, ben: Person;
let anaDev: TestDevice;
let group: string;
const errors: string[] = [];
const api = apiAs(() => s);
const bubbles = (text: string) => page.locator(".timeline li.message:not(.pending)").filter({ hasText: text });

async function encryptionSettings() {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Settings" }).click();
  await page.getByText("End-to-end encryption").click();
}

beforeAll(async () => {
  s = await startTestServer();
  base = s.url.replace("127.0.0.1", "localhost");
  const root = await setUp(s);
  [ana, ben] = (await Promise.all(["ana1", "ben"].map((n) => addMember(s, root.token, n)))) as unknown as [
    Person,
    Person,
  ];
  group = (
    await api(ana, "POST", "/conversations", {
      type: "group",
      title: "Vault",
      encrypted: true,
      memberIds: [ben.user.id],
    })
  ).body.conversation.id;
  anaDev = await openDevice(() => s, ana);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  watchPage(page, errors, "ben");
  ({ cdp } = await virtualAuthenticator(page, { prf: true }));
  await signInPage(page, base, "ben");
  await page.waitForURL(base + "/");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

/** Ana's device adds Ben's browser (a new device of his) as soon as it has registered. */
async function addBensDevice(): Promise<void> {
  const known = new Set(
    (await api(ana, "GET", `/conversations/${group}/mls`)).body.group.devices.map((d: any) => d.deviceId),
  );
  await waitFor(
    async () =>
      (await api(ana, "GET", `/conversations/${group}/mls`)).body.group.pendingAdd.some(
        (d: any) => d.userId === ben.user.id && !known.has(d.deviceId),
      ),
    "Ben's browser to register its device",
  );
  await anaDev.device.reconcile(group);
}

describe("the key backup unlocked with a passkey", () => {
  test("a passkey made in the profile can unlock the backup", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    const profile = page.getByRole("dialog", { name: "Your profile" });
    await profile.getByRole("button", { name: "Add a passkey" }).click();
    await profile
      .getByRole("list", { name: "Your passkeys" })
      .getByText(/Chrome on Linux/)
      .waitFor();
    await page.keyboard.press("Escape");

    await page.getByRole("link", { name: /Vault/ }).click();
    await addBensDevice();
    await sendSealed(s, ana, anaDev, group, "The combination is 4-8-15");
    await bubbles("The combination is 4-8-15").waitFor();

    await encryptionSettings();
    await page.getByRole("button", { name: "Set up key backup" }).click();
    await page.getByLabel("Recovery key").waitFor();
    await page.keyboard.press("Escape");
    await encryptionSettings();
    await page.getByRole("button", { name: "Let a passkey unlock it too" }).click();
    await page.getByText("Your passkey can now unlock your backup on a new device.").waitFor();
    await page.keyboard.press("Escape");
    const backup = (await api(ben, "GET", "/e2ee/backup")).body.backup;
    expect(Object.keys(backup.wrapped)).toHaveLength(1);
    expect(Object.keys(backup.wrapped)[0]).toStartWith("prf:");
    await waitFor(
      () =>
        s.running.app.deps.store.db.$client
          .query<{ n: number }, []>("SELECT count(*) AS n FROM key_backup_entries")
          .get()!.n === 1,
      "the message to be in the backup",
    );
  });

  test("on a new device (this browser's storage wiped), the passkey alone brings the earlier messages back", async () => {
    await cdp.send("Storage.clearDataForOrigin", { origin: base, storageTypes: "indexeddb" });
    await page.goto(`${base}/c/${group}`);
    await addBensDevice();
    await page.getByText(/can't be decrypted on this device: Sent before this device joined/).waitFor();
    await sendSealed(s, ana, anaDev, group, "Welcome back, Ben");
    await bubbles("Welcome back, Ben").waitFor();
    await encryptionSettings();
    await page.getByRole("button", { name: "Unlock with a passkey" }).click();
    await page.getByText("Your earlier messages are readable on this device.").waitFor();
    await page.keyboard.press("Escape");
    await bubbles("The combination is 4-8-15").waitFor();
  });

  test("ran without script errors", () => {
    expect(errors).toEqual([]);
  });
});
