// Real headless Chromium (Debian's package) driven by playwright-core.
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { tempDir } from "./harness.ts";

const executablePath = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One browser profile: one person signed in. */
export async function openBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir("parley-chromium-"), {
    executablePath,
    headless: true,
    args,
    viewport: { width: 1000, height: 760 },
  });
}

/**
 * A browser for several people at once: each `newContext()` is a separate profile (cookies, storage). With
 * `media`, cameras and microphones are Chromium's fake devices (a test pattern and a tone), allowed without a
 * prompt, for calls.
 */
export async function launchBrowser(
  opts: {
    media?: boolean;
    /** A home folder of its own: its NSS database (~/.pki/nssdb) is the certificates the browser trusts. */
    home?: string;
    /** Names to reach on this machine, e.g. "parley.test" for 127.0.0.1 (Chromium's --host-resolver-rules). */
    names?: string[];
  } = {},
): Promise<Browser> {
  // Loopback candidates too: calls between two pages of one test connect over 127.0.0.1 (see onlyLoopbackIce).
  const media = opts.media
    ? ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection"]
    : [];
  const names = opts.names ? [`--host-resolver-rules=${opts.names.map((n) => `MAP ${n} 127.0.0.1`).join(",")}`] : [];
  // Playwright gives every launch a fresh temporary profile of its own.
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...args, ...media, ...names],
    ...(opts.home ? { env: { ...process.env, HOME: opts.home } } : {}),
  });
}

