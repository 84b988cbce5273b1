/**
 * Grafana templating for a Prometheus datasource: variable values, their resolution (each variable
 * once, in dependency order, identical API requests shared) and interpolation of `$var`, `${var}`,
 * `[[var]]`, `${var:format}` and the built-ins `$__interval`, `$__interval_ms`, `$__rate_interval`,
 * `$__range`, `$__range_s`, `$__range_ms`, `$__from`, `$__to`, `$__dashboard`.
 */
import type { Variable } from './model.js';

/** The value Grafana stores for "All". */
export const ALL = '$__all';

/** One variable's state: its options and the selected values (`[ALL]` when All is chosen). */
export interface VarState {
  v: Variable;
  options: { text: string; value: string }[];
  selected: string[];
  error?: string;
  /** What an interval variable's `auto` option (`$__auto_interval_<name>`) stands for now, e.g. `2m`. */
  autoValue?: string;
}

/** Variable states by name, in the dashboard's order. */
export type VarStates = Map<string, VarState>;

/** Built-in values for one query: interval and range in milliseconds, times in epoch ms. */
export interface Builtins {
  intervalMs: number;
  rateIntervalMs: number;
  rangeMs: number;
  fromMs: number;
  toMs: number;
  dashboard?: string;
}

const REF = /\$(\w+)|\[\[([\s\S]+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Names of the variables `text` refers to. */
export function referencedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(REF)) out.add((m[1] ?? m[2] ?? m[4])!);
  return out;
}

/** Escapes regex metacharacters as Grafana's Prometheus datasource does for multi-value regexes. */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$*+?.()|[\]{}\/]/g, '\\\\$&');
}

