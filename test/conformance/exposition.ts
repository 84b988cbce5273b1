/**
 * Exposition conformance runner: holds Lookout's parsers to upstream's exposition test data.
 *
 * Run: `npx tsx test/conformance/exposition.ts [DIR_OR_FILE...]` (`npm run conformance:exposition`;
 * default: `../shared/conformance/openmetrics` and `../shared/conformance/exposition` beside the
 * repository). Each argument may be:
 * - an OpenMetrics parser case folder (holding `test.json`, `{"type":"text","file":…,"shouldParse":…}`),
 *   or a folder of such folders: the case passes when full OpenMetrics validation
 *   (`validateOpenMetrics`) accepts or rejects the input as `shouldParse` says, and — for a good
 *   case — the scrape parser reads it too. Cases of another `type` (e.g. protobuf) are skipped.
 * - an exposition sample file, or a folder of them: `*.om.txt` / `*.om` (OpenMetrics) and
 *   `*.prom.txt` / `*.prom` (Prometheus text 0.0.4) must be read to the end by the scrape parser of
 *   their format (they are upstream's textparse test and benchmark inputs, some of which full
 *   OpenMetrics validation rejects on purpose). Other files in a folder are skipped.
 *
 * Prints every failure, a line per source, and last `N passed, N failed, N skipped`; exits 1 when a
 * case failed or an argument does not exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser, EntryType, ExpositionParseError, validateOpenMetrics, type ExpositionFormat } from '../../src/exposition/index.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The shared corpus folders read when no argument is given. */
export const DEFAULT_DIRS = [join(ROOT, '..', 'shared', 'conformance', 'openmetrics'), join(ROOT, '..', 'shared', 'conformance', 'exposition')];

/** Outcome of one case or sample file. */
export interface CaseOutcome {
  /** Case folder name or sample file name. */
  name: string;
  /** Where it came from (the argument it was found under). */
  source: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  message?: string;
}

/** Passed/failed/skipped counts. */
export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

interface CaseSpec {
  type?: unknown;
  file?: unknown;
  shouldParse?: unknown;
}

function errorText(e: unknown): string {
  if (e instanceof ExpositionParseError) return `line ${e.line}: ${e.message}`;
  throw e;
}

/** Reads a whole body with the scrape parser of `format`; returns the error text, or null when it parsed. */
export function scrapeParseError(body: Buffer, format: ExpositionFormat): string | null {
  try {
    const p = createParser(body, format);
    for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
      if (e === EntryType.Series) {
        p.labels();
        p.exemplar();
      }
    }
    return null;
  } catch (e) {
    return errorText(e);
  }
}

/** Full OpenMetrics validation; returns the error text, or null when the body is valid. */
export function validationError(body: Buffer): string | null {
  try {
    validateOpenMetrics(body);
    return null;
  } catch (e) {
    return errorText(e);
  }
}

/** Runs one OpenMetrics parser case folder. */
export function runCase(dir: string, source: string): CaseOutcome {
  const name = basename(dir);
  let spec: CaseSpec;
  try {
    spec = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as CaseSpec;
  } catch (e) {
    return { name, source, status: 'failed', message: `unreadable test.json: ${(e as Error).message}` };
  }
  if (spec.type !== 'text') return { name, source, status: 'skipped', message: `case type ${JSON.stringify(spec.type)} is not the text format` };
  if (typeof spec.file !== 'string' || typeof spec.shouldParse !== 'boolean') {
    return { name, source, status: 'failed', message: 'test.json needs "file" (string) and "shouldParse" (boolean)' };
  }
  let body: Buffer;
  try {
    body = readFileSync(join(dir, spec.file));
  } catch (e) {
    return { name, source, status: 'failed', message: `unreadable input: ${(e as Error).message}` };
  }
  const invalid = validationError(body);
  if (spec.shouldParse) {
    if (invalid !== null) return { name, source, status: 'failed', message: `must parse, validation rejected it: ${invalid}` };
    const scrapeErr = scrapeParseError(body, 'openmetrics');
    if (scrapeErr !== null) return { name, source, status: 'failed', message: `must parse, the scrape parser rejected it: ${scrapeErr}` };
    return { name, source, status: 'passed' };
  }
  if (invalid === null) return { name, source, status: 'failed', message: 'must be rejected, validation accepted it' };
  return { name, source, status: 'passed' };
}

/** The format of a sample file from its name, or null for other files. */
export function sampleFormat(file: string): ExpositionFormat | null {
  if (/\.om(\.txt)?$/.test(file)) return 'openmetrics';
  if (/\.prom(\.txt)?$/.test(file)) return 'text';
  return null;
}

/** Runs one exposition sample file (must be read to the end by the scrape parser of its format). */
export function runSample(file: string, source: string): CaseOutcome {
  const name = basename(file);
  const format = sampleFormat(name);
  if (format === null) return { name, source, status: 'skipped', message: 'not a .prom(.txt) or .om(.txt) sample' };
  const err = scrapeParseError(readFileSync(file), format);
  return err === null ? { name, source, status: 'passed' } : { name, source, status: 'failed', message: `must parse as ${format}: ${err}` };
}

/**
 * Every case under one argument: a case folder, a folder of case folders and/or sample files, or
 * a sample file.
 * @throws {Error} when the path does not exist
 */
export function runPath(path: string): CaseOutcome[] {
  if (!existsSync(path)) throw new Error(`${path}: no such file or directory`);
  const source = path;
  if (!statSync(path).isDirectory()) return [runSample(path, source)];
  if (existsSync(join(path, 'test.json'))) return [runCase(path, source)];
  const out: CaseOutcome[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      if (existsSync(join(full, 'test.json'))) out.push(runCase(full, source));
    } else if (entry.isFile() && sampleFormat(entry.name) !== null) {
      out.push(runSample(full, source));
    }
  }
  return out;
}

/** Sums outcomes. */
export function totals(outcomes: readonly CaseOutcome[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) t[o.status]++;
  return t;
}

function main(args: string[]): number {
  const paths = args.length > 0 ? args.map((a) => resolve(a)) : DEFAULT_DIRS;
  const all: CaseOutcome[] = [];
  let missing = false;
  for (const p of paths) {
    let outcomes: CaseOutcome[];
    try {
      outcomes = runPath(p);
    } catch (e) {
      console.log(`ERROR ${(e as Error).message}`);
      missing = true;
      continue;
    }
    for (const o of outcomes) if (o.status === 'failed') console.log(`FAIL ${o.name}: ${o.message}`);
    const t = totals(outcomes);
    console.log(`${p}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    all.push(...outcomes);
  }
  const t = totals(all);
  console.log(`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  return t.failed > 0 || missing ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
