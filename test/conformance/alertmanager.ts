/**
 * Alertmanager conformance runner: checks the upstream config and amtool fixtures in
 * `/work/shared/conformance/alertmanager/` (or the folders given as arguments) against the
 * expectations tabulated in that folder's README.md:
 *
 * - `config/`: every "loads OK" file loads; every "must fail" file is refused, and where the README
 *   quotes the error, Lookout's message contains it (for `yaml: unmarshal errors: line N: …` the
 *   reported line must be N too).
 * - `cli/`: `conf.good.yml` loads, `conf.bad.yml` is refused, and the routing bullets give exactly
 *   the listed receivers in order.
 *
 * Prints one line per case and, last, `N passed, N failed, N skipped`. Exit code 1 on failures.
 * Usage: `npx tsx test/conformance/alertmanager.ts [DIR...]`
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadAlertmanagerConfig, matchRoutes } from '../../src/config/alertmanager.js';
import { parseMatchers } from '../../src/alertmanager/matcher.js';
import { SHARED } from '../support/shared.js';

/** Default corpus location. */
export const DEFAULT_DIR = `${SHARED}/conformance/alertmanager`;

/** Cases skipped on purpose, by `folder/file`, with the reason (none at present). */
export const SKIPS: Record<string, string> = {};

/** Outcome of one case. */
export interface CaseResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

interface Expectation {
  file: string;
  ok: boolean;
  error: string;
}

function parseTable(readme: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of readme.split('\n')) {
    const m = /^\| `([^`]+\.yml)` \| (loads OK|\*\*must fail\*\*) \|[^|]*\|(.*)\|\s*$/.exec(line);
    if (m) out.push({ file: m[1]!, ok: m[2] === 'loads OK', error: m[3]!.trim() });
  }
  return out;
}

function checkError(expected: string, err: ConfigError): string | null {
  if (expected === '') return null;
  const yamlErr = /^`yaml: unmarshal errors: ⏎\s+line (\d+): (.*)`$/.exec(expected);
  if (yamlErr) {
    if (err.line !== Number(yamlErr[1])) return `expected line ${yamlErr[1]}, got ${err.line}`;
    return err.message.includes(yamlErr[2]!) ? null : `expected ${JSON.stringify(yamlErr[2])} in ${JSON.stringify(err.message)}`;
  }
  const contains = /^error contains `([^`]+)`$/.exec(expected);
  const quoted = /^["`](.*)["`]$/.exec(expected);
  const want = contains ? contains[1]! : quoted ? quoted[1]! : expected;
  return err.message.includes(want) ? null : `expected ${JSON.stringify(want)} in ${JSON.stringify(err.message)}`;
}

function loadCase(name: string, path: string, ok: boolean, expectedError: string): CaseResult {
  if (SKIPS[name]) return { name, status: 'skip', detail: SKIPS[name]! };
  try {
    loadAlertmanagerConfig(path);
    return ok ? { name, status: 'pass', detail: 'loads' } : { name, status: 'fail', detail: 'loaded, but must fail' };
  } catch (e) {
    if (!(e instanceof ConfigError)) return { name, status: 'fail', detail: `crashed: ${String(e)}` };
    if (ok) return { name, status: 'fail', detail: `refused: ${e.message}` };
    const problem = checkError(expectedError, e);
    return problem ? { name, status: 'fail', detail: problem } : { name, status: 'pass', detail: `refused: ${e.message}` };
  }
}

function labelsOf(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of parseMatchers(spec)) out[m.name] = m.value;
  return out;
}

/** Runs all cases of one corpus folder (holding `README.md`, `config/`, `cli/`). */
export function runConformance(dir: string): CaseResult[] {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const results: CaseResult[] = [];
  for (const exp of parseTable(readme)) {
    results.push(loadCase(`config/${exp.file}`, join(dir, 'config', exp.file), exp.ok, exp.error));
  }
  const cli = join(dir, 'cli');
  if (existsSync(cli)) {
    results.push(loadCase('cli/conf.good.yml', join(cli, 'conf.good.yml'), true, ''));
    results.push(loadCase('cli/conf.bad.yml', join(cli, 'conf.bad.yml'), false, ''));
    const bullet = /^\s*\* `([^`]+)`, alert `(\{[^`]*\})` → (.+)$/;
    for (const line of readme.split('\n')) {
      const m = bullet.exec(line);
      if (!m) continue;
      const want = [...m[3]!.replace(/\(.*\)/, '').matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
      const name = `cli/${m[1]} ${m[2]}`;
      try {
        const got = matchRoutes(loadAlertmanagerConfig(join(cli, m[1]!)), labelsOf(m[2]!));
        const same = got.length === want.length && got.every((r, i) => r === want[i]);
        results.push({ name, status: same ? 'pass' : 'fail', detail: `got ${got.join(',')}, want ${want.join(',')}` });
      } catch (e) {
        results.push({ name, status: 'fail', detail: `error: ${String(e)}` });
      }
    }
  }
  return results;
}

function main(dirs: string[]): number {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const dir of dirs.length ? dirs : [DEFAULT_DIR]) {
    for (const r of runConformance(dir)) {
      console.log(`${r.status.toUpperCase().padEnd(4)} ${r.name}: ${r.detail}`);
      if (r.status === 'pass') passed++;
      else if (r.status === 'fail') failed++;
      else skipped++;
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
