/**
 * Alertmanager label matchers, as Alertmanager 0.25's `pkg/labels`: `=`, `!=`, `=~`, `!~` with the
 * "classic" matcher syntax used in `matchers:` config fields, API `filter=` parameters and amtool.
 *
 * The matching itself is PromQL's {@link Matcher} (`src/model/matcher.ts`); what differs is kept
 * here: regexes are compiled as Go's `regexp.Compile("^(?:" + v + ")$")`, so `.` does NOT match a
 * newline; label names follow the classic rule `[a-zA-Z_:][a-zA-Z0-9_:]*` in the parser; values
 * render with OpenMetrics escaping; matchers sort as upstream. A missing label matches as `''`.
 */
import { escapeLabelValue } from '../model/labels.js';
import { Matcher, type MatchType } from '../model/matcher.js';
import { compileAnchored, RegexSyntaxError, type Regex } from '../model/regex.js';

/** The four matcher operators. Their order is the sort order of upstream's `MatchType` enum. */
export type AmMatchType = MatchType;
const TYPE_ORDER: Record<AmMatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Thrown for text that is not a valid matcher; `message` is upstream's wording. */
export class MatcherParseError extends Error {
  override name = 'MatcherParseError';
}

/** A compiled Alertmanager matcher: {@link Matcher} with Alertmanager's regex semantics and rendering. */
export class AmMatcher extends Matcher {
  /**
   * @throws {MatcherParseError} `error parsing regexp: …` when a regex operator has an invalid RE2 pattern.
   */
  constructor(type: AmMatchType, name: string, value: string) {
    super(type, name, value, compileAmRegex);
  }

  /** Whether the matcher is a regex one (`=~`, `!~`). */
  get isRegex(): boolean {
    return this.type === '=~' || this.type === '!~';
  }

  /** Whether the matcher is a positive one (`=`, `=~`). */
  get isEqual(): boolean {
    return this.type === '=' || this.type === '=~';
  }

  /** Upstream rendering: `name="value"` with OpenMetrics escaping (`\\`, `\n`, `\"`). */
  override toString(): string {
    return `${this.name}${this.type}"${escapeLabelValue(this.value)}"`;
  }
}

/**
 * Compiles an Alertmanager regex: anchored at both ends, `.` not matching newline (Go defaults).
 * @throws {MatcherParseError} `error parsing regexp: …` quoting the wrapped pattern `^(?:…)$`, as upstream.
 */
export function compileAmRegex(pattern: string): Regex {
  try {
    return compileAnchored(pattern, { dotAll: false });
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new MatcherParseError(e.message);
    throw e;
  }
}

/** Whether a label set satisfies all matchers (missing labels match as `''`). */
export function matchesAll(matchers: readonly AmMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}

/** Sorts matchers in place as upstream `labels.Matchers`: by name, then value, then operator. */
export function sortMatchers(ms: AmMatcher[]): AmMatcher[] {
  return ms.sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.value !== b.value) return a.value < b.value ? -1 : 1;
    return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  });
}

/** Upstream `Matchers.String()`: `{a="1",b=~"x"}`. */
export function matchersToString(ms: readonly AmMatcher[]): string {
  return `{${ms.map((m) => m.toString()).join(',')}}`;
}

const MATCHER_RE = /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;

/**
 * Parses one matcher as upstream `labels.ParseMatcher` (0.25): a label name, an operator and a
 * value that may be double-quoted. Inside the value `\"`, `\n` and `\\` are escapes; any other
 * backslash is literal; an unescaped `"` other than the closing one is an error. Single quotes are
 * ordinary characters.
 * @throws {MatcherParseError} `bad matcher format: …`, `matcher value contains unescaped double quote: …`
 *   or a regex syntax error.
 */
export function parseMatcher(s: string): AmMatcher {
  const m = MATCHER_RE.exec(s);
  if (!m) throw new MatcherParseError(`bad matcher format: ${s}`);
  const raw = m[3]!;
  let rawValue = raw;
  let expectTrailingQuote = false;
  if (rawValue.startsWith('"')) {
    rawValue = rawValue.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  for (let i = 0; i < rawValue.length; i++) {
    const c = rawValue[i]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += '\\' + c;
      continue;
    }
    if (c === '\\') {
      if (i < rawValue.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (!expectTrailingQuote || i < rawValue.length - 1) {
        throw new MatcherParseError(`matcher value contains unescaped double quote: ${raw}`);
      }
      expectTrailingQuote = false;
    } else {
      value += c;
    }
  }
  if (expectTrailingQuote) throw new MatcherParseError(`matcher value contains unescaped double quote: ${raw}`);
  return new AmMatcher(m[2] as AmMatchType, m[1]!, value);
}

/**
 * Parses a comma-separated list of matchers as upstream `labels.ParseMatchers` (0.25): an optional
 * leading `{` and trailing `}`, commas inside double quotes do not separate, a trailing comma is
 * ignored. `''` gives `[]`.
 * @throws {MatcherParseError}
 */
export function parseMatchers(input: string): AmMatcher[] {
  let s = input;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',') {
      if (!insideQuotes) {
        tokens.push(token);
        token = '';
        continue;
      }
    } else if (c === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  const last = token.trim();
  if (last !== '') tokens.push(last);
  return tokens.map(parseMatcher);
}
