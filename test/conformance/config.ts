/**
 * prometheus.yml loader conformance runner: upstream's loader cases must load (`*.good.yml`) or be
 * refused with a located `ConfigError` (`*.bad.yml`).
 *
 * Run: `npx tsx test/conformance/config.ts [DIR...]` (default `../shared/conformance/prometheus-config`
 * beside the repository). Good cases that use service discovery Lookout validates but does not run
 * (kubernetes, consul, …) load, count as passed, and are listed separately: `lookout check config`
 * and the server refuse them as "not supported". Prints every failure, that list, and last
 * `N passed, N failed`; exits 1 when a case failed or a folder does not exist.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPrometheusConfig } from '../../src/config/prometheus.js';
import { ConfigError } from '../../src/config/yaml.js';
import { unsupportedDiscovery } from '../../src/scrape/unsupported.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The shared corpus folder read when no argument is given. */
export const DEFAULT_DIR = join(ROOT, '..', 'shared', 'conformance', 'prometheus-config');

/** Outcome of one case file. */
export interface ConfigCaseOutcome {
  file: string;
  expect: 'load' | 'refuse';
  passed: boolean;
  /** Why it failed, or the refusal message of a bad case. */
  message?: string;
  /** For good cases: uses of discovery mechanisms Lookout does not run. */
  unsupported: string[];
}

/**
 * Runs one case file: `*.good.yml` must load, `*.bad.yml` must throw a `ConfigError` with a line.
 * Upstream's tests expand `${TEST}` to `TestValue` in one case; the caller sets that variable.
 */
export function runConfigCase(path: string): ConfigCaseOutcome {
  const file = path.slice(path.lastIndexOf('/') + 1);
  const expect = file.endsWith('.bad.yml') ? 'refuse' : 'load';
  try {
    const cfg = loadPrometheusConfig(path);
    if (expect === 'refuse') return { file, expect, passed: false, message: 'loaded, but must be refused', unsupported: [] };
    return { file, expect, passed: true, unsupported: unsupportedDiscovery(cfg) };
  } catch (e) {
    if (!(e instanceof ConfigError)) return { file, expect, passed: false, message: `not a ConfigError: ${String(e)}`, unsupported: [] };
    if (expect === 'load') return { file, expect, passed: false, message: e.message, unsupported: [] };
    if (e.line <= 0) return { file, expect, passed: false, message: `refused without a line: ${e.message}`, unsupported: [] };
    return { file, expect, passed: true, message: e.message, unsupported: [] };
  }
}

/**
 * Every `*.good.yml` and `*.bad.yml` case of a folder, in name order.
 * @throws {Error} when the folder does not exist
 */
export function runConfigDir(dir: string): ConfigCaseOutcome[] {
  if (!existsSync(dir)) throw new Error(`${dir}: no such file or directory`);
  const saved = process.env.TEST;
  process.env.TEST = 'TestValue';
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.good.yml') || f.endsWith('.bad.yml'))
      .sort()
      .map((f) => runConfigCase(join(dir, f)));
  } finally {
    if (saved === undefined) delete process.env.TEST;
    else process.env.TEST = saved;
  }
}

function main(args: string[]): number {
  const dirs = args.length > 0 ? args.map((a) => resolve(a)) : [DEFAULT_DIR];
  let passed = 0;
  let failed = 0;
  let missing = false;
  const unsupported: string[] = [];
  for (const dir of dirs) {
    let outcomes: ConfigCaseOutcome[];
    try {
      outcomes = runConfigDir(dir);
    } catch (e) {
      console.log(`ERROR ${(e as Error).message}`);
      missing = true;
      continue;
    }
    for (const o of outcomes) {
      if (o.passed) passed++;
      else {
        failed++;
        console.log(`FAIL ${o.file} (must ${o.expect}): ${o.message}`);
      }
      if (o.unsupported.length > 0) unsupported.push(`  ${o.file}: ${o.unsupported.join(', ')}`);
    }
  }
  if (unsupported.length > 0) {
    console.log(`${unsupported.length} good cases load but use service discovery Lookout does not run ("not supported" for check config and the server):`);
    for (const line of unsupported) console.log(line);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || missing ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
