import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";

/** Debian's Chromium (CI installs it with apt: no browser download). */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium for the browser tests, with the flags this machine needs; `extra` adds more. */
export async function launchChromium(extra: string[] = []): Promise<Browser> {
  // CI may still be installing Chromium when the first browser test starts: wait for it (bounded).
  for (let i = 0; i < 120 && !existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000));
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extra,
    ],
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's serious and critical violations on the page as it is. Evaluated by the test's own channel, not
 * as a page script: the console's CSP stays as it is in production.
 */
export async function axe(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: {
        run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const { violations } = await axe.run();
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
}

/** The page fits its viewport's width: nothing scrolls sideways (checked at 375 px for phones). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** The console's screen has finished loading: no "Loading" status left in its main region. */
export async function settled(page: Page): Promise<void> {
  await expect
    .poll(() => page.locator("main [role=status]:has-text('Loading')").count(), { timeout: 10_000 })
    .toBe(0);
}
