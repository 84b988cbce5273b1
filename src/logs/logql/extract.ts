/**
 * Label extraction from log lines for the LogQL parsers `json`, `logfmt`, `pattern` and `unpack`,
 * by scanning the line once (no intermediate objects): found pairs go to a {@link LabelSink}.
 * Semantics follow Loki's `log` package: JSON objects are flattened with `_` (arrays skipped,
 * numbers and booleans kept as written, null skipped), keys sanitised to label names; logfmt as
 * `go-logfmt`; patterns as Loki's `pattern` grammar (`<name>` captures, `<_>` skips).
 */

/** Receives extracted `key=value` pairs. */
export interface LabelSink {
  set(key: string, value: string): void;
  /** Whether a pair named `key` would be kept; when false the JSON scanner skips decoding its value. */
  wants?(key: string): boolean;
}

/**
 * A key turned into a label name as Loki's `sanitizeLabelKey`: characters other than ASCII
 * letters, digits and `_` become `_`, and a leading digit gets a `_` prefix.
 */
export function sanitizeLabelKey(key: string): string {
  if (isLabelName(key)) return key;
  key = key.trim();
  if (key === '') return '';
  let out = key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57 ? '_' : '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    out += (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? key[i] : '_';
  }
  return out;
}

function isLabelName(key: string): boolean {
  if (key.length === 0) return false;
  const c0 = key.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

/** Thrown inside the scanner; carries the error detail reported in `__error_details__`. */
class JsonSyntax extends Error {}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

/** End index (exclusive) of the JSON string starting at `i` (a `"`). */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) throw new JsonSyntax(`unterminated string at offset ${i}`);
    let bs = 0;
    for (let k = q - 1; k > i && s.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Decoded text of the JSON string `s[i, end)` (quotes included). */
function decodeString(s: string, i: number, end: number): string {
  const raw = s.slice(i + 1, end - 1);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(s.slice(i, end)) as string;
  } catch {
    throw new JsonSyntax(`invalid escape in string at offset ${i}`);
  }
}

/** End index of the JSON value starting at `i` (after whitespace). */
function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return stringEnd(s, i);
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    let j = skipWs(s, i + 1);
    if (s[j] === close) return j + 1;
    for (;;) {
      if (c === '{') {
        if (s[j] !== '"') throw new JsonSyntax(`expected object key at offset ${j}`);
        j = skipWs(s, stringEnd(s, j));
        if (s[j] !== ':') throw new JsonSyntax(`expected ':' at offset ${j}`);
        j = skipWs(s, j + 1);
      }
      j = skipWs(s, valueEnd(s, j));
      if (s[j] === ',') j = skipWs(s, j + 1);
      else if (s[j] === close) return j + 1;
      else throw new JsonSyntax(`expected ',' or '${close}' at offset ${j}`);
    }
  }
  if (s.startsWith('true', i)) return i + 4;
  if (s.startsWith('false', i)) return i + 5;
  if (s.startsWith('null', i)) return i + 4;
  return numberEnd(s, i);
}

function digitsEnd(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i;
}

/** End of the JSON number at `i` (RFC 8259 grammar). */
function numberEnd(s: string, i: number): number {
  let j = i;
  if (s[j] === '-') j++;
  if (s[j] === '0') j++;
  else {
    const d = digitsEnd(s, j);
    if (d === j) throw new JsonSyntax(`invalid value at offset ${i}`);
    j = d;
  }
  if (s[j] === '.') {
    const d = digitsEnd(s, j + 1);
    if (d === j + 1) throw new JsonSyntax(`invalid number at offset ${i}`);
    j = d;
  }
  if (s[j] === 'e' || s[j] === 'E') {
    let k = j + 1;
    if (s[k] === '+' || s[k] === '-') k++;
    const d = digitsEnd(s, k);
    if (d === k) throw new JsonSyntax(`invalid number at offset ${i}`);
    j = d;
  }
  return j;
}

/**
 * Flattens the JSON object `line` into `sink` (Loki's `json` parser without parameters):
 * nested keys joined by `_` and sanitised, strings decoded, numbers and booleans as written,
 * arrays and nulls skipped. Returns null, or the error detail when the line is not a JSON object.
 */
export function extractJson(line: string, sink: LabelSink): string | null {
  try {
    const i = skipWs(line, 0);
    if (line[i] !== '{') return `expected a JSON object at offset ${i}`;
    flatten(line, i, '', sink);
    return null;
  } catch (e) {
    if (e instanceof JsonSyntax) return e.message;
    throw e;
  }
}

