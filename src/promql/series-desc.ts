/**
 * Series descriptions, the notation of PromQL test files and `promtool test rules` input series
 * (upstream `ParseSeriesDesc`): `metric{label="value"} 1 2+3x4 _ stale _x2 -1x3 {{histogram}}`.
 *
 * Items expand into positions: `v` one sample; `_` a gap; `_xN` N gaps; `stale` a staleness
 * marker; `vxN` N+1 samples of v; `v+dxN` / `v-dxN` N+1 samples stepping by d (repeated float
 * addition); `{{…}}`, `{{…}}xN`, `{{a}}+{{d}}xN` native histograms (recognised and counted, their
 * contents are not decoded: Lookout stores floats only). As upstream, numbers in values are not
 * hexadecimal: `0x10` reads as "0 repeated 10 more times".
 */
import { goUnquote } from '../model/goquote.js';
import { fromPairs, METRIC_NAME, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { tokenize, type Token } from './lexer.js';
import { parseNumber } from './literals.js';

/** Kind of each position of a parsed series: no sample, a float sample, a native histogram. */
export const SeriesPoint = { Omitted: 0, Float: 1, Histogram: 2 } as const;

/** A parsed series description. */
export interface SeriesDescription {
  labels: Labels;
  /** One entry per position (see {@link SeriesPoint}). */
  kinds: Uint8Array;
  /** Float values (may hold `STALE_NAN`); meaningful where `kinds[i] === SeriesPoint.Float`. */
  values: Float64Array;
}

/** Thrown for malformed series descriptions. */
export class SeriesDescError extends Error {
  override name = 'SeriesDescError';
}

/** Length of the metric part (`name{…}`) at the start of `line`, respecting quoted strings. */
function metricPartLength(line: string): number {
  let i = 0;
  while (i < line.length && /[A-Za-z0-9_:]/.test(line[i]!)) i++;
  if (line[i] !== '{') return i;
  let quote = '';
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '}') return i + 1;
  }
  throw new SeriesDescError(`unterminated label set in ${JSON.stringify(line)}`);
}

function parseLabels(text: string): Labels {
  const tokens = tokenize(text);
  let i = 0;
  const next = (): Token => tokens[Math.min(i++, tokens.length - 1)]!;
  const pairs: string[] = [];
  let t = next();
  if (t.kind === 'ERROR') throw new SeriesDescError(t.val);
  if (t.kind !== '{' && t.kind !== 'EOF') {
    pairs.push(METRIC_NAME, t.val);
    t = next();
  }
  if (t.kind === '{') {
    for (;;) {
      t = next();
      if (t.kind === '}') break;
      if (t.kind === 'ERROR') throw new SeriesDescError(t.val);
      const name = t.kind === 'STRING' ? goUnquote(t.val) : t.val;
      const eq = tokens[i];
      if (t.kind === 'STRING' && eq && (eq.kind === ',' || eq.kind === '}')) {
        pairs.push(METRIC_NAME, name);
      } else {
        if (next().kind !== '=') throw new SeriesDescError(`expected "=" after label ${JSON.stringify(name)} in ${text}`);
        const v = next();
        if (v.kind !== 'STRING') throw new SeriesDescError(`expected a quoted label value in ${text}`);
        pairs.push(name, goUnquote(v.val));
      }
      const sep = next();
      if (sep.kind === '}') break;
      if (sep.kind !== ',') throw new SeriesDescError(`expected "," or "}" in ${text}`);
    }
    t = next();
  }
  if (t.kind !== 'EOF') throw new SeriesDescError(`unexpected ${JSON.stringify(t.val)} in ${text}`);
  return fromPairs(pairs);
}

