/**
 * `textfile` collector, as node_exporter 1.5: every `*.prom` file in the directory given by
 * `--collector.textfile.directory` (a Go `filepath.Glob` pattern; when it matches nothing or is
 * invalid, the text is taken as one directory) is read with the strict text-format parser
 * (`expfmt.TextParser`, src/exposition/textfamilies.ts) and its families are passed through:
 * - labels a family's other metrics carry are added with an empty value, so all its metrics have
 *   the same label names; families without HELP get `Metric read from <file>, <file>…` (every file
 *   holding the family);
 * - a file that fails to parse, or carries client-side timestamps, is skipped entirely; a
 *   directory named `*.prom` reads as an empty file (no metrics, but an mtime), as upstream;
 * - `node_textfile_mtime_seconds{file}` (whole seconds) for each file read, and
 *   `node_textfile_scrape_error` 1 when a directory or file could not be read or parsed, else 0.
 * With no directory configured only `node_textfile_scrape_error 0` is reported.
 * Families of type gauge_histogram (which upstream's collector cannot handle) make the file an error.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTextFamilies, type TextFamily } from '../../exposition/textfamilies.js';
import { logger } from '../../log.js';
import type { MetricSet } from '../metricset.js';
import type { Collector } from '../types.js';

const log = logger('hostmetrics');

/** Thrown for a glob pattern Go's `filepath.Match` rejects (an unclosed `[` or a trailing `\`). */
class BadPatternError extends Error {}

