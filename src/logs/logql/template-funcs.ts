/**
 * The template functions of LogQL's `line_format` and `label_format` (Loki's subset of Sprig
 * plus its own), over Lookout's Go `text/template`. Integer functions (`add`, `sub`, `mul`, `div`,
 * `mod`, `max`, `min`, `int`) return Go ints (bigints), float ones (`addf`…, `ceil`, `floor`,
 * `round`, `float64`) float64, as Sprig. `__line__` and `__timestamp__` read the entry
 * being formatted through `current`.
 */
import { GoTime, type FuncMap } from '../../template/index.js';
import { RE2JS } from 're2js';
import { expand } from '../../model/regex.js';

/** The entry a template is formatting: its line and time (integer ms + nanoseconds). */
export interface CurrentEntry {
  line: string;
  ms: number;
  nanos: number;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** A Go int64 result (a bigint for the template engine); non-finite values give 0. */
function int(v: number): bigint {
  return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** The function map for one compiled format stage; `current` is updated per entry by the caller. */
export function logqlFuncs(current: CurrentEntry): FuncMap {
  const regexes = new Map<string, RE2JS>();
  return {
    __line__: () => current.line,
    __timestamp__: () => new GoTime(Math.floor(current.ms / 1000), (current.ms % 1000) * 1e6 + current.nanos),
    ToLower: (s: unknown) => str(s).toLowerCase(),
    ToUpper: (s: unknown) => str(s).toUpperCase(),
    lower: (s: unknown) => str(s).toLowerCase(),
    upper: (s: unknown) => str(s).toUpperCase(),
    title: (s: unknown) => str(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
    Trim: (s: unknown, cut: unknown) => trimChars(str(s), str(cut)),
    trim: (s: unknown) => str(s).trim(),
    TrimSpace: (s: unknown) => str(s).trim(),
    trimAll: (cut: unknown, s: unknown) => trimChars(str(s), str(cut)),
    TrimPrefix: (s: unknown, p: unknown) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
    TrimSuffix: (s: unknown, p: unknown) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
    trimPrefix: (p: unknown, s: unknown) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
    trimSuffix: (p: unknown, s: unknown) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
    Replace: (s: unknown, old: unknown, neu: unknown, n: unknown) => replaceN(str(s), str(old), str(neu), num(n)),
    replace: (old: unknown, neu: unknown, s: unknown) => str(s).split(str(old)).join(str(neu)),
    contains: (sub: unknown, s: unknown) => str(s).includes(str(sub)),
    hasPrefix: (p: unknown, s: unknown) => str(s).startsWith(str(p)),
    hasSuffix: (p: unknown, s: unknown) => str(s).endsWith(str(p)),
    repeat: (n: unknown, s: unknown) => str(s).repeat(Math.max(0, num(n))),
    substr: (start: unknown, end: unknown, s: unknown) => substr(str(s), num(start), num(end)),
    trunc: (n: unknown, s: unknown) => (num(n) >= 0 ? str(s).slice(0, num(n)) : str(s).slice(num(n))),
    regexReplaceAll: (re: unknown, s: unknown, repl: unknown) => replaceAll(regexes, str(re), str(s), str(repl), true),
    regexReplaceAllLiteral: (re: unknown, s: unknown, repl: unknown) => replaceAll(regexes, str(re), str(s), str(repl), false),
    default: (d: unknown, v: unknown) => (v === undefined || v === null || v === '' ? d : v),
    count: (sub: unknown, s: unknown) => countMatches(str(s), str(sub)),
    add: (...xs: unknown[]) => int(xs.reduce<number>((a, b) => a + Math.trunc(num(b)), 0)),
    sub: (a: unknown, b: unknown) => int(Math.trunc(num(a)) - Math.trunc(num(b))),
    mul: (...xs: unknown[]) => int(xs.reduce<number>((a, b) => a * Math.trunc(num(b)), 1)),
    div: (a: unknown, b: unknown) => int(Math.trunc(num(a)) / Math.trunc(num(b))),
    mod: (a: unknown, b: unknown) => int(Math.trunc(num(a)) % Math.trunc(num(b))),
    addf: (...xs: unknown[]) => xs.reduce<number>((a, b) => a + num(b), 0),
    subf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, b) => acc - num(b), num(a)),
    mulf: (...xs: unknown[]) => xs.reduce<number>((a, b) => a * num(b), 1),
    divf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, b) => acc / num(b), num(a)),
    max: (...xs: unknown[]) => int(Math.max(...xs.map(num))),
    min: (...xs: unknown[]) => int(Math.min(...xs.map(num))),
    ceil: (v: unknown) => Math.ceil(num(v)),
    floor: (v: unknown) => Math.floor(num(v)),
    round: (v: unknown, p: unknown) => Math.round(num(v) * 10 ** num(p)) / 10 ** num(p),
    int: (v: unknown) => int(num(v)),
    float64: (v: unknown) => num(v),
    b64enc: (s: unknown) => Buffer.from(str(s)).toString('base64'),
    b64dec: (s: unknown) => Buffer.from(str(s), 'base64').toString(),
    unixEpoch: (t: unknown) => String(t instanceof GoTime ? t.sec : 0),
    alignLeft: (n: unknown, s: unknown) => padTo(str(s), num(n), false),
    alignRight: (n: unknown, s: unknown) => padTo(str(s), num(n), true),
  };
}

/** Most distinct patterns one format stage keeps compiled. */
const MAX_CACHED_REGEXES = 64;

/**
 * Go's `Regexp.ReplaceAllString` (`expand`: `$1`/`${name}` expanded) or `ReplaceAllLiteralString`,
 * with patterns compiled once per stage (Go defaults: `.` does not match a newline).
 * @throws {Error} with Go's message for an invalid pattern (the template reports it).
 */
function replaceAll(cache: Map<string, RE2JS>, pattern: string, s: string, repl: string, expandRepl: boolean): string {
  let re = cache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern, 0);
    if (cache.size >= MAX_CACHED_REGEXES) cache.clear();
    cache.set(pattern, re);
  }
  const named = expandRepl ? (re.namedGroups() as Record<string, number>) : {};
  const m = re.matcher(s);
  let out = '';
  let last = 0;
  while (m.find()) {
    let r = repl;
    if (expandRepl) {
      const groups: (string | null)[] = [];
      for (let i = 0; i <= re.groupCount(); i++) groups.push(m.group(i));
      r = expand(repl, groups, named);
    }
    out += s.slice(last, m.start()) + r;
    last = m.end();
  }
  return out + s.slice(last);
}

function trimChars(s: string, cut: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && cut.includes(s[a]!)) a++;
  while (b > a && cut.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function replaceN(s: string, old: string, neu: string, n: number): string {
  if (n < 0) return s.split(old).join(neu);
  let out = s;
  let from = 0;
  for (let k = 0; k < n; k++) {
    const i = out.indexOf(old, from);
    if (i < 0) break;
    out = out.slice(0, i) + neu + out.slice(i + old.length);
    from = i + neu.length;
  }
  return out;
}

function substr(s: string, start: number, end: number): string {
  if (start < 0) return s.slice(0, end);
  if (end < 0 || end > s.length) return s.slice(start);
  return s.slice(start, end);
}

function countMatches(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  return s.split(sub).length - 1;
}

function padTo(s: string, n: number, right: boolean): string {
  const chars = [...s];
  if (n < 0 || chars.length >= n) return chars.slice(0, Math.max(0, n)).join('');
  const pad = ' '.repeat(n - chars.length);
  return right ? pad + s : s + pad;
}
