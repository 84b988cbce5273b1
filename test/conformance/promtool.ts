/**
 * promtool unit-test conformance runner: runs every rule unit-test file of
 * `../shared/conformance/promtool/` (or the folder given as argument) through Lookout's
 * `test rules` implementation and checks the outcome its README tabulates (Prometheus 3.x
 * semantics: the `@` modifier and negative offsets always on, `start_timestamp`, `fuzzy_compare`,
 * `--run`, `--ignore-unknown-fields`).
 *
 * The README's table is prose, so the cases are listed here ({@link CASES}); the runner fails when
 * the table names a unit-test file that has no case here, or the folder holds a unit-test file
 * (a YAML file with a top-level `tests:`) that the table does not list.
 *
 * Native-histogram checks (expected `histogram:` samples) cannot run: Lookout stores float samples
 * only. `unittest.yml` is therefore two cases: its float checks (must pass) and its histogram checks
 * (skipped). Variants with the `@` modifier or negative offsets *disabled* are skipped: like
 * promtool 3.x's command line, Lookout always enables them.
 *
 * With `/usr/bin/promtool` (2.42) installed, each case also runs through it and its exit code is
 * printed beside Lookout's; where 2.42 and the 3.x expectation differ the README's 3.x expectation
 * is what counts, and {@link PROMTOOL_242_DIFFERS} says why.
 *
 * Prints one line per case and, last, `N passed, N failed, N skipped`; exit code 1 on failures.
 * Usage: `npx tsx test/conformance/promtool.ts [DIR]`
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filePassed, fileErrors, runUnitTestFile } from '../../src/rules/unittest/run.js';
import { SHARED } from '../support/shared.js';
import { printResults } from './report.js';

/** Default corpus location. */
export const DEFAULT_DIR = `${SHARED}/conformance/promtool`;

/** Real promtool, when installed. */
export const PROMTOOL = '/usr/bin/promtool';

/** One run of a unit-test file with its expected outcome. */
export interface PromtoolCase {
  /** Case name: the file plus the variant. */
  name: string;
  file: string;
  run?: string[];
  ignoreUnknownFields?: boolean;
  /** Expected outcome (3.x): `pass` = exit code 0. */
  expect: 'pass' | 'fail';
  /** Which checks count: all (default), float checks only, or native-histogram checks only. */
  only?: 'float' | 'histogram';
  /** Set for cases not run, with the reason. */
  skip?: string;
}

const DISABLED_FEATURES = 'Lookout (like promtool 3.x on the command line) always enables the @ modifier and negative offsets';
const HISTOGRAMS = 'native histograms: Lookout stores float samples only';

/** The cases of the README's table, in its order. */
export const CASES: PromtoolCase[] = [
  { name: 'unittest.yml (float checks)', file: 'unittest.yml', expect: 'pass', only: 'float' },
  { name: 'unittest.yml (native-histogram checks)', file: 'unittest.yml', expect: 'pass', only: 'histogram', skip: HISTOGRAMS },
  { name: 'long-period.yml', file: 'long-period.yml', expect: 'pass' },
  { name: 'start-time-test.yml', file: 'start-time-test.yml', expect: 'pass' },
  { name: 'no-test-group-interval.yml', file: 'no-test-group-interval.yml', expect: 'pass' },
  { name: 'at-modifier-test.yml (@ enabled)', file: 'at-modifier-test.yml', expect: 'pass' },
  { name: 'at-modifier-test.yml (@ disabled)', file: 'at-modifier-test.yml', expect: 'fail', skip: DISABLED_FEATURES },
  { name: 'negative-offset-test.yml (negative offsets enabled)', file: 'negative-offset-test.yml', expect: 'pass' },
  { name: 'negative-offset-test.yml (negative offsets disabled)', file: 'negative-offset-test.yml', expect: 'fail', skip: DISABLED_FEATURES },
  { name: 'bad-input-series.yml', file: 'bad-input-series.yml', expect: 'fail' },
  { name: 'bad-promql.yml', file: 'bad-promql.yml', expect: 'fail' },
  { name: 'bad-rules-syntax-test.yml', file: 'bad-rules-syntax-test.yml', expect: 'fail' },
  { name: 'bad-rules-error-test.yml', file: 'bad-rules-error-test.yml', expect: 'fail' },
  { name: 'failing.yml', file: 'failing.yml', expect: 'fail' },
  { name: 'rules_run.yml (all groups)', file: 'rules_run.yml', expect: 'fail' },
  { name: 'rules_run.yml --run correct', file: 'rules_run.yml', run: ['correct'], expect: 'pass' },
  { name: 'rules_run.yml --run wrong', file: 'rules_run.yml', run: ['wrong'], expect: 'fail' },
  { name: 'rules_run.yml --run correct --run wrong', file: 'rules_run.yml', run: ['correct', 'wrong'], expect: 'fail' },
  { name: 'rules_run_extrafields.yml --ignore-unknown-fields', file: 'rules_run_extrafields.yml', ignoreUnknownFields: true, expect: 'pass' },
  { name: 'rules_run_extrafields.yml (strict)', file: 'rules_run_extrafields.yml', expect: 'fail' },
  { name: 'rules_run_no_fuzzy.yml', file: 'rules_run_no_fuzzy.yml', expect: 'fail' },
  { name: 'rules_run_fuzzy.yml --run correct', file: 'rules_run_fuzzy.yml', run: ['correct'], expect: 'pass' },
  { name: 'rules_run_fuzzy.yml --run wrong', file: 'rules_run_fuzzy.yml', run: ['wrong'], expect: 'fail' },
];

