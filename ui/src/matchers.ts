/** Alertmanager label matchers as the silence form reads and writes them (no imports: unit-tested under Node). */

/** A matcher as Alertmanager API v2 carries it. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

/** Matchers that select exactly the alert with `labels` (as Alertmanager's "Silence" button prefills them). */
export function matchersFor(labels: Record<string, string>): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name]!, isRegex: false, isEqual: true }));
}

/** Writes a matcher as Alertmanager shows it: `name="value"`, `name=~"re"`, `name!="value"`, `name!~"re"`. */
export function formatMatcher(m: Matcher): string {
  const op = m.isEqual === false ? (m.isRegex ? '!~' : '!=') : m.isRegex ? '=~' : '=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

/**
 * Parses one matcher per line in the `name="value"` syntax (operators `=`, `!=`, `=~`, `!~`; the value is a
 * double-quoted string in which \" and \\ stand for " and \). Blank lines are skipped. Throws an Error naming the bad line.
 */
export function parseMatchers(text: string): Matcher[] {
  const out: Matcher[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = MATCHER.exec(line);
    if (!m) throw new Error(`line ${i + 1}: expected name="value" (or !=, =~, !~), got: ${line.trim()}`);
    const op = m[2]!;
    out.push({ name: m[1]!, value: m[3]!.replace(/\\(["\\])/g, '$1'), isRegex: op.endsWith('~'), isEqual: !op.startsWith('!') });
  });
  return out;
}
