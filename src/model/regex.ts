/**
 * RE2 regular expressions (via `re2js`) with the anchoring rules Prometheus and Alertmanager use.
 *
 * PromQL label matchers, relabeling and `label_replace` are fully anchored and `.` matches
 * newlines (Prometheus 3.x wraps patterns as `^(?s:…)$`). Alertmanager 0.25 matchers are fully
 * anchored with Go's defaults (`^(?:…)$`, `.` does not match a newline): the `dotAll: false`
 * option of {@link compileAnchored}. Compile once per config or query, never per sample.
 */
import { RE2JS } from 're2js';

/**
 * Thrown for a pattern that is not valid RE2 syntax; `message` is Go's wording,
 * e.g. "error parsing regexp: missing closing ): `(`".
 */
export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(message.startsWith('error parsing regexp: ') ? message : `error parsing regexp: ${message}`);
    this.name = 'RegexSyntaxError';
  }
}

/** A compiled RE2 pattern. */
export interface Regex {
  /** The source pattern as written by the user. */
  readonly source: string;
  /** Whether the whole of `s` matches (anchored patterns) or any part does (unanchored). */
  test(s: string): boolean;
  /**
   * Match groups for `s` (index 0 is the whole match), or null when it does not match. Anchored
   * patterns must match the whole string.
   */
  exec(s: string): (string | null)[] | null;
}

/** Compiles `source` (the text handed to RE2: `pattern` itself or a wrapping of it) with `flags`. */
function compile(pattern: string, source = pattern, flags = RE2JS.DOTALL): RE2JS {
  try {
    return RE2JS.compile(source, flags);
  } catch (e) {
    throw new RegexSyntaxError(pattern, e instanceof Error ? e.message : String(e));
  }
}

function groups(m: ReturnType<RE2JS['matcher']>, n: number): (string | null)[] {
  const out: (string | null)[] = new Array(n + 1);
  for (let i = 0; i <= n; i++) out[i] = m.group(i);
  return out;
}

/** Options of {@link compileAnchored}. */
export interface AnchoredOptions {
  /**
   * Whether `.` matches a newline. `true` (the default): Prometheus 3.x. `false`: Go's defaults,
   * as Alertmanager 0.25 compiles matchers, `regexp.Compile("^(?:" + pattern + ")$")`; the
   * pattern is then compiled in that wrapped form, so syntax errors quote it as Go does
   * (``missing closing ): `^(?:()$` ``).
   */
  dotAll?: boolean;
}

/** Compiles `pattern` fully anchored, `.` matching newline unless `opts.dotAll` is false. Throws {@link RegexSyntaxError}. */
export function compileAnchored(pattern: string, opts: AnchoredOptions = {}): Regex {
  const re = opts.dotAll === false ? compile(pattern, `^(?:${pattern})$`, 0) : compile(pattern);
  const literal = literalValue(pattern);
  return {
    source: pattern,
    test: literal !== null ? (s) => s === literal : (s) => re.matches(s),
    exec(s) {
      const m = re.matcher(s);
      if (!m.matches()) return null;
      return groups(m, re.groupCount());
    },
  };
}

/** Compiles `pattern` unanchored (match anywhere), as LogQL line filters and template `match`. */
export function compileUnanchored(pattern: string): Regex {
  const re = compile(pattern);
  return {
    source: pattern,
    test: (s) => re.matcher(s).find(),
    exec(s) {
      const m = re.matcher(s);
      if (!m.find()) return null;
      return groups(m, re.groupCount());
    },
  };
}

/**
 * Expands `template` as Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` are replaced by the
 * group's text (empty when the group did not take part or does not exist), `$$` by `$`. A bare
 * `$name` takes the longest run of letters, digits and `_`, so `$1x` names group `1x` (empty).
 */
export function expand(template: string, groups: readonly (string | null)[], named: Readonly<Record<string, number>>): string {
  if (template.indexOf('$') < 0) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      i++;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(inner)) {
        out += c;
        i++;
        continue;
      }
      name = inner;
      i = close + 1;
    } else {
      let j = i + 1;
      while (j < template.length && /[A-Za-z0-9_]/.test(template[j]!)) j++;
      if (j === i + 1) {
        out += c;
        i++;
        continue;
      }
      name = template.slice(i + 1, j);
      i = j;
    }
    const idx = /^[0-9]+$/.test(name) ? Number(name) : named[name];
    if (idx !== undefined && idx < groups.length) out += groups[idx] ?? '';
  }
  return out;
}

/** Named-group indexes of a pattern (`(?P<name>…)`), for {@link expand}. */
export function namedGroups(pattern: string): Record<string, number> {
  return { ...(compile(pattern).namedGroups() as Record<string, number>) };
}

/**
 * Replaces every match of `pattern` (unanchored) in `s` with `template` expanded as
 * {@link expand}, as Go's `Regexp.ReplaceAllString`.
 */
export function replaceAll(pattern: string, s: string, template: string): string {
  const re = compile(pattern);
  const named = re.namedGroups() as Record<string, number>;
  const m = re.matcher(s);
  let out = '';
  let last = 0;
  while (m.find()) {
    out += s.slice(last, m.start()) + expand(template, groups(m, re.groupCount()), named);
    last = m.end();
  }
  return out + s.slice(last);
}

/**
 * Go `regexp.QuoteMeta`: `s` with every regex metacharacter (`\.+*?()|[]{}^$`) backslashed, a
 * pattern matching exactly `s`.
 */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The literal string a pattern matches when it has no metacharacters, else null. */
function literalValue(pattern: string): string | null {
  return /^[A-Za-z0-9_\-:/ ,=@#%'"<>!~`;&]*$/.test(pattern) ? pattern : null;
}
