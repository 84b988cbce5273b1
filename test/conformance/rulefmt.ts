/**
 * Rule-file conformance runner: loads every file of `../shared/conformance/rulefmt/` (or the
 * folder given as argument) with Lookout's rule-file loader. As the corpus README says, a
 * `*.bad.yaml` must be refused and every other file must load; as upstream's
 * `model/rulefmt/rulefmt_test.go`, a refusal must carry upstream's reason ({@link EXPECTED_ERRORS})
 * and Lookout adds the position: the message must start with `file:line:column:` (line ≥ 1).
 * `legacy_validation_*` files are read with legacy name validation, the others with UTF-8
 * validation (Prometheus 3.x's default), as upstream's test does.
 *
 * With `/usr/bin/promtool` (2.42) installed, `promtool check rules` runs on each file and its exit
 * code is printed beside Lookout's; 2.42 validates names the legacy way, so it refuses the two
 * `utf-8_*.good.yaml` files that 3.x loads ({@link PROMTOOL_242_DIFFERS}).
 *
 * Prints one line per file and, last, `N passed, N failed, N skipped`; exit code 1 on failures.
 * Usage: `npx tsx test/conformance/rulefmt.ts [DIR]`
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadRuleFile } from '../../src/config/rules.js';
import { SHARED } from '../support/shared.js';
import { printResults } from './report.js';

/** Default corpus location. */
export const DEFAULT_DIR = `${SHARED}/conformance/rulefmt`;

/** Real promtool, when installed. */
export const PROMTOOL = '/usr/bin/promtool';

/** Upstream's expected error text (a substring of the message) per bad file. */
export const EXPECTED_ERRORS: Record<string, string> = {
  'duplicate_grp.bad.yaml': 'groupname: "yolo" is repeated in the same file',
  'bad_expr.bad.yaml': 'parse error',
  'record_and_alert.bad.yaml': "only one of 'record' and 'alert' must be set",
  'no_rec_alert.bad.yaml': "one of 'record' or 'alert' must be set",
  'noexpr.bad.yaml': "field 'expr' must be set in rule",
  'invalid_record_name.bad.yaml': 'braces present in the recording rule name; should it be in expr?: strawberry{flavor="sweet"}',
  'bad_field.bad.yaml': 'field annotation not found',
  'invalid_label_name.bad.yaml': 'invalid label name',
  'record_and_for.bad.yaml': "invalid field 'for' in recording rule",
  'record_and_keep_firing_for.bad.yaml': "invalid field 'keep_firing_for' in recording rule",
  'legacy_validation_annotation.bad.yaml': 'invalid annotation name: ins-tance',
};

/** Files promtool 2.42 treats differently from 3.x, and why. */
export const PROMTOOL_242_DIFFERS: Record<string, string> = {
  'utf-8_annotation.good.yaml': '2.42 validates names the legacy way',
  'utf-8_lname.good.yaml': '2.42 validates names the legacy way',
};

/** Outcome of one file. */
export interface RulefmtResult {
  file: string;
  status: 'passed' | 'failed' | 'skipped';
  detail: string;
  /** Exit code of `promtool check rules` 2.42, when installed. */
  promtool242?: number;
}

/** Loads one file and judges the outcome. */
export function runFile(dir: string, file: string, withPromtool = true): RulefmtResult {
  const path = join(dir, file);
  const bad = file.endsWith('.bad.yaml');
  const nameValidation = file.startsWith('legacy_validation') ? 'legacy' : 'utf8';
  let result: RulefmtResult;
  try {
    const groups = loadRuleFile(path, { nameValidation });
    const rules = groups.reduce((n, g) => n + g.rules.length, 0);
    result = bad
      ? { file, status: 'failed', detail: `loaded (${groups.length} groups, ${rules} rules) but must be refused` }
      : { file, status: 'passed', detail: `loaded: ${groups.length} groups, ${rules} rules` };
  } catch (e) {
    const msg = (e as Error).message;
    const firstLine = msg.split('\n')[0]!;
    if (!bad) result = { file, status: 'failed', detail: `refused but must load: ${firstLine}` };
    else {
      const want = EXPECTED_ERRORS[file];
      const pos = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:([1-9]\\d*):\\d+: `).exec(firstLine);
      if (want === undefined) result = { file, status: 'failed', detail: `no expected error listed for ${file}` };
      else if (!msg.includes(want)) result = { file, status: 'failed', detail: `refused without upstream's reason ${JSON.stringify(want)}: ${firstLine}` };
      else if (!pos) result = { file, status: 'failed', detail: `refused without file:line: ${firstLine}` };
      else result = { file, status: 'passed', detail: `refused at line ${pos[1]}: ${firstLine.slice(path.length + 1)}` };
    }
  }
  if (withPromtool && existsSync(PROMTOOL)) {
    result.promtool242 = spawnSync(PROMTOOL, ['check', 'rules', path], { encoding: 'utf8', timeout: 60_000 }).status ?? -1;
  }
  return result;
}

/** Runs every file of the folder. */
export function runConformance(dir: string = DEFAULT_DIR, withPromtool = true): RulefmtResult[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => runFile(dir, f, withPromtool));
}

function main(args: string[]): number {
  return printResults(runConformance(args[0] ?? DEFAULT_DIR), (r) => r.file, PROMTOOL_242_DIFFERS);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
