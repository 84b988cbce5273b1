/**
 * Comparison and printing of expected vs. actual results of rule unit tests, in the text forms
 * `promtool test rules` prints (Go `labels.Labels` strings, `%E` floats, indented alert lists) and
 * with its float comparison (exact, or within one ulp with `fuzzy_compare`).
 */
import { compare, toGoString, type Labels } from '../../model/labels.js';
import { formatFloat } from '../../template/index.js';

/** An alert's labels and annotations, both as sorted label sets. */
export interface LabelsAndAnnotations {
  labels: Labels;
  annotations: Labels;
}

/** A sample with parsed labels; `histogram` is the literal of a native histogram, `''` for floats. */
export interface ParsedSample {
  labels: Labels;
  value: number;
  histogram: string;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** Go's `math.Nextafter(x, toward)`. */
export function nextAfter(x: number, toward: number): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return x;
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  if (toward > x === x > 0) u64[0]! += 1n;
  else u64[0]! -= 1n;
  return f64[0]!;
}

/** Float equality of the unit tests: `==` (NaN never equal), or within one ulp when `fuzzy`. */
export function floatsEqual(x: number, y: number, fuzzy: boolean): boolean {
  if (x === y) return true;
  return fuzzy && (nextAfter(x, -Infinity) === y || nextAfter(x, Infinity) === y);
}

/** Sorts alerts by labels, then annotations (upstream `labelsAndAnnotations.Less`). */
export function sortAlerts(list: LabelsAndAnnotations[]): LabelsAndAnnotations[] {
  return list.sort((a, b) => compare(a.labels, b.labels) || compare(a.annotations, b.annotations));
}

function labelsEqual(a: Labels, b: Labels): boolean {
  return compare(a, b) === 0;
}

/** Whether two sorted alert lists are equal. */
export function alertsEqual(exp: LabelsAndAnnotations[], got: LabelsAndAnnotations[]): boolean {
  return exp.length === got.length && exp.every((e, i) => labelsEqual(e.labels, got[i]!.labels) && labelsEqual(e.annotations, got[i]!.annotations));
}

/** Whether two sample lists (sorted by labels) are equal. */
export function samplesEqual(exp: ParsedSample[], got: ParsedSample[], fuzzy: boolean): boolean {
  return (
    exp.length === got.length &&
    exp.every((e, i) => {
      const g = got[i]!;
      return labelsEqual(e.labels, g.labels) && e.histogram === g.histogram && floatsEqual(e.value, g.value, fuzzy);
    })
  );
}

/** Prefixes every line but the first with `indent` (upstream `indentLines`). */
export function indentLines(text: string, indent: string): string {
  return text.split('\n').join('\n' + indent);
}

/** Upstream `labelsAndAnnotations.String()`: `[]`, or numbered entries with labels and annotations. */
export function alertsString(list: LabelsAndAnnotations[]): string {
  if (list.length === 0) return '[]';
  const one = (a: LabelsAndAnnotations) => `Labels:${toGoString(a.labels)}\nAnnotations:${toGoString(a.annotations)}`;
  let s = '[\n0:' + indentLines('\n' + one(list[0]!), '  ');
  for (let i = 1; i < list.length; i++) s += `,\n${i}:` + indentLines('\n' + one(list[i]!), '  ');
  return s + '\n]';
}

/** Upstream `parsedSamplesString`: `nil`, or `{labels} 1E+00` entries joined with `, `. */
export function samplesString(list: ParsedSample[]): string {
  if (list.length === 0) return 'nil';
  return list.map((s) => `${toGoString(s.labels)} ${s.histogram !== '' ? s.histogram : formatFloat(s.value, 'E', -1)}`).join(', ');
}

/** The JSON form `--diff` compares: `{"Labels": {...}, "Annotations": {...}}` per alert. */
export function alertsJSON(list: LabelsAndAnnotations[]): string {
  const obj = (ls: Labels) => {
    const o: Record<string, string> = {};
    for (let i = 0; i < ls.length; i += 2) o[ls[i]!] = ls[i + 1]!;
    return o;
  };
  const items = list.length > 0 ? list : [{ labels: [], annotations: [] }];
  return JSON.stringify(
    items.map((a) => ({ Labels: obj(a.labels), Annotations: obj(a.annotations) })),
    null,
    2,
  );
}

/**
 * A line diff of two texts: unchanged lines indented by two spaces, removed ones (only in
 * `exp`) prefixed `- `, added ones (only in `got`) `+ ` (longest common subsequence).
 */
export function lineDiff(exp: string, got: string): string {
  const a = exp.split('\n');
  const b = got.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push('  ' + a[i]);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push('- ' + a[i]);
      i++;
    } else {
      out.push('+ ' + b[j]);
      j++;
    }
  }
  return out.join('\n');
}
