// Real headless Chromium (Debian's package) driven by playwright-core.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
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

/** A browser for several people at once: each `newContext()` is a separate profile (cookies, storage). */
export async function launchBrowser(): Promise<Browser> {
  // Playwright gives every launch a fresh temporary profile of its own.
  return chromium.launch({ executablePath, headless: true, args });
}

/** Where screenshots go, for a person to look at (PARLEY_SCREENSHOTS=dir). */
export const screenshotDir = process.env.PARLEY_SCREENSHOTS;

/**
 * Collects what a page reports as broken (script errors, CSP violations) into `errors`, and accepts
 * confirm() dialogs. Failed resource loads are left out: refused requests are answers the app handles.
 */
export function watchPage(page: Page, errors: string[], who = ""): void {
  const tag = who ? `${who}: ` : "";
  page.on("pageerror", (e) => errors.push(tag + e.message));
  page.on(
    "console",
    (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(tag + m.text()),
  );
  page.on("dialog", (d) => void d.accept());
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
