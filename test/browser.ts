import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

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