/** A `filepath.Match` pattern for one path segment as a RegExp (`*`, `?`, `[…]`, `[^…]`, `\` escapes). */
function segmentRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (++i >= pattern.length) throw new BadPatternError('syntax error in pattern');
      re += escapeRe(pattern[i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '[';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (; j < pattern.length && (first || pattern[j] !== ']'); j++, first = false) {
        let ch = pattern[j]!;
        if (ch === '\\') {
          if (++j >= pattern.length) throw new BadPatternError('syntax error in pattern');
          ch = pattern[j]!;
        }
        cls += ch === '-' && !first && pattern[j + 1] !== ']' ? '-' : escapeRe(ch);
      }
      if (j >= pattern.length || first) throw new BadPatternError('syntax error in pattern');
      re += `${cls}]`;
      i = j;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`, 's');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

const META = /[*?[\\]/;

/**
 * Go's `filepath.Glob`: the paths matching `pattern`, each directory level in lexical order; a
 * pattern without metacharacters gives itself when it exists.
 * @throws {BadPatternError} for a malformed pattern
 */
async function glob(pattern: string): Promise<string[]> {
  if (!META.test(pattern)) {
    try {
      await stat(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const slash = pattern.lastIndexOf('/');
  const dirPattern = slash < 0 ? '.' : slash === 0 ? '/' : pattern.slice(0, slash);
  const re = segmentRegExp(pattern.slice(slash + 1));
  const dirs = META.test(dirPattern) ? await glob(dirPattern) : [dirPattern];
  const out: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (re.test(n)) out.push(slash < 0 ? n : join(dir, n));
  }
  return out;
}

/** One family read from a file. */
interface ReadFamily {
  family: TextFamily;
  file: string;
}

/** The `textfile` collector. */
export class TextfileCollector implements Collector {
  readonly name = 'textfile';

  /** @param directory `--collector.textfile.directory` (empty: none) */
  constructor(private readonly directory: string) {}

  async update(out: MetricSet): Promise<void> {
    let errored = false;
    let paths: string[];
    try {
      paths = await glob(this.directory);
    } catch {
      paths = [];
    }
    if (paths.length === 0) paths = [this.directory];
    const families: ReadFamily[] = [];
    const filesOf = new Map<string, string[]>();
    const mtimes = new Map<string, number>();
    for (const dir of paths) {
      let names: string[] = [];
      try {
        names = (await readdir(dir)).sort();
      } catch (e) {
        if (dir !== '') {
          errored = true;
          log.error('failed to read textfile collector directory', { path: dir, err: (e as Error).message });
        }
      }
      for (const name of names) {
        if (!name.endsWith('.prom')) continue;
        const file = join(dir, name);
        try {
          const { fams, mtime } = await this.readFile(file);
          for (const family of fams) {
            families.push({ family, file });
            const list = filesOf.get(family.name);
            if (list) list.push(file);
            else filesOf.set(family.name, [file]);
          }
          mtimes.set(file, mtime);
        } catch (e) {
          errored = true;
          log.error('failed to collect textfile data', { file: name, err: (e as Error).message });
        }
      }
    }
    for (const { family } of families) addFamily(out, family, family.help ?? `Metric read from ${filesOf.get(family.name)!.join(', ')}`);
    for (const file of [...mtimes.keys()].sort()) {
      out.add('node_textfile_mtime_seconds', 'gauge', 'Unixtime mtime of textfiles successfully read.', mtimes.get(file)!, { file });
    }
    out.add('node_textfile_scrape_error', 'gauge', '1 if there was an error opening or reading a file, 0 otherwise', errored ? 1 : 0);
  }

  /** Parses one file; its mtime in whole seconds. Throws upstream's error texts. */
  private async readFile(file: string): Promise<{ fams: TextFamily[]; mtime: number }> {
    let body: Buffer;
    try {
      // Upstream reads a directory named *.prom as an empty file.
      body = (await stat(file)).isDirectory() ? Buffer.alloc(0) : await readFile(file);
    } catch (e) {
      throw new Error(`failed to open textfile data file ${JSON.stringify(file)}: ${(e as Error).message}`, { cause: e });
    }
    let fams: TextFamily[];
    try {
      fams = parseTextFamilies(body);
    } catch (e) {
      throw new Error(`failed to parse textfile data from ${JSON.stringify(file)}: ${(e as Error).message}`, { cause: e });
    }
    if (fams.some((f) => f.metrics.some((m) => m.timestampMs !== undefined))) {
      throw new Error(`textfile ${JSON.stringify(file)} contains unsupported client-side timestamps, skipping entire file`);
    }
    if (fams.some((f) => f.type === 'gauge_histogram')) throw new Error(`textfile ${JSON.stringify(file)}: gauge histograms are not supported`);
    const st = await stat(file);
    return { fams, mtime: Math.trunc(st.mtimeMs / 1000) };
  }
}

/** Adds a parsed family's metrics, every metric carrying every label name of the family. */
function addFamily(out: MetricSet, fam: TextFamily, help: string): void {
  const names = new Set<string>();
  for (const m of fam.metrics) for (const [n] of m.labels) names.add(n);
  for (const m of fam.metrics) {
    const labels: Record<string, string> = {};
    for (const n of names) labels[n] = '';
    for (const [n, v] of m.labels) labels[n] = v;
    if (fam.type === 'summary') {
      const points = (m.quantiles ?? []).map((q): [number, number] => [q.quantile, q.value]);
      out.addComposite(fam.name, 'summary', help, { count: m.count ?? 0, sum: m.sum ?? 0, points: dedupe(points) }, labels);
    } else if (fam.type === 'histogram') {
      const points = (m.buckets ?? []).map((b): [number, number] => [b.upperBound, b.count]);
      out.addComposite(fam.name, 'histogram', help, { count: m.count ?? 0, sum: m.sum ?? 0, points: dedupe(points) }, labels);
    } else {
      out.add(fam.name, fam.type === 'counter' ? 'counter' : fam.type === 'gauge' ? 'gauge' : 'untyped', help, m.value ?? 0, labels);
    }
  }
}

/** Keeps the last value per bound, as upstream's map from bound to value. */
function dedupe(points: [number, number][]): [number, number][] {
  const byBound = new Map<number, number>();
  for (const [b, v] of points) byBound.set(b, v);
  return [...byBound];
}