/** A float in a value sequence: optional sign, decimal/float digits, or Inf/NaN (no hex). */
const NUMBER = /^[+-]?(?:[iI][nN][fF]|[nN][aA][nN]|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/;

function parseFloatText(s: string): number {
  const v = parseNumber(s);
  if (v === null) throw new SeriesDescError(`invalid number ${JSON.stringify(s)}`);
  return v;
}

function parseRepeat(s: string): number {
  if (!/^\d+$/.test(s)) throw new SeriesDescError(`invalid repetition in series values: ${JSON.stringify(s)}`);
  return Number(s);
}

/** Skips a `{{…}}` histogram literal starting at `i`; returns the index after it. */
function skipHistogram(s: string, i: number): number {
  const end = s.indexOf('}}', i + 2);
  if (end < 0) throw new SeriesDescError(`unterminated histogram in ${JSON.stringify(s)}`);
  return end + 2;
}

/**
 * Parses a series description line.
 * @throws {SeriesDescError} for malformed labels or values.
 */
export function parseSeriesDesc(line: string): SeriesDescription {
  const trimmed = line.trim();
  const mlen = metricPartLength(trimmed);
  const labels = parseLabels(trimmed.slice(0, mlen));
  const kinds: number[] = [];
  const valuesText = trimmed.slice(mlen).trim();
  const out = new Float64Array(estimateLength(valuesText));
  let count = 0;
  const push = (kind: number, v: number) => {
    kinds.push(kind);
    if (kind === SeriesPoint.Float) out[count] = v;
    count++;
  };
  for (const item of splitItems(valuesText)) {
    if (item.startsWith('{{')) {
      let i = skipHistogram(item, 0);
      let times = 0;
      if (item[i] === 'x') times = parseRepeat(item.slice(i + 1));
      else if (item[i] === '+' || item[i] === '-') {
        i = skipHistogram(item, i + 1);
        if (item[i] !== 'x') throw new SeriesDescError(`expected "x" after histogram increment in ${JSON.stringify(item)}`);
        times = parseRepeat(item.slice(i + 1));
      } else if (i !== item.length) throw new SeriesDescError(`unexpected ${JSON.stringify(item.slice(i))}`);
      for (let k = 0; k <= times; k++) push(SeriesPoint.Histogram, 0);
      continue;
    }
    if (item === '_') {
      push(SeriesPoint.Omitted, 0);
      continue;
    }
    if (item.startsWith('_x')) {
      const n = parseRepeat(item.slice(2));
      for (let k = 0; k < n; k++) push(SeriesPoint.Omitted, 0);
      continue;
    }
    if (item === 'stale') {
      push(SeriesPoint.Float, STALE_NAN);
      continue;
    }
    const m = NUMBER.exec(item);
    if (!m) throw new SeriesDescError(`invalid series value ${JSON.stringify(item)}`);
    let v = parseFloatText(m[0]);
    let rest = item.slice(m[0].length);
    if (rest === '') {
      push(SeriesPoint.Float, v);
      continue;
    }
    let delta = 0;
    if (rest[0] === '+' || rest[0] === '-') {
      const d = NUMBER.exec(rest);
      if (!d) throw new SeriesDescError(`invalid series value ${JSON.stringify(item)}`);
      delta = parseFloatText(d[0]);
      rest = rest.slice(d[0].length);
    }
    if (rest[0] !== 'x') throw new SeriesDescError(`invalid series value ${JSON.stringify(item)}`);
    const times = parseRepeat(rest.slice(1));
    for (let k = 0; k <= times; k++) {
      push(SeriesPoint.Float, v);
      v += delta;
    }
  }
  return { labels, kinds: Uint8Array.from(kinds), values: out.slice(0, count) };
}

/** Splits a value sequence at blanks, keeping `{{…}}` histogram literals (which contain blanks) whole. */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      if (text.startsWith('{{', i)) {
        const end = text.indexOf('}}', i + 2);
        if (end < 0) throw new SeriesDescError(`unterminated histogram in ${JSON.stringify(text.slice(i))}`);
        i = end + 2;
      } else i++;
    }
    items.push(text.slice(start, i));
  }
  return items;
}

/** Upper bound of positions, to size the value buffer before expanding. */
function estimateLength(text: string): number {
  let n = 0;
  for (const item of splitItems(text)) {
    const m = /x(\d+)$/.exec(item);
    n += m ? Number(m[1]) + 1 : 1;
  }
  return n;
}
