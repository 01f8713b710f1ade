// Renders web/public/icon.svg into the PNG icons the web app manifest needs (installable PWA), with
// Chromium. Run by hand after changing the icon; the PNGs are committed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const pub = join(import.meta.dir, "..", "web", "public");
const svg = readFileSync(join(pub, "icon.svg"), "utf8");
const browser = await chromium.launch({
  executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage();
// "maskable": the platform may crop to a circle, so the artwork keeps to the middle 80% on a full bleed.
const variants = [
  { name: "icon-192.png", size: 192, pad: 0 },
  { name: "icon-512.png", size: 512, pad: 0 },
  { name: "icon-maskable-512.png", size: 512, pad: 0.12 },
  { name: "apple-touch-icon.png", size: 180, pad: 0 },
];
for (const v of variants) {
  const inner = Math.round(v.size * (1 - 2 * v.pad));
  const body = v.pad
    ? `<div style="width:${v.size}px;height:${v.size}px;background:#3a5ccc;display:flex;align-items:center;justify-content:center">${svg.replace("<svg ", `<svg width="${inner}" height="${inner}" `)}</div>`
    : svg.replace("<svg ", `<svg width="${v.size}" height="${v.size}" `);
  await page.setViewportSize({ width: v.size, height: v.size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${body}</body></html>`);
  await page.screenshot({
    path: join(pub, v.name),
    omitBackground: true,
    clip: { x: 0, y: 0, width: v.size, height: v.size },
  });
  console.log(`wrote web/public/${v.name}`);
}
await browser.close();
