/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (which
 * cannot download browsers here). `hasChromium` is false when it is not installed, so the tests
 * skip locally; in CI (LOOKOUT_REQUIRE_INTEROP=1) `haveProgram` fails instead.
 */
import { chromium, type Browser } from 'playwright-core';
import { haveProgram } from './processes.js';

/** Debian's Chromium binary. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed (see `haveProgram`). */
export const hasChromium = haveProgram(CHROMIUM);

/** Launches headless Chromium without sandbox, GPU or background network traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
