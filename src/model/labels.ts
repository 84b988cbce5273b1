/**
 * Label sets, as Prometheus's `model/labels`.
 *
 * A label set is a flat, frozen-by-convention array `[name0, value0, name1, value1, …]` sorted by
 * name (UTF-16 code unit order, which equals byte order for the ASCII names nearly all users
 * write), with unique names and no empty values (a label with an empty value does not exist, as
 * upstream). The metric name is the label `__name__`.
 *
 * Flat arrays keep a label set to one allocation and make comparison a loop over strings; code on
 * the hot path keeps label sets by series ref and only builds one for a new series.
 */
import { goQuote } from './goquote.js';

/** A sorted flat label set `[name, value, name, value, …]`. Treat as immutable. */
export type Labels = readonly string[];

/** The label name that holds the metric name. */
export const METRIC_NAME = '__name__';

/** The empty label set. */
export const EMPTY_LABELS: Labels = Object.freeze([]) as Labels;

/**
 * Builds a label set from `{name: value}`; empty values are dropped.
 * @example fromObject({job: 'api', __name__: 'up'}) → ['__name__','up','job','api']
 */
export function fromObject(obj: Record<string, string>): Labels {
  const names = Object.keys(obj).filter((n) => obj[n] !== '' && obj[n] !== undefined).sort(compareStrings);
  const out: string[] = new Array(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    out[2 * i] = names[i]!;
    out[2 * i + 1] = obj[names[i]!]!;
  }
  return out;
}

/**
 * Builds a label set from unsorted `[name, value, …]` pairs; empty values are dropped and a later
 * duplicate name replaces an earlier one.
 */
export function fromPairs(pairs: readonly string[]): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i + 1 < pairs.length; i += 2) b.set(pairs[i]!, pairs[i + 1]!);
  return b.labels();
}

/** `{name: value}` view of a label set (a new object). */
export function toObject(ls: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < ls.length; i += 2) out[ls[i]!] = ls[i + 1]!;
  return out;
}

/** The value of label `name`, or `''` when absent (as upstream `Labels.Get`). */
export function get(ls: Labels, name: string): string {
  for (let i = 0; i < ls.length; i += 2) if (ls[i] === name) return ls[i + 1]!;
  return '';
}

/** Whether label `name` is present. */
export function has(ls: Labels, name: string): boolean {
  for (let i = 0; i < ls.length; i += 2) if (ls[i] === name) return true;
  return false;
}

/** Number of labels in the set. */
export function size(ls: Labels): number {
  return ls.length >> 1;
}

/**
 * A string that identifies the label set: equal sets give equal keys. Uses `\xff` separators,
 * which cannot appear in valid UTF-8 label text, so distinct sets never collide.
 */
export function key(ls: Labels): string {
  return ls.join('\xff');
}

