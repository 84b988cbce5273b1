/**
 * Regexes of LogQL line filters and the `regexp` parser: RE2 with Go's defaults (unanchored,
 * `.` does not match a newline), as Loki compiles them with `regexp.Compile`. Compiled once per
 * query.
 */
import { RE2JS } from 're2js';
import { RegexSyntaxError } from '../../model/regex.js';

/** A compiled unanchored pattern. */
export interface LineRegex {
  /** Whether the pattern matches anywhere in `s`. */
  test(s: string): boolean;
  /** Groups of the first match (index 0 the whole match, null for a group that did not take part), or null. */
  exec(s: string): (string | null)[] | null;
  /** Named groups: name → group index. */
  readonly named: Readonly<Record<string, number>>;
}

/**
 * Compiles `pattern` as Go's `regexp.Compile`.
 * @throws {RegexSyntaxError} with Go's message, e.g. ``error parsing regexp: missing closing ): `(` ``.
 */
export function compileLineRegex(pattern: string): LineRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, 0);
  } catch (e) {
    throw new RegexSyntaxError(pattern, (e instanceof Error ? e.message : String(e)).replace(/^Error parsing regexp/, 'error parsing regexp'));
  }
  const n = re.groupCount();
  return {
    named: { ...(re.namedGroups() as Record<string, number>) },
    test: (s) => re.matcher(s).find(),
    exec(s) {
      const m = re.matcher(s);
      if (!m.find()) return null;
      const out: (string | null)[] = new Array(n + 1);
      for (let i = 0; i <= n; i++) out[i] = m.group(i);
      return out;
    },
  };
}
