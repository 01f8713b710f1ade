// Threads in Chromium: "Reply in thread" opens the thread beside the conversation (a screen of its own on a
// phone), replies go there and not into the timeline, the first message says "N replies · last reply …"
// with who replied, replies from others arrive live and count as unread for me until I read the thread, my
// threads are listed per conversation, and a reply the server refuses says why.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ana: { token: string; user: { id: string } };
let ben: { token: string; user: { id: string } };
let group: string;
let root: { id: string };
const errors: string[] = [];

const say = async (text: string, extra: Record<string, unknown> = {}) =>
  (
    await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: ana.token,
      body: { clientId: crypto.randomUUID(), text, ...extra },
    })
  ).body.message;
const panel = () => page.getByRole("complementary", { name: "Thread" });
const timeline = () => page.getByRole("log", { name: "Messages" });
const bensSummary = async () =>
  (await s.call("GET", `/api/v1/conversations/${group}`, { token: ben.token })).body.conversation;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  group = await createGroup(s, ana.token, "Trail crew", [ben.user.id]);
  root = await say("Route for Saturday: ridge or valley?");
  await say("Also: who has the first-aid kit?");
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("threads in the web app", () => {
  test("Reply in thread opens it beside the conversation; my reply goes there, not into the timeline", async () => {
    await page.goto(`${s.url}/c/${group}`);
    const first = timeline().locator(`#m-${root.id}`);
    await first.hover();
    await first.getByRole("button", { name: "Reply in thread" }).click();
    await page.waitForURL(`${s.url}/c/${group}/thread/${root.id}`);
    await panel().getByText("Route for Saturday: ridge or valley?").waitFor();
    await panel().getByText("No replies yet").waitFor();
    const box = panel().getByRole("textbox", { name: "Reply in thread" });
    await box.fill("Ridge, if the weather holds");
    await box.press("Enter");
    await panel().locator(".message:not(.pending)").getByText("Ridge, if the weather holds").waitFor();
    // Stored as a reply in the thread; the timeline shows only the count under the first message.
    const thread = await s.call("GET", `/api/v1/conversations/${group}/threads/${root.id}`, { token: ana.token });
    expect(thread.body.messages.map((m: any) => m.text)).toEqual(["Ridge, if the weather holds"]);
    await first.getByRole("button", { name: /1 reply/ }).waitFor();
    expect(await timeline().getByText("Ridge, if the weather holds").count()).toBe(0);
    // The conversation's own composer is still its own.
    expect(await page.getByRole("textbox", { name: "Message" }).inputValue()).toBe("");
  });

  test("others' replies arrive live in the open thread and in the summary, with who replied", async () => {
    await say("Valley has the waterfall though", { threadRootId: root.id });
    await panel().getByText("Valley has the waterfall though").waitFor();
    const line = timeline()
      .locator(`#m-${root.id}`)
      .getByRole("button", { name: /2 replies/ });
    await line.waitFor();
    expect(await line.textContent()).toContain("Last reply just now");
    expect(await line.locator(".avatar").count()).toBe(2);
    // Read where it was written: nothing is unread for Ben.
    await waitFor(async () => (await bensSummary()).threadUnreadCount === 0, "the open thread read");
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "thread-desktop.png") });
  });

  test("a reply while the thread is closed is unread for me until I open the thread", async () => {
    await panel().getByRole("button", { name: "Close thread" }).click();
    await page.waitForURL(`${s.url}/c/${group}`);
    await say("Ridge it is. Bring layers.", { threadRootId: root.id });
    // Counted in the list, on the conversation's Threads button and on the message's thread line.
    await page.getByRole("link").getByLabel("1 unread in threads").waitFor();
    await page.getByRole("button", { name: "Threads, 1 unread" }).waitFor();
    await timeline().locator(`#m-${root.id} .thread-line.unread`).getByText("1 new").waitFor();
    expect((await bensSummary()).threadUnreadCount).toBe(1);
    // The conversation's own unread count is untouched by thread replies.
    expect((await bensSummary()).unreadCount).toBe(0);

    await page.getByRole("button", { name: "Threads, 1 unread" }).click();
    const list = page.getByRole("complementary", { name: "Threads" });
    await list.getByText("Route for Saturday: ridge or valley?").click();
    await panel().getByText("Ridge it is. Bring layers.").waitFor();
    await waitFor(async () => (await bensSummary()).threadUnreadCount === 0, "the thread read once opened");
    await page.getByRole("button", { name: "Threads", exact: true }).waitFor();
  });

  test("Follow and Following: stopping following keeps new replies from counting", async () => {
    const follow = panel().getByRole("button", { name: "Following" });
    await follow.click();
    await panel().getByRole("button", { name: "Follow", exact: true }).waitFor();
    await panel().getByRole("button", { name: "Close thread" }).click();
    await say("Forecast says sun", { threadRootId: root.id });
    // The reply is told to the conversation (a sentinel after it: a message in the timeline).
    await say("sentinel after the reply");
    await timeline().getByText("sentinel after the reply").waitFor();
    expect((await bensSummary()).threadUnreadCount).toBe(0);
    await timeline()
      .locator(`#m-${root.id}`)
      .getByRole("button", { name: /4 replies/ })
      .click();
    await panel().getByRole("button", { name: "Follow", exact: true }).click();
    await panel().getByRole("button", { name: "Following" }).waitFor();
  });

  test("on a phone the thread is a screen of its own, and back returns to the conversation", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.url}/c/${group}/thread/${root.id}`);
    await panel().getByText("Forecast says sun").waitFor();
    const box = (await panel().boundingBox())!;
    expect([Math.round(box.x), Math.round(box.width)]).toEqual([0, 390]);
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "thread-phone.png") });
    await panel().getByRole("button", { name: "Back to the conversation" }).click();
    await page.waitForURL(`${s.url}/c/${group}`);
    await timeline().getByText("Route for Saturday: ridge or valley?").waitFor();
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  test("a reply to a thread whose first message was deleted meanwhile is refused, and says why", async () => {
    const doomed = await say("Carpool sign-up here");
    await page.goto(`${s.url}/c/${group}/thread/${doomed.id}`);
    await panel().getByText("No replies yet").waitFor();
    await s.call("DELETE", `/api/v1/conversations/${group}/messages/${doomed.id}`, { token: ana.token });
    await panel().getByText("This message was deleted.").waitFor();
    const box = panel().getByRole("textbox", { name: "Reply in thread" });
    await box.fill("I can take three");
    await box.press("Enter");
    await panel()
      .getByRole("alert")
      .getByText(/Not sent: That message was deleted/)
      .waitFor();
    await panel().getByRole("button", { name: "Discard" }).click();
    const thread = await s.call("GET", `/api/v1/conversations/${group}/threads/${doomed.id}`, { token: ana.token });
    expect(thread.body.messages).toEqual([]);
    expect(errors).toEqual([]);
  });
});
