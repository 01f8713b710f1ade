// Real headless Chromium (Debian's package) driven by playwright-core.
import { chromium, type BrowserContext } from "playwright-core";
import { tempDir } from "./harness.ts";

export async function openBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir("parley-chromium-"), {
    executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1000, height: 760 },
  });
}

/** Where screenshots go, for a person to look at (PARLEY_SCREENSHOTS=dir). */
export const screenshotDir = process.env.PARLEY_SCREENSHOTS;