/** Exact equality of two label sets. */
export function equals(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Code-unit string comparison (-1, 0, 1), the order label names and values sort by. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders label sets as upstream `labels.Compare`: pairwise by name then value, shorter first. */
export function compare(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** The label set without the metric name (as PromQL functions that drop `__name__`). */
export function dropMetricName(ls: Labels): Labels {
  return has(ls, METRIC_NAME) ? without(ls, [METRIC_NAME]) : ls;
}

/** The label set with only the given names kept. */
export function only(ls: Labels, names: readonly string[]): Labels {
  const out: string[] = [];
  for (let i = 0; i < ls.length; i += 2) if (names.includes(ls[i]!)) out.push(ls[i]!, ls[i + 1]!);
  return out;
}

/** The label set with the given names removed. */
export function without(ls: Labels, names: readonly string[]): Labels {
  const out: string[] = [];
  for (let i = 0; i < ls.length; i += 2) if (!names.includes(ls[i]!)) out.push(ls[i]!, ls[i + 1]!);
  return out;
}

/** Prometheus text rendering: `name{a="x", b="y"}` (values quoted as Go `%q`, {@link goQuote}). */
export function toString(ls: Labels): string {
  let name = '';
  const parts: string[] = [];
  for (let i = 0; i < ls.length; i += 2) {
    if (ls[i] === METRIC_NAME) name = ls[i + 1]!;
    else parts.push(`${ls[i]}=${goQuote(ls[i + 1]!)}`);
  }
  if (parts.length === 0 && name !== '') return name;
  return `${name}{${parts.join(', ')}}`;
}

/**
 * Go `labels.Labels.String()` (Prometheus 3.x), the form of label sets in error messages:
 * `{__name__="up", job="api"}`, every label in order, values quoted as Go `%q` and names that are
 * not legacy label names ({@link isValidLabelName}) quoted too (`{"my.label"="x"}`).
 */
export function toGoString(ls: Labels): string {
  const parts: string[] = [];
  for (let i = 0; i < ls.length; i += 2) {
    const n = ls[i]!;
    parts.push(`${isValidLabelName(n) ? n : goQuote(n)}=${goQuote(ls[i + 1]!)}`);
  }
  return `{${parts.join(', ')}}`;
}

/**
 * Mutable builder for label sets: set/delete by name, then `labels()` returns a sorted set.
 * Setting a label to `''` deletes it, as upstream `labels.Builder`.
 */
export class LabelsBuilder {
  private names: string[] = [];
  private values: string[] = [];

  constructor(base?: Labels) {
    if (base) this.reset(base);
  }

  /** Replaces the content with `base`. */
  reset(base: Labels): this {
    this.names.length = 0;
    this.values.length = 0;
    for (let i = 0; i < base.length; i += 2) {
      this.names.push(base[i]!);
      this.values.push(base[i + 1]!);
    }
    return this;
  }

  /** Sets `name` to `value` (deletes it when value is empty). */
  set(name: string, value: string): this {
    const i = this.names.indexOf(name);
    if (value === '') {
      if (i >= 0) {
        this.names.splice(i, 1);
        this.values.splice(i, 1);
      }
    } else if (i >= 0) {
      this.values[i] = value;
    } else {
      this.names.push(name);
      this.values.push(value);
    }
    return this;
  }

  /** Deletes the given names. */
  del(...names: string[]): this {
    for (const n of names) this.set(n, '');
    return this;
  }

  /** Current value of `name` or `''`. */
  get(name: string): string {
    const i = this.names.indexOf(name);
    return i >= 0 ? this.values[i]! : '';
  }

  /** Keeps only the given names. */
  keep(names: readonly string[]): this {
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (!names.includes(this.names[i]!)) {
        this.names.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    return this;
  }

  /** Calls `fn(name, value)` for each label currently set (unsorted). */
  forEach(fn: (name: string, value: string) => void): void {
    for (let i = 0; i < this.names.length; i++) fn(this.names[i]!, this.values[i]!);
  }

  /** A new sorted label set. */
  labels(): Labels {
    const idx = this.names.map((_, i) => i).sort((a, b) => compareStrings(this.names[a]!, this.names[b]!));
    const out: string[] = new Array(idx.length * 2);
    for (let i = 0; i < idx.length; i++) {
      out[2 * i] = this.names[idx[i]!]!;
      out[2 * i + 1] = this.values[idx[i]!]!;
    }
    return out;
  }
}

/**
 * Interns label sets: equal sets map to one shared array, so repeated sets cost no memory and
 * compare by reference. Used by the head for series labels.
 */
export class LabelsInterner {
  private readonly byKey = new Map<string, Labels>();
  private readonly strings = new Map<string, string>();

  /** The canonical instance for `ls` (with its strings interned too). */
  intern(ls: Labels): Labels {
    const k = key(ls);
    const found = this.byKey.get(k);
    if (found) return found;
    const copy = ls.map((s) => this.internString(s));
    Object.freeze(copy);
    this.byKey.set(k, copy);
    return copy;
  }

  /** The canonical instance of a string. */
  internString(s: string): string {
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    this.strings.set(s, s);
    return s;
  }

  /** Forgets a label set (after its series is removed). Strings stay interned. */
  forget(ls: Labels): void {
    this.byKey.delete(key(ls));
  }
}

/** Label name syntax (legacy, as Prometheus 2.x validation): `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function isValidLabelName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

/** Metric name syntax (legacy): `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export function isValidMetricName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

/** Whether `s` has no lone UTF-16 surrogates, i.e. encodes to valid UTF-8 (label values must). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/**
 * Metric and label name syntax under UTF-8 validation (Prometheus 3.x default,
 * `model.UTF8Validation`): any non-empty valid UTF-8 text.
 */
export function isValidUTF8Name(name: string): boolean {
  return name.length > 0 && isWellFormed(name);
}

/**
 * Escapes a label value for the text formats: `\` → `\\`, `"` → `\"`, newline → `\n` (expfmt's
 * quoted escaper; Alertmanager's matcher rendering escapes the same way). Returns `v` itself when
 * nothing needs escaping, without allocating.
 */
export function escapeLabelValue(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 || c === 10 || c === 34) return v.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
  }
  return v;
}