/** A duration in ms as Prometheus text: `90s`, `5m`, `1h` (the largest exact unit). */
export function msToDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  for (const [u, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (s % size === 0) return `${s / size}${u}`;
  return `${s}s`;
}

/** Parses Grafana intervals `30s`, `5m`, `1h`, `1d`, `100ms` (a leading `>` allowed) into ms; NaN when malformed. */
export function parseInterval(s: string): number {
  const m = /^>?\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[m[2] as 's'];
}

/** The values a variable stands for now (All expanded to the options, or the allValue). */
function values(st: VarState): { list: string[]; all: boolean } {
  const auto = (v: string) => (st.autoValue !== undefined && v.startsWith('$__auto_interval_') ? st.autoValue : v);
  if (st.selected.includes(ALL)) return { list: st.options.filter((o) => o.value !== ALL).map((o) => auto(o.value)), all: true };
  return { list: st.selected.map(auto), all: false };
}

/** One value list in a `${var:format}` format (Grafana's formats; default: Prometheus regex style). */
function format(list: string[], fmt: string | undefined, multi: boolean, texts: string[]): string {
  switch (fmt) {
    case 'csv':
    case 'raw':
      return list.join(',');
    case 'pipe':
      return list.join('|');
    case 'glob':
      return list.length > 1 ? `{${list.join(',')}}` : (list[0] ?? '');
    case 'json':
      return JSON.stringify(list.length === 1 && !multi ? list[0] : list);
    case 'doublequote':
      return list.map((v) => `"${v}"`).join(',');
    case 'singlequote':
      return list.map((v) => `'${v}'`).join(',');
    case 'text':
      return texts.join(' + ');
    case 'queryparam':
      return list.map((v) => `var-x=${encodeURIComponent(v)}`).join('&');
    case 'regex': {
      const e = list.map((v) => v.replace(/[\\^$*+?.()|[\]{}\/]/g, '\\$&'));
      return e.length > 1 ? `(${e.join('|')})` : (e[0] ?? '');
    }
    default: {
      if (!multi) return list[0] ?? '';
      const e = list.map(regexEscape);
      return e.length > 1 ? `(${e.join('|')})` : (e[0] ?? '');
    }
  }
}

/**
 * Replaces variable references in `text`. Multi-value and include-all variables are written as
 * Grafana's Prometheus datasource writes them (`(a|b)` with regex escaping); All with an `allValue`
 * writes it as is. `scoped` overrides variables (repeat panels). Unknown names stay unchanged.
 */
export function interpolate(text: string, vars: VarStates, b?: Builtins, scoped?: Record<string, string>): string {
  return text.replace(REF, (whole, n1, n2, f2, n4, _field, f4) => {
    const name = (n1 ?? n2 ?? n4) as string;
    const fmt = (f2 ?? f4) as string | undefined;
    if (b && name.startsWith('__')) {
      const builtin = builtinValue(name, b);
      if (builtin !== undefined) return builtin;
    }
    if (scoped && name in scoped) return format([scoped[name]!], fmt, false, [scoped[name]!]);
    const st = vars.get(name);
    if (!st) return whole;
    const { list, all } = values(st);
    if (all && st.v.allValue) return st.v.allValue;
    const texts = list.map((v) => st.options.find((o) => o.value === v)?.text ?? v);
    return format(list, fmt, !!(st.v.multi || st.v.includeAll), texts);
  });
}

function builtinValue(name: string, b: Builtins): string | undefined {
  switch (name) {
    case '__interval':
      return msToDuration(b.intervalMs);
    case '__interval_ms':
      return String(b.intervalMs);
    case '__rate_interval':
      return msToDuration(b.rateIntervalMs);
    case '__range':
      return `${Math.round(b.rangeMs / 1000)}s`;
    case '__range_s':
      return String(Math.round(b.rangeMs / 1000));
    case '__range_ms':
      return String(b.rangeMs);
    case '__from':
      return String(b.fromMs);
    case '__to':
      return String(b.toMs);
    case '__dashboard':
      return b.dashboard ?? '';
    default:
      return undefined;
  }
}

/** A variable's query text (string or `{query}` object). */
export function queryText(v: Variable): string {
  if (typeof v.query === 'string') return v.query;
  if (v.query && typeof v.query === 'object' && typeof v.query.query === 'string') return v.query.query;
  return v.definition ?? '';
}

/** The variables `v` depends on (by its query and regex), among `names`. */
export function dependencies(v: Variable, names: Set<string>): string[] {
  const refs = referencedNames(`${queryText(v)} ${v.regex ?? ''}`);
  return [...refs].filter((n) => n !== v.name && names.has(n));
}

/**
 * Variables in dependency order (a variable after those its query uses); throws Error naming the
 * variables of a cycle.
 */
export function dependencyOrder(vars: Variable[]): Variable[] {
  const names = new Set(vars.map((v) => v.name));
  const byName = new Map(vars.map((v) => [v.name, v]));
  const out: Variable[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (v: Variable, path: string[]) => {
    const s = state.get(v.name);
    if (s === 2) return;
    if (s === 1) throw new Error(`variables depend on each other: ${[...path, v.name].join(' → ')}`);
    state.set(v.name, 1);
    for (const d of dependencies(v, names)) visit(byName.get(d)!, [...path, v.name]);
    state.set(v.name, 2);
    out.push(v);
  };
  for (const v of vars) visit(v, []);
  return out;
}

/** The API requests a query variable needs, parsed from Grafana's Prometheus variable query syntax. */
export type VarQuery =
  | { kind: 'label_names'; match?: string }
  | { kind: 'label_values'; label: string; match?: string }
  | { kind: 'metrics'; regex: string }
  | { kind: 'query_result'; expr: string };

/** Parses `label_values(label)`, `label_values(selector, label)`, `label_names()`, `metrics(re)`, `query_result(expr)`; other text = query_result. */
export function parseVarQuery(q: string): VarQuery {
  const t = q.trim();
  let m = /^label_names\(\s*(.*?)\s*\)$/s.exec(t);
  if (m) return m[1] ? { kind: 'label_names', match: m[1] } : { kind: 'label_names' };
  m = /^label_values\(\s*(?:(.+),\s*)?([a-zA-Z_][\w]*)\s*\)$/s.exec(t);
  if (m) return m[1] ? { kind: 'label_values', label: m[2]!, match: m[1].trim() } : { kind: 'label_values', label: m[2]! };
  m = /^metrics\(\s*(.*?)\s*\)$/s.exec(t);
  if (m) return { kind: 'metrics', regex: m[1]! };
  m = /^query_result\(\s*(.+)\s*\)$/s.exec(t);
  return { kind: 'query_result', expr: m ? m[1]! : t };
}

/** Parses Grafana's `/pattern/flags` regex (or a bare pattern). Throws SyntaxError when invalid. */
export function parseRegex(s: string): RegExp {
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(s);
  return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(s);
}

/**
 * Applies a variable's regex to raw values as Grafana: values not matching are dropped; the first
 * capture group (or the `value`/`text` named groups) becomes the value/text; duplicates removed.
 */
export function applyRegex(raw: string[], regex: string | undefined): { text: string; value: string }[] {
  const re = regex ? parseRegex(regex) : undefined;
  const seen = new Set<string>();
  const out: { text: string; value: string }[] = [];
  for (const r of raw) {
    let value = r;
    let text = r;
    if (re) {
      const m = re.exec(r);
      if (!m) continue;
      if (m.groups?.value !== undefined || m.groups?.text !== undefined) {
        value = m.groups.value ?? m.groups.text!;
        text = m.groups.text ?? value;
      } else if (m.length > 1 && m[1] !== undefined) value = text = m[1];
      else value = text = m[0];
    }
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ text, value });
  }
  return out;
}