/** A home folder whose NSS database trusts exactly one certificate authority (PEM file), for launchBrowser. */
export function homeTrusting(authorityFile: string): string {
  const home = tempDir("parley-home-");
  const db = `sql:${home}/.pki/nssdb`;
  mkdirSync(`${home}/.pki/nssdb`, { recursive: true });
  for (const step of [
    ["certutil", "-d", db, "-N", "--empty-password"],
    ["certutil", "-d", db, "-A", "-t", "C,,", "-n", "parley", "-i", authorityFile],
  ]) {
    const r = Bun.spawnSync(step, { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${step.join(" ")}: ${r.stderr.toString()}`);
  }
  return home;
}

/** Where screenshots go, for a person to look at (PARLEY_SCREENSHOTS=dir). */
export const screenshotDir = process.env.PARLEY_SCREENSHOTS;

/**
 * Collects what a page reports as broken (script errors, CSP violations, and any dialog of the browser's own:
 * the app asks in its own dialogs) into `errors`. Failed resource loads are left out: refused requests are
 * answers the app handles.
 */
export function watchPage(page: Page, errors: string[], who = ""): void {
  const tag = who ? `${who}: ` : "";
  page.on("pageerror", (e) => errors.push(tag + e.message));
  page.on(
    "console",
    (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(tag + m.text()),
  );
  page.on("dialog", (d) => (errors.push(`${tag}a browser dialog: ${d.message()}`), void d.dismiss()));
}

/** Signs in through the login screen, as a person would (their password is `<username>-password`). */
export async function signInPage(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(baseUrl + "/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`${username}-password`);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** A fresh browser profile with one person signed in, on their conversation list. */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  username: string,
  errors: string[],
): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
  watchPage(page, errors, username);
  await signInPage(page, baseUrl, username);
  await page.waitForURL(baseUrl + "/");
  return page;
}

/**
 * What sticks out sideways on the page as it is now: the page itself scrolling sideways, any element whose box
 * leaves the viewport, and any box that scrolls sideways inside (code blocks excepted). Content clipped by an
 * ancestor that hides overflow (an ellipsis) is not counted: its box is, and it is inside. Empty when all fits.
 */
export function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const found: string[] = [];
    const name = (el: Element) =>
      el.tagName.toLowerCase() +
      (el.id ? `#${el.id}` : "") +
      [...el.classList].map((c) => `.${c}`).join("") +
      (el.getAttribute("aria-label") ? `[${el.getAttribute("aria-label")}]` : "") +
      (el.textContent ? ` "${el.textContent.trim().slice(0, 30)}"` : "");
    if (document.documentElement.scrollWidth > vw)
      found.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${vw} px viewport`);
    const clippedOrCode = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (a.tagName === "PRE") return true;
        const o = getComputedStyle(a).overflowX;
        if (o === "hidden" || o === "clip") return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const style = getComputedStyle(el);
      if (el.classList.contains("visually-hidden") || clippedOrCode(el)) continue;
      if (r.right > vw + 0.5 || r.left < -0.5)
        found.push(`${name(el)} spans ${Math.round(r.left)}–${Math.round(r.right)} px of ${vw}`);
      const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
      if (scrolls && el.tagName !== "PRE" && el.scrollWidth > el.clientWidth + 1)
        found.push(`${name(el)} scrolls sideways (${el.scrollWidth} px in ${el.clientWidth})`);
    }
    return found;
  });
}

/**
 * A link the web app made for someone else, opened on the test's own server instead: without a public URL the
 * app names the machine's network address in such links, and tests reach only loopback.
 */
export function onTestServer(link: string, baseUrl: string): string {
  const u = new URL(link);
  return baseUrl + u.pathname + u.search;
}

/** Picks an item of the open conversation's menu (group info, mute, notifications, mark as unread). */
export async function conversationMenu(page: Page, item: string): Promise<void> {
  await page.getByRole("button", { name: "Conversation menu" }).click();
  await page.getByRole("menuitem", { name: item }).click();
}

/** Answers the app's own "are you sure?" dialog with its action button (see web/src/ui/confirm.tsx). */
export async function confirmIn(page: Page, action: string): Promise<void> {
  await page
    .getByRole("dialog")
    .filter({ has: page.getByRole("button", { name: "Cancel" }) })
    .getByRole("button", { name: action, exact: true })
    .click();
}

/**
 * For a page's init script: ICE candidates from the other side are used only when they are loopback
 * addresses, so a call between two test pages never goes over this machine's other interfaces.
 */
export function onlyLoopbackIce(): void {
  const add = RTCPeerConnection.prototype.addIceCandidate as (c?: RTCIceCandidateInit | null) => Promise<void>;
  RTCPeerConnection.prototype.addIceCandidate = function (this: RTCPeerConnection, c?: RTCIceCandidateInit | null) {
    const address = c?.candidate?.split(" ")[4];
    if (address && address !== "127.0.0.1" && address !== "::1") return Promise.resolve();
    return add.call(this, c);
  } as RTCPeerConnection["addIceCandidate"];
}

/**
 * A signed-in page of its own browser profile for calls: `setup` runs in the page before the app (keeping
 * or shaping its RTCPeerConnections), and only loopback ICE candidates are used (onlyLoopbackIce).
 */
export async function openForCalls(
  browser: Browser,
  baseUrl: string,
  username: string,
  errors: string[],
  opts: { setup: () => void; viewport?: { width: number; height: number } },
): Promise<Page> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1000, height: 760 } });
  await context.addInitScript(opts.setup);
  await context.addInitScript(onlyLoopbackIce);
  const page = await context.newPage();
  watchPage(page, errors, username);
  await signInPage(page, baseUrl, username);
  await page.waitForURL(baseUrl + "/");
  return page;
}

/**
 * A DevTools virtual authenticator on the page, standing in for a phone's or laptop's platform passkeys
 * (resident keys, user verification, presence answered by itself); `prf` adds WebAuthn's PRF extension.
 */
export async function virtualAuthenticator(
  page: Page,
  opts: { prf?: boolean } = {},
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...(opts.prf ? { hasPrf: true } : {}),
    },
  });
  return { cdp, authenticatorId };
}

/**
 * The page's service worker registration for `origin`, once a version of it is activated (a push delivered
 * to one not yet activated can be dropped without a word), and a DevTools session to deliver pushes with
 * (ServiceWorker.deliverPushMessage).
 */
export async function activatedServiceWorker(
  page: Page,
  origin: string,
): Promise<{ cdp: CDPSession; registrationId: string }> {
  const cdp = await page.context().newCDPSession(page);
  const registered = Promise.withResolvers<string>();
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e: any) => {
    const r = e.registrations.find((x: any) => x.scopeURL.startsWith(origin) && !x.isDeleted);
    if (r) registered.resolve(r.registrationId);
  });
  const activated = new Set<string>();
  const activation = Promise.withResolvers<void>();
  let registrationId = "";
  cdp.on("ServiceWorker.workerVersionUpdated", (e: any) => {
    for (const v of e.versions) if (v.status === "activated") activated.add(v.registrationId);
    if (registrationId && activated.has(registrationId)) activation.resolve();
  });
  await cdp.send("ServiceWorker.enable");
  registrationId = await registered.promise;
  if (activated.has(registrationId)) activation.resolve();
  await activation.promise;
  return { cdp, registrationId };
}

/** The notifications the page's service worker shows now. */
export function shownNotifications(page: Page): Promise<{ title: string; body: string; tag: string; url: string }[]> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
  });
}
