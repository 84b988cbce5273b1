/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (which
 * cannot download browsers here). `hasChromium` is false when it is not installed, so the tests
 * skip locally; in CI (LOOKOUT_REQUIRE_INTEROP=1) `haveProgram` fails instead.
 */
import { chromium, type Browser } from 'playwright-core';
import { getJson, haveProgram, waitFor } from './processes.js';

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

/**
 * `prometheus.yml` text for a UI test server on `port`: 1 s scrape and evaluation intervals, the
 * server scraping itself (job `lookout`) and a target that is always down (job `broken`,
 * 127.0.0.1:1). `ruleFiles` become `rule_files`; `extraJobs` (YAML list items) are appended.
 */
export function selfScrapeConfig(port: number, opts: { ruleFiles?: string[]; extraJobs?: string } = {}): string {
  const rules = opts.ruleFiles ? `rule_files: [${opts.ruleFiles.join(', ')}]\n` : '';
  return `global: { scrape_interval: 1s, evaluation_interval: 1s }
${rules}scrape_configs:
  - job_name: lookout
    static_configs: [ { targets: ['127.0.0.1:${port}'] } ]
  - job_name: broken
    static_configs: [ { targets: ['127.0.0.1:1'] } ]
${opts.extraJobs ?? ''}`;
}

/** Waits (up to 30 s) until the server at `base` is ready and has scraped `job` `count` times in the last minute. */
export async function waitForScrapes(base: string, job: string, count: number): Promise<void> {
  await waitFor('lookout ready', 30_000, async () => (await fetch(`${base}/-/ready`)).ok);
  await waitFor(`${count} scrapes of ${job}`, 30_000, async () => {
    const r = await getJson(`${base}/api/v1/query?query=count_over_time(up{job="${job}"}[1m])`);
    return Number(r.data?.result?.[0]?.value?.[1] ?? 0) >= count;
  });
}