function flatten(s: string, i: number, prefix: string, sink: LabelSink): number {
  let j = skipWs(s, i + 1);
  if (s[j] === '}') return j + 1;
  for (;;) {
    if (s[j] !== '"') throw new JsonSyntax(`expected object key at offset ${j}`);
    const kEnd = stringEnd(s, j);
    const key = decodeString(s, j, kEnd);
    j = skipWs(s, kEnd);
    if (s[j] !== ':') throw new JsonSyntax(`expected ':' at offset ${j}`);
    j = skipWs(s, j + 1);
    const name = prefix === '' ? sanitizeLabelKey(key) : `${prefix}_${sanitizeLabelKey(key)}`;
    const c = s[j];
    let end: number;
    if (c === '{') end = flatten(s, j, name, sink);
    else {
      end = valueEnd(s, j);
      if (c !== '[' && c !== 'n' && (!sink.wants || sink.wants(name))) sink.set(name, c === '"' ? decodeString(s, j, end) : s.slice(j, end));
    }
    j = skipWs(s, end);
    if (s[j] === ',') j = skipWs(s, j + 1);
    else if (s[j] === '}') return j + 1;
    else throw new JsonSyntax(`expected ',' or '}' at offset ${j}`);
  }
}

/** One step of a JSON path: an object key or an array index. */
export type JsonPathStep = string | number;

/**
 * Parses a `json` parameter path as Loki's JSONPath subset: `a.b`, `a[0]`, `a["b c"]`, `.a`.
 * @throws {Error} with a message naming the path when it is malformed.
 */
export function parseJsonPath(path: string): JsonPathStep[] {
  const out: JsonPathStep[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`invalid JSON expression: ${path}`);
      const inner = path.slice(i + 1, close).trim();
      if (/^[0-9]+$/.test(inner)) out.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner) || /^'[^']*'$/.test(inner)) out.push(inner.slice(1, -1));
      else throw new Error(`invalid JSON expression: ${path}`);
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    out.push(path.slice(i, j));
    i = j;
  }
  if (out.length === 0) throw new Error(`invalid JSON expression: ${path}`);
  return out;
}

/**
 * The value at `path` in the JSON text `line` (Loki's `json a="b.c"`): a string decoded, any
 * other value as its JSON text; `''` when the path does not exist.
 * @throws {JsonSyntax} internally; callers use {@link extractJsonPaths}.
 */
function valueAt(s: string, path: readonly JsonPathStep[]): string {
  let i = skipWs(s, 0);
  for (const step of path) {
    const c = s[i];
    if (typeof step === 'string') {
      if (c !== '{') return '';
      let j = skipWs(s, i + 1);
      let found = -1;
      while (s[j] !== '}') {
        if (s[j] !== '"') throw new JsonSyntax(`expected object key at offset ${j}`);
        const kEnd = stringEnd(s, j);
        const key = decodeString(s, j, kEnd);
        j = skipWs(s, kEnd);
        if (s[j] !== ':') throw new JsonSyntax(`expected ':' at offset ${j}`);
        j = skipWs(s, j + 1);
        if (key === step) {
          found = j;
          break;
        }
        j = skipWs(s, valueEnd(s, j));
        if (s[j] === ',') j = skipWs(s, j + 1);
        else if (s[j] !== '}') throw new JsonSyntax(`expected ',' or '}' at offset ${j}`);
      }
      if (found < 0) return '';
      i = found;
    } else {
      if (c !== '[') return '';
      let j = skipWs(s, i + 1);
      let n = 0;
      while (s[j] !== ']' && n < step) {
        j = skipWs(s, valueEnd(s, j));
        if (s[j] === ',') j = skipWs(s, j + 1);
        else if (s[j] !== ']') throw new JsonSyntax(`expected ',' or ']' at offset ${j}`);
        n++;
      }
      if (s[j] === ']') return '';
      i = j;
    }
  }
  const end = valueEnd(s, i);
  if (s[i] === '"') return decodeString(s, i, end);
  if (s[i] === 'n') return '';
  return s.slice(i, end);
}

/**
 * Extracts each `names[k]` = value at `paths[k]` of the JSON object `line` into `sink`.
 * Returns null, or the error detail when the line is not valid JSON.
 */
export function extractJsonPaths(line: string, names: readonly string[], paths: readonly (readonly JsonPathStep[])[], sink: LabelSink): string | null {
  try {
    const i = skipWs(line, 0);
    if (line[i] !== '{') return `expected a JSON object at offset ${i}`;
    valueEnd(line, i);
    for (let k = 0; k < names.length; k++) sink.set(names[k]!, valueAt(line, paths[k]!));
    return null;
  } catch (e) {
    if (e instanceof JsonSyntax) return e.message;
    throw e;
  }
}

/**
 * Loki's `unpack`: top-level string values of the JSON object `line` go to `sink` (keys
 * sanitised as label names), except
 * `_entry`, which is returned as the new line. Returns `{line, error}`; `error` is null or the
 * detail when the line is not a JSON object (the line is then unchanged).
 */
