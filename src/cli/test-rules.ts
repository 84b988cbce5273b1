/**
 * `lookout test rules FILE...`: rule unit tests in the `promtool test rules` format (see
 * `src/rules/unittest/`). Output as promtool: `Unit Testing:  FILE`, then `  SUCCESS`, or
 * `  FAILED:` and each failure on stderr. Exit code 0 when every file passes, 1 otherwise.
 */
import { writeFileSync } from 'node:fs';
import { compileUnanchored } from '../model/regex.js';
import { junitXML } from '../rules/unittest/junit.js';
import { fileErrors, filePassed, runUnitTestFile, type UnitTestFileResult } from '../rules/unittest/run.js';
import { bool, FlagError, parseFlags, str, type FlagSpecs } from './flags.js';

/** Flags of `lookout test rules`, as promtool 3.x's `test rules` (`--run` may be repeated). */
export const TEST_RULES_FLAGS: FlagSpecs = {
  run: {
    default: '',
    help: 'If set, will only run test groups whose names match the regular expression. Can be specified multiple times.',
  },
  debug: { default: false, help: 'Enable unit test debugging.' },
  diff: { default: false, help: 'Print a line diff between expected & received alerts.' },
  'ignore-unknown-fields': {
    default: false,
    help: 'Ignore unknown fields in the rule files (remove them before loading the files into the server, which checks strictly).',
  },
  junit: { default: '', help: 'File path to store JUnit XML test results.' },
};

/** Splits the repeatable `--run` flag out of `argv` (both `--run=x` and `--run x`). */
function takeRuns(argv: string[]): { runs: string[]; rest: string[] } {
  const runs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--run=')) runs.push(a.slice('--run='.length));
    else if (a === '--run') {
      if (i + 1 >= argv.length) throw new FlagError("expected argument for flag '--run'");
      runs.push(argv[++i]!);
    } else rest.push(a);
  }
  return { runs, rest };
}

/**
 * Runs the command on `argv` (flags and files after `test rules`).
 * @param out stdout lines; @param err stderr lines
 * @returns the exit code
 * @throws {FlagError} for bad flags, an invalid `--run` regular expression, or no files (before
 *   anything runs or prints)
 */
export function testRules(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
  const { runs, rest } = takeRuns(argv);
  const flags = parseFlags(rest, TEST_RULES_FLAGS);
  if (flags.positionals.length === 0) throw new FlagError('required argument \'test-rule-file\' not provided');
  if (runs.length > 0) {
    try {
      compileUnanchored(runs.join('|'));
    } catch (e) {
      throw new FlagError(`--run: ${(e as Error).message}`);
    }
  }
  const results: UnitTestFileResult[] = [];
  let failed = false;
  for (const file of flags.positionals) {
    out(`Unit Testing:  ${file}`);
    const r = runUnitTestFile(file, {
      run: runs,
      debug: bool(flags, 'debug'),
      diff: bool(flags, 'diff'),
      ignoreUnknownFields: bool(flags, 'ignore-unknown-fields'),
      log: err,
    });
    results.push(r);
    if (filePassed(r)) out('  SUCCESS');
    else {
      failed = true;
      err('  FAILED:');
      for (const e of fileErrors(r)) {
        err(e);
        out('');
      }
    }
    out('');
  }
  const junit = str(flags, 'junit');
  if (junit) {
    try {
      writeFileSync(junit, junitXML(results));
    } catch (e) {
      err(`failed to write JUnit XML: ${(e as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}