/** Sorts options by Grafana's `sort` (1/2 alphabetical, 3/4 numerical, 5/6 case-insensitive; odd ascending). */
export function sortOptions(opts: { text: string; value: string }[], sort: number | undefined): { text: string; value: string }[] {
  if (!sort) return opts;
  const num = (s: string) => {
    const m = /-?\d+(\.\d+)?/.exec(s);
    return m ? Number(m[0]) : NaN;
  };
  const cmp = (a: { text: string }, b: { text: string }) => {
    if (sort === 3 || sort === 4) return num(a.text) - num(b.text);
    if (sort === 5 || sort === 6) return a.text.toLowerCase().localeCompare(b.text.toLowerCase());
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  };
  const s = [...opts].sort(cmp);
  return sort % 2 === 0 ? s.reverse() : s;
}

/** Grafana's custom-variable syntax: comma-separated values, `text : value` pairs, `\,` escapes. */
export function parseCustom(q: string): { text: string; value: string }[] {
  const parts = q.match(/(?:\\,|[^,])+/g) ?? [];
  return parts
    .map((p) => p.trim().replace(/\\,/g, ','))
    .filter((p) => p !== '')
    .map((p) => {
      const kv = /^(.+?)\s+:\s+(.+)$/.exec(p);
      return kv ? { text: kv[1]!, value: kv[2]! } : { text: p, value: p };
    });
}

/**
 * The options to keep selected after a variable's options change: the URL's or previous selection
 * when still offered, else the saved `current`, else the first option (All when include-all).
 */
export function chooseSelection(st: Omit<VarState, 'selected'>, wanted: string[] | undefined): string[] {
  const offered = new Set(st.options.map((o) => o.value));
  const keep = (vals: string[] | undefined) => {
    if (!vals || vals.length === 0) return undefined;
    if (vals.includes(ALL) && st.v.includeAll) return [ALL];
    const ok = vals.filter((x) => offered.has(x) || st.v.type === 'textbox' || st.v.type === 'constant');
    if (ok.length === 0) return undefined;
    return st.v.multi ? ok : [ok[0]!];
  };
  const cur = st.v.current?.value;
  const saved = cur === undefined ? undefined : Array.isArray(cur) ? cur : [cur];
  const first = st.options[0]?.value;
  return keep(wanted) ?? keep(saved) ?? (first !== undefined ? [first] : []);
}