/** Cases where promtool 2.42 exits differently from the README's 3.x expectation, and why. */
export const PROMTOOL_242_DIFFERS: Record<string, string> = {
  'unittest.yml (float checks)': '2.42 does not know the `histogram` field of exp_samples',
  'start-time-test.yml': '2.42 does not know `start_timestamp`',
  'no-test-group-interval.yml': '2.42 does not load the input series at 1m when the test group has no interval',
  'rules_run.yml --run correct': '2.42 has no --run flag',
  'rules_run_extrafields.yml --ignore-unknown-fields': '2.42 has no --ignore-unknown-fields flag',
  'rules_run_fuzzy.yml --run correct': '2.42 does not know `fuzzy_compare`',
};

/** Outcome of one case. */
export interface PromtoolResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  detail: string;
  /** Exit code of promtool 2.42 for the same run, when it is installed and the case ran. */
  promtool242?: number;
}

/** Unit-test files the README's table lists (first column). */
export function tabulatedFiles(dir: string): string[] {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const line of readme.split('\n')) {
    const m = /^\| `([^`]+\.yml)` \|/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** Files of the folder that are rule unit-test files (YAML with a top-level `tests:` key). */
export function unitTestFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .filter((f) => /^tests:/m.test(readFileSync(join(dir, f), 'utf8')))
    .sort();
}

function promtool242(dir: string, c: PromtoolCase): number | undefined {
  if (!existsSync(PROMTOOL)) return undefined;
  const args = ['test', 'rules', ...(c.run ?? []).map((r) => `--run=${r}`), ...(c.ignoreUnknownFields ? ['--ignore-unknown-fields'] : []), c.file];
  const r = spawnSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return r.status ?? -1;
}

/** Runs one case. */
export function runCase(dir: string, c: PromtoolCase, withPromtool = true): PromtoolResult {
  if (c.skip) return { name: c.name, status: 'skipped', detail: c.skip };
  const r = runUnitTestFile(join(dir, c.file), {
    run: c.run,
    ignoreUnknownFields: c.ignoreUnknownFields,
    nativeHistograms: 'skip',
  });
  const skipped = r.groups.flatMap((g) => g.skipped);
  const got = filePassed(r) ? 'pass' : 'fail';
  const errors = fileErrors(r);
  const first = errors[0] ? `; first failure: ${errors[0].trim().split('\n')[0]}` : '';
  const extra = skipped.length > 0 ? `; ${skipped.length} native-histogram checks not run` : '';
  const result: PromtoolResult = {
    name: c.name,
    status: got === c.expect ? 'passed' : 'failed',
    detail: `expected ${c.expect}, got ${got}${extra}${first}`,
  };
  if (withPromtool) result.promtool242 = promtool242(dir, c);
  return result;
}

/** Runs every case of the corpus, and the coverage checks of the table against the folder. */
export function runConformance(dir: string = DEFAULT_DIR, withPromtool = true): PromtoolResult[] {
  const results: PromtoolResult[] = [];
  const covered = new Set(CASES.map((c) => c.file));
  const table = tabulatedFiles(dir);
  for (const f of table) {
    if (!covered.has(f)) results.push({ name: `${f} (in README table)`, status: 'failed', detail: 'no case in the runner' });
  }
  for (const f of unitTestFiles(dir)) {
    if (!table.includes(f)) results.push({ name: `${f} (in folder)`, status: 'failed', detail: 'not in the README table' });
  }
  for (const c of CASES) results.push(runCase(dir, c, withPromtool));
  return results;
}

function main(args: string[]): number {
  return printResults(runConformance(args[0] ?? DEFAULT_DIR), (r) => r.name, PROMTOOL_242_DIFFERS);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
