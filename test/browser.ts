// Real headless Chromium (Debian's package) driven by playwright-core.
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { tempDir } from "./harness.ts";

const executablePath = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** One browser profile: one person signed in. */
export async function openBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir("parley-chromium-"), { executablePath, headless: true, args, viewport: { width: 1000, height: 760 } });
}

/** A browser for several people at once: each `newContext()` is a separate profile (cookies, storage). */
export async function launchBrowser(): Promise<Browser> {
  // Playwright gives every launch a fresh temporary profile of its own.
  return chromium.launch({ executablePath, headless: true, args });
}

/** Where screenshots go, for a person to look at (PARLEY_SCREENSHOTS=dir). */
export const screenshotDir = process.env.PARLEY_SCREENSHOTS;
