/**
 * `lookout check metrics [--extended]`: lints Prometheus text-format metrics read from stdin as
 * `promtool check metrics` (2.42) does — each problem on stderr as `<metric> <problem>`, sorted;
 * a body that does not parse gives `error while linting: text format parsing error in line N: …`.
 * With `--extended` and no problems, a table of each family's cardinality goes to stdout.
 * Exit codes as promtool: 0 clean, 3 lint problems, 1 unreadable input.
 */
import { TextFormatError, parseTextFamilies } from '../exposition/textfamilies.js';
import { cardinality, lintFamilies, tabulate } from '../exposition/lint.js';
import type { FlagSpecs } from './flags.js';

/** Flags of `check metrics`. */
export const CHECK_METRICS_FLAGS: FlagSpecs = {
  extended: { default: false, help: 'Print extended information related to the cardinality of the metrics.' },
};

/** Exit code for lint problems (promtool's `lintErrExitCode`). */
export const LINT_EXIT_CODE = 3;

type Out = (line: string) => void;

/**
 * Lints `input` (the whole of stdin). `out` receives stdout lines, `err` stderr lines.
 * @returns the process exit code: 0, 1 (parse error) or 3 (lint problems)
 */
export function checkMetrics(input: Uint8Array, extended: boolean, out: Out, err: Out): number {
  let families;
  try {
    families = parseTextFamilies(input);
  } catch (e) {
    if (!(e instanceof TextFormatError)) throw e;
    err(`error while linting: ${e.message}`);
    return 1;
  }
  const problems = lintFamilies(families);
  for (const p of problems) err(`${p.metric} ${p.text}`);
  if (problems.length > 0) return LINT_EXIT_CODE;
  if (extended) {
    const { rows, total } = cardinality(families);
    const cells = [['Metric', 'Cardinality', 'Percentage']];
    for (const r of rows) cells.push([r.name, String(r.cardinality), `${(r.fraction * 100).toFixed(2)}%`]);
    cells.push(['Total', String(total), '100%']);
    for (const line of tabulate(cells).split('\n').slice(0, -1)) out(line);
  }
  return 0;
}

/** Reads all of stdin. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
