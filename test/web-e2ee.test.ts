// End-to-end encrypted conversations in real Chromium: three people's browsers (each a device with keys in
// its own IndexedDB) create an encrypted group in the app, read each other's messages, and a ciphertext
// altered on the server shows as undecryptable, never as words.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { conversationMenu, horizontalOverflow, launchBrowser, signInPage, watchPage } from "./browser.ts";
import { addMember, apiAs, setUp, startTestServer, waitFor, type Person, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let ana: Page, ben: Page, cid: Page;
let people: Person[];
const errors: string[] = [];
const api = apiAs(() => s);
const bubbles = (pg: Page, text: string) => pg.locator(".timeline li.message:not(.pending)").filter({ hasText: text });

async function signedIn(username: string, width = 1200): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
  watchPage(page, errors, username);
  await signInPage(page, s.url, username);
  await page.waitForURL(/\/$/);
  return page;
}

/** The safety number a page shows for the person of that name (conversation menu › Safety numbers). */
async function numberOn(p: Page, withName: string): Promise<string> {
  await conversationMenu(p, "Safety numbers");
  const n = (await p.getByLabel(`Safety number with ${withName}`).textContent())!;
  await p.keyboard.press("Escape");
  return n;
}

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  people = (await Promise.all(["ana1", "ben", "cid"].map((n) => addMember(s, root.token, n)))) as unknown as Person[];
  browser = await launchBrowser();
  [ana, ben, cid] = await Promise.all([signedIn("ana1"), signedIn("ben"), signedIn("cid", 390)]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("encrypted conversations in the web app", () => {
  test("three people create an encrypted group in the app and read each other's messages", async () => {
    await ana.getByRole("button", { name: "New group" }).click();
    await ana.getByLabel("Group name").fill("Secret garden");
    for (const name of ["ben", "cid"]) {
      await ana.getByLabel("Add members").fill(name);
      await ana.getByRole("button", { name: new RegExp(name.toUpperCase()) }).waitFor();
      await ana.getByLabel("Add members").press("ArrowDown");
      await ana.getByLabel("Add members").press("Enter");
      await ana.getByRole("list", { name: "Members to add" }).getByText(name.toUpperCase()).waitFor();
    }
    await ana.getByLabel(/End-to-end encrypted/).check();
    await ana.getByRole("button", { name: "Create group" }).click();
    await ana
      .getByRole("heading", { name: /Secret garden/ })
      .getByLabel("End-to-end encrypted")
      .waitFor();
    for (const p of [ben, cid]) await p.getByRole("link", { name: /Secret garden/ }).click();
    const say = async (p: Page, text: string) => {
      await p.getByRole("textbox", { name: /Message/ }).fill(text);
      await p.keyboard.press("Enter");
    };
    await say(ana, "Only we can read this");
    for (const p of [ana, ben, cid]) await bubbles(p, "Only we can read this").waitFor();
    await say(cid, "Cid agrees");
    await say(ben, "Ben too");
    for (const p of [ana, ben, cid]) {
      await bubbles(p, "Cid agrees").waitFor();
      await bubbles(p, "Ben too").waitFor();
    }
    // The server has only ciphertext.
    const stored = s.running.app.deps.store.db.$client
      .query<{ text: string; ciphertext: string | null }, []>("SELECT text, ciphertext FROM messages")
      .all();
    expect(stored.length).toBe(3);
    for (const m of stored) {
      expect(m.text).toBe("");
      expect(m.ciphertext).not.toBeNull();
    }
    // The list shows the lock and the words this device read.
    await ben
      .getByRole("link", { name: /Secret garden/ })
      .getByLabel("End-to-end encrypted")
      .waitFor();
  });

  test("a picture sent in the encrypted group is encrypted before upload and shown decrypted to the others", async () => {
    const icon = readFileSync(join(import.meta.dir, "..", "web", "public", "icon-192.png"));
    const chooser = ben.waitForEvent("filechooser");
    await ben.getByRole("button", { name: "Attach files" }).click();
    await (await chooser).setFiles({ name: "garden.png", mimeType: "image/png", buffer: icon });
    // Encrypted, uploaded, ready: a message sent while a file is still going up would be refused.
    await ben.locator(".uploads li", { hasText: "garden.png" }).getByText("ready").waitFor();
    await ben.getByRole("textbox", { name: /Message/ }).fill("Our garden");
    await ben.keyboard.press("Enter");
    for (const p of [ana, cid]) {
      const bubble = bubbles(p, "Our garden");
      await bubble.getByRole("button", { name: "Open image garden.png" }).waitFor();
      // The picture shown is the decrypted one: its pixels loaded from a blob the page made.
      await p.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>("img[alt='garden.png']")].some(
          (i) => i.complete && i.naturalWidth === 192,
        ),
      );
    }
    // The server holds a file it cannot open, under a name that says nothing.
    const stored = s.running.app.deps.store.db.$client
      .query<{ name: string; type: string; storage_key: string }, []>(
        "SELECT name, type, storage_key FROM attachments WHERE message_id IS NOT NULL",
      )
      .all();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ name: "encrypted", type: "application/octet-stream" });
    const onDisk = readdirSync(s.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name)));
    const sample = icon.subarray(100, 164);
    expect(onDisk.some((bytes) => bytes.includes(sample))).toBe(false);
  });

  test("a ciphertext altered by the server is reported as undecryptable, not shown", async () => {
    const sqlite = s.running.app.deps.store.db.$client;
    const say = async (p: Page, text: string) => {
      await p.getByRole("textbox", { name: /Message/ }).fill(text);
      await p.keyboard.press("Enter");
    };
    // Ben's page is closed while the server alters Ana's next message, so his device meets only the altered one.
    const benUrl = ben.url();
    await ben.goto("about:blank");
    await say(ana, "Tamper-proof words");
    await bubbles(ana, "Tamper-proof words").waitFor();
    await s.idle();
    const row = sqlite
      .query<{ id: string; ciphertext: string }, []>("SELECT id, ciphertext FROM messages ORDER BY seq DESC LIMIT 1")
      .get()!;
    const bytes = Buffer.from(row.ciphertext, "base64");
    bytes[bytes.length - 3]! ^= 0x01;
    sqlite.run("UPDATE messages SET ciphertext = ? WHERE id = ?", [bytes.toString("base64"), row.id]);
    await ben.goto(benUrl);
    await ben.getByText(/can't be decrypted on this device/).waitFor();
    expect(await ben.getByText("Tamper-proof words").count()).toBe(0);
  });

  test("a second device of Ana's joins and reads onward, and reads earlier history once given the recovery key", async () => {
    const sqlite = s.running.app.deps.store.db.$client;
    const settings = async (p: Page) => {
      await p.getByRole("button", { name: "Account menu" }).click();
      await p.getByRole("menuitem", { name: "Settings" }).click();
      await p.getByText("End-to-end encryption").click();
    };
    await settings(ana);
    await ana.getByRole("button", { name: "Set up key backup" }).click();
    const recovery = (await ana.getByLabel("Recovery key").textContent())!.trim();
    expect(recovery).toMatch(/^([A-Z2-7]{4} ){12}[A-Z2-7]{4}$/);
    await ana.keyboard.press("Escape");
    // What Ana's browser had read goes into the backup (one entry per message, sealed).
    const sent = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM messages").get()!.n;
    await waitFor(
      () => sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM key_backup_entries").get()!.n === sent,
      "the backup to hold every message",
    );

    const numberBefore = await numberOn(ben, "ANA1");
    const laptop = await signedIn("ana1");
    await laptop.getByRole("link", { name: /Secret garden/ }).click();
    // The others are told Ana's devices changed, and their devices add the new one.
    // (A person's first device is no change to warn of: this is the only such line.)
    await ben.getByText("ANA1's devices changed").waitFor();
    await ben.getByRole("textbox", { name: /Message/ }).fill("Hello, Ana's laptop");
    await ben.keyboard.press("Enter");
    await bubbles(laptop, "Hello, Ana's laptop").waitFor();
    // Earlier messages say why they cannot be read here...
    await laptop
      .getByText(/can't be decrypted on this device: Sent before this device joined/)
      .first()
      .waitFor();
    // ...until the recovery key opens them from the backup.
    await settings(laptop);
    await laptop.getByLabel("Recovery key").fill(recovery.toLowerCase());
    await laptop.getByRole("button", { name: "Read earlier messages" }).click();
    await laptop.getByText("Your earlier messages are readable on this device.").waitFor();
    await laptop.keyboard.press("Escape");
    await bubbles(laptop, "Only we can read this").waitFor();
    await bubbles(laptop, "Cid agrees").waitFor();
    // Ben's safety number with Ana took in her new device.
    expect(await numberOn(ben, "ANA1")).not.toBe(numberBefore);
  });

  test("both sides see the same safety number for their pair", async () => {
    const seenByBen = await numberOn(ben, "ANA1");
    expect(seenByBen).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await numberOn(ana, "BEN")).toBe(seenByBen);
    expect(await numberOn(cid, "BEN")).not.toBe(seenByBen);
  });

  test("search finds words of encrypted messages on the device that read them, and opens the message", async () => {
    await ben.getByRole("button", { name: "Search messages" }).click();
    const dialog = ben.getByRole("dialog", { name: "Search messages" });
    await dialog.getByLabel("Words to find").fill("cid AGREES");
    const here = dialog.getByRole("list", { name: "Results in encrypted conversations" });
    await here.getByText("Cid agrees").waitFor();
    await dialog.getByText("Encrypted conversations are searched on this device").waitFor();
    // The server found nothing: it has no words of encrypted messages.
    expect(await dialog.getByRole("list", { name: "Search results" }).count()).toBe(0);
    await here.getByRole("button").first().click();
    // The conversation opens at that message and lights it up.
    await ben.locator(".flash", { hasText: "Cid agrees" }).waitFor();
  });

  test("a direct chat made encrypted from New chat: the lock shows on both sides and they read each other", async () => {
    await ana.getByRole("button", { name: "New chat" }).click();
    await ana
      .getByRole("dialog", { name: "New chat" })
      .getByRole("checkbox", { name: /End-to-end encrypted/ })
      .check();
    await ana.getByLabel("Who do you want to talk to?").fill("cid");
    await ana.getByRole("dialog", { name: "New chat" }).getByRole("button", { name: /CID/ }).click();
    await ana.getByRole("heading", { name: /CID/ }).getByLabel("End-to-end encrypted").waitFor();
    await ana.getByRole("textbox", { name: /Message/ }).fill("Just between us");
    await ana.keyboard.press("Enter");
    await cid.goto(s.url + "/");
    await cid.getByRole("link", { name: /ANA1/ }).getByLabel("End-to-end encrypted").waitFor();
    await cid.getByRole("link", { name: /ANA1/ }).click();
    await bubbles(cid, "Just between us").waitFor();
    if (process.env.PARLEY_SCREENSHOTS)
      await cid.screenshot({ path: `${process.env.PARLEY_SCREENSHOTS}/e2ee-phone.png` });
    // On a phone, the encryption screens fit: safety numbers and Settings › End-to-end encryption.
    const shot = (name: string) =>
      process.env.PARLEY_SCREENSHOTS && cid.screenshot({ path: `${process.env.PARLEY_SCREENSHOTS}/${name}.png` });
    expect(await horizontalOverflow(cid)).toEqual([]);
    await conversationMenu(cid, "Safety numbers");
    await cid.getByLabel("Safety number with ANA1").waitFor();
    expect(await horizontalOverflow(cid)).toEqual([]);
    await shot("e2ee-safety-phone");
    await cid.keyboard.press("Escape");
    await cid.getByRole("button", { name: "Back to conversations" }).click();
    await cid.getByRole("button", { name: "Account menu" }).click();
    await cid.getByRole("menuitem", { name: "Settings" }).click();
    await cid.getByText("End-to-end encryption").click();
    await cid.getByRole("list", { name: "Your devices" }).getByText("(this device)").waitFor();
    expect(await horizontalOverflow(cid)).toEqual([]);
    await shot("e2ee-settings-phone");
    await cid.keyboard.press("Escape");
  });

  test("offline, a reload shows the encrypted messages this browser read, and what is written waits sealed", async () => {
    await ben.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await ben.goto(s.url + "/");
    await ben.getByRole("link", { name: /Secret garden/ }).click();
    await bubbles(ben, "Cid agrees").waitFor();
    await ben.context().setOffline(true);
    await ben.reload();
    await bubbles(ben, "Cid agrees").waitFor();
    await bubbles(ben, "Only we can read this").waitFor();
    // Written while offline: it waits in the outbox, whose words are kept sealed, never plain in the browser.
    await ben.getByRole("textbox", { name: /Message/ }).fill("Written offline, sealed");
    await ben.keyboard.press("Enter");
    await ben.locator(".timeline li.pending", { hasText: "Written offline, sealed" }).waitFor();
    const outboxStore = () =>
      ben.evaluate(
        () =>
          new Promise<string>((resolve) => {
            const req = indexedDB.open("parley");
            req.onsuccess = () => {
              const all = req.result.transaction("outbox").objectStore("outbox").getAll();
              all.onsuccess = () => (resolve(JSON.stringify(all.result)), req.result.close());
            };
          }),
      );
    // The outbox keeps it once its sealed words are in the vault (written one after the other).
    let kept = "";
    await waitFor(async () => (kept = await outboxStore()).includes('"encrypted":true'), "the outbox to keep it");
    expect(kept).toContain('"encrypted":true');
    expect(kept).not.toContain("Written offline");
    await ben.reload();
    await ben.locator(".timeline li.pending", { hasText: "Written offline, sealed" }).waitFor();
    await ben.context().setOffline(false);
    await ben.locator(".banner.offline").waitFor({ state: "detached" });
    // The socket's failed attempts while offline are the browser's expected complaints, not the app's errors.
    await bubbles(ben, "Written offline, sealed").waitFor();
    const offline = errors.filter((e) => e.includes("ERR_INTERNET_DISCONNECTED"));
    errors.splice(0, errors.length, ...errors.filter((e) => !offline.includes(e)));
  });

  test("a member removed from the group receives nothing it can decrypt after the removal", async () => {
    const [anaP, benP, cidP] = people as [Person, Person, Person];
    const group = s.running.app.deps.store.db.$client
      .query<{ id: string }, []>("SELECT id FROM conversations WHERE title = 'Secret garden'")
      .get()!.id;
    // Everything Cid's browser receives from now on, on a fresh connection.
    const frames: string[] = [];
    cid.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
    await cid.goto(s.url + "/");
    await cid.getByRole("link", { name: /Secret garden/ }).click();
    await bubbles(cid, "Ben too").waitFor();
    expect((await api(anaP, "DELETE", `/conversations/${group}/members/${cidP.user.id}`)).status).toBe(204);
    await ana.getByRole("link", { name: /Secret garden/ }).click();
    await ben.getByRole("textbox", { name: /Message/ }).fill("After Cid left");
    await ben.keyboard.press("Enter");
    await bubbles(ana, "After Cid left").waitFor();
    const after = s.running.app.deps.store.db.$client
      .query<{ id: string; ciphertext: string }, []>("SELECT id, ciphertext FROM messages ORDER BY seq DESC LIMIT 1")
      .get()!;
    // A message to Cid sent after it: once it is in, anything of the group's would have been too.
    const dm = (await api(benP, "POST", "/conversations", { type: "direct", userId: cidP.user.id })).body.conversation
      .id;
    await api(benP, "POST", `/conversations/${dm}/messages`, { clientId: "sentinel", text: "sentinel for Cid" });
    await waitFor(() => frames.some((f) => f.includes("sentinel for Cid")), "the sentinel to reach Cid");
    expect(frames.some((f) => f.includes(after.id) || f.includes(after.ciphertext.slice(0, 40)))).toBe(false);
    // The removal Commit reached the others' devices; Cid's client saw at most that it was removed.
    expect(frames.some((f) => f.includes('"member.removed"'))).toBe(true);
  });

  test("signing out removes this browser's device and wipes its keys and what it read", async () => {
    const [, , cidP] = people as [Person, Person, Person];
    expect((await api(cidP, "GET", "/e2ee/devices")).body.devices).toHaveLength(1);
    const stored = () =>
      cid.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const req = indexedDB.open("parley");
            req.onsuccess = () => {
              const count = req.result.transaction("e2ee").objectStore("e2ee").count();
              count.onsuccess = () => (resolve(count.result), req.result.close());
            };
          }),
      );
    expect(await stored()).toBeGreaterThan(0);
    await cid.goto(s.url + "/");
    await cid.getByRole("button", { name: "Account menu" }).click();
    await cid.getByRole("menuitem", { name: "Sign out" }).click();
    await cid.waitForURL(/\/login$/);
    expect((await api(cidP, "GET", "/e2ee/devices")).body.devices).toEqual([]);
    expect(await stored()).toBe(0);
  });

  test("ran without script errors", () => {
    expect(errors).toEqual([]);
  });
});
