/**
 * A real headless Chromium for the console's end-to-end tests (issue 9):
 * Debian's `chromium` driven by playwright-core (Playwright cannot download
 * its own browsers here; STACK.md). Without a Chromium the tests are skipped
 * with the reason, except where CI_REQUIRE_BROWSER is set (.ci/run sets it
 * and installs chromium), where that is a failure.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Where screenshots go: test artefacts, looked at by people, not compared by the tests. */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export function findChromium(): { path: string } | { reason: string } {
  const path = CANDIDATES.find((p) => p !== undefined && p !== '' && existsSync(p));
  if (path !== undefined) return { path };
  const reason = 'no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)';
  if (process.env['CI_REQUIRE_BROWSER']) throw new Error(`CI_REQUIRE_BROWSER is set but ${reason}`);
  return { reason: `${reason} — set CI_REQUIRE_BROWSER=1 to make this a failure` };
}

export async function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({
    executablePath: path,
    // No sandbox: tests may run as root in CI containers, where Chromium's sandbox cannot start.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    headless: true,
  });
}

/** A full-page screenshot named after the page and language, for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}