export function unpackJson(line: string, sink: LabelSink): { line: string; error: string | null } {
  try {
    let j = skipWs(line, 0);
    if (line[j] !== '{') return { line, error: `expected a JSON object at offset ${j}` };
    j = skipWs(line, j + 1);
    let entry = line;
    while (line[j] !== '}') {
      if (line[j] !== '"') throw new JsonSyntax(`expected object key at offset ${j}`);
      const kEnd = stringEnd(line, j);
      const key = decodeString(line, j, kEnd);
      j = skipWs(line, kEnd);
      if (line[j] !== ':') throw new JsonSyntax(`expected ':' at offset ${j}`);
      j = skipWs(line, j + 1);
      const end = valueEnd(line, j);
      if (line[j] === '"') {
        const v = decodeString(line, j, end);
        if (key === '_entry') entry = v;
        else sink.set(sanitizeLabelKey(key), v);
      }
      j = skipWs(line, end);
      if (line[j] === ',') j = skipWs(line, j + 1);
      else if (line[j] !== '}') throw new JsonSyntax(`expected ',' or '}' at offset ${j}`);
    }
    return { line: entry, error: null };
  } catch (e) {
    if (e instanceof JsonSyntax) return { line, error: e.message };
    throw e;
  }
}

/**
 * Parses logfmt (`go-logfmt`): `key=value`, `key="quoted \"value\""`, bare `key` (empty value),
 * separated by spaces. Keys are sanitised. A malformed pair is an error when `strict` (returned,
 * pairs before it already set); otherwise it is skipped, as Loki's default. Bare keys are set
 * only when `keepEmpty`.
 */
export function extractLogfmt(line: string, strict: boolean, keepEmpty: boolean, sink: LabelSink): string | null {
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const kStart = i;
    while (i < n && line.charCodeAt(i) > 32 && line[i] !== '=' && line[i] !== '"') i++;
    const key = line.slice(kStart, i);
    if (key === '' || line[i] === '"') {
      if (strict) return `logfmt syntax error at pos ${i + 1} : unexpected '${line[i]}'`;
      while (i < n && line.charCodeAt(i) > 32) i++;
      continue;
    }
    if (line[i] !== '=') {
      if (keepEmpty) sink.set(sanitizeLabelKey(key), '');
      continue;
    }
    i++;
    let value: string;
    if (line[i] === '"') {
      let j = i + 1;
      let escaped = false;
      while (j < n && line[j] !== '"') j += line[j] === '\\' ? ((escaped = true), 2) : 1;
      if (j >= n) {
        if (strict) return `logfmt syntax error at pos ${n + 1} : unterminated quoted value`;
        break;
      }
      const raw = line.slice(i, j + 1);
      if (escaped) {
        try {
          value = JSON.parse(raw) as string;
        } catch {
          value = raw.slice(1, -1);
        }
      } else value = raw.slice(1, -1);
      i = j + 1;
    } else {
      const vStart = i;
      while (i < n && line.charCodeAt(i) > 32 && line[i] !== '"' && line[i] !== '=') i++;
      value = line.slice(vStart, i);
      if (i < n && line.charCodeAt(i) > 32) {
        if (strict) return `logfmt syntax error at pos ${i + 1} : unexpected '${line[i]}'`;
        while (i < n && line.charCodeAt(i) > 32) i++;
        continue;
      }
    }
    if (value !== '' || keepEmpty) sink.set(sanitizeLabelKey(key), value);
  }
  return null;
}

/** A compiled `pattern` expression: literals between captures. */
export interface CompiledPattern {
  /** Matches `line`, sending named captures to `sink`; false (nothing sent) when it does not match. */
  match(line: string, sink: LabelSink): boolean;
}

/**
 * Compiles a Loki `pattern` expression: `<name>` captures, `<_>` captures unnamed, the rest is
 * literal text that must appear in order. `requireCapture` (the `pattern` parser) demands a named
 * capture; pattern line filters (`|>`) need none.
 * @throws {Error} `at least one capture is required`, or `consecutive capture` for `<a><b>`.
 */
export function compilePattern(pattern: string, requireCapture = true): CompiledPattern {
  const parts: { literal: string; capture: string | null }[] = [];
  const re = /<([A-Za-z_][A-Za-z0-9_]*)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(pattern)) !== null) {
    if (m.index > last) parts.push({ literal: pattern.slice(last, m.index), capture: null });
    const prev = parts[parts.length - 1];
    if (prev && prev.capture !== null) throw new Error('consecutive capture');
    parts.push({ literal: '', capture: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < pattern.length) parts.push({ literal: pattern.slice(last), capture: null });
  if (requireCapture && !parts.some((p) => p.capture !== null && p.capture !== '_')) throw new Error('at least one capture is required');
  const names: string[] = [];
  const values: string[] = [];
  return {
    match(line, sink) {
      names.length = 0;
      values.length = 0;
      let i = 0;
      for (let k = 0; k < parts.length; k++) {
        const p = parts[k]!;
        if (p.capture === null) {
          if (k === 0) {
            if (!line.startsWith(p.literal)) return false;
            i = p.literal.length;
          }
          continue;
        }
        const next = parts[k + 1];
        let end: number;
        if (!next) end = line.length;
        else {
          end = line.indexOf(next.literal, i);
          if (end < 0) return false;
        }
        if (p.capture !== '_') {
          names.push(p.capture);
          values.push(line.slice(i, end));
        }
        i = next ? end + next.literal.length : end;
      }
      for (let k = 0; k < names.length; k++) sink.set(names[k]!, values[k]!);
      return true;
    },
  };
}
