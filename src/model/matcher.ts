/**
 * Label matchers, as Prometheus's `model/labels.Matcher`: `=`, `!=`, `=~`, `!~`. Regex matchers are
 * RE2, fully anchored, `.` matching newlines. An absent label matches as the empty string, so
 * `{foo=""}` selects series without `foo` and `{foo=~".*"}` matches every series.
 *
 * Alertmanager's matchers (`alertmanager/matcher.ts`) extend this class with their own regex
 * compiler (Go defaults: `.` does not match a newline), parser and rendering.
 */
import { goQuote } from './goquote.js';
import { compileAnchored, type Regex } from './regex.js';

/** The four matcher operators, spelled as in PromQL. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** A compiled matcher. */
export class Matcher {
  private readonly re: Regex | null;

  /**
   * `compile` turns the value of a regex matcher into a fully anchored regex; the default is
   * PromQL's ({@link compileAnchored}, `.` matching newlines).
   * @throws {RegexSyntaxError} (or what `compile` throws) when a regex operator has an invalid RE2 pattern.
   */
  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
    compile: (pattern: string) => Regex = compileAnchored,
  ) {
    this.re = type === '=~' || type === '!~' ? compile(value) : null;
  }

  /** Whether `v` (the label's value, `''` when absent) satisfies the matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case '=':
        return v === this.value;
      case '!=':
        return v !== this.value;
      case '=~':
        return this.re!.test(v);
      case '!~':
        return !this.re!.test(v);
    }
  }

  /** Whether the matcher matches the empty string (and so series lacking the label). */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  /** PromQL rendering, e.g. `job=~"api|web"` (the value quoted as Go `%q`). */
  toString(): string {
    return `${this.name}${this.type}${goQuote(this.value)}`;
  }
}

/** Whether a label set (flat `[name, value, …]`) satisfies all matchers. */
export function matchesAll(matchers: readonly Matcher[], ls: readonly string[]): boolean {
  outer: for (const m of matchers) {
    for (let i = 0; i < ls.length; i += 2) {
      if (ls[i] === m.name) {
        if (!m.matches(ls[i + 1]!)) return false;
        continue outer;
      }
    }
    if (!m.matches('')) return false;
  }
  return true;
}
