/**
 * JUnit XML of rule unit-test results, as `promtool test --junit=FILE rules` writes it (upstream
 * `util/junitxml` through Go's `encoding/xml`): one `<testsuite>` per file (name, tests, failures,
 * errors, skipped, timestamp), one `<testcase>` per test group run, each failure message in its own
 * `<failure>`, a file-level problem as `<error>` of the last case (of a case named `unknown` when
 * there is none). No indentation and no XML declaration, as Go's encoder.
 */
import type { UnitTestFileResult } from './run.js';

/** Go's `xml.EscapeText`. */
function esc(s: string): string {
  let out = '';
  for (const c of s) {
    switch (c) {
      case '"':
        out += '&#34;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '\t':
        out += '&#x9;';
        break;
      case '\n':
        out += '&#xA;';
        break;
      case '\r':
        out += '&#xD;';
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** Local time as Go's `2006-01-02T15:04:05` layout. */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The JUnit XML document for the results of several files. */
export function junitXML(results: readonly UnitTestFileResult[]): string {
  let out = '<testsuites>';
  for (const r of results) {
    const cases = r.groups.map((g) => ({ name: g.name, failures: g.errors, error: '' }));
    const stamp = r.abort !== null && cases.length === 0 && !r.abort.startsWith('group name repeated') ? '' : localStamp(r.startedAt);
    if (r.abort !== null) {
      if (cases.length === 0) cases.push({ name: 'unknown', failures: [], error: '' });
      cases[cases.length - 1]!.error = r.abort;
    }
    const failures = cases.reduce((n, c) => n + c.failures.length, 0);
    out += `<testsuite name="${esc(r.file)}" tests="${cases.length}" failures="${failures}" errors="${r.abort !== null ? 1 : 0}" skipped="0" timestamp="${stamp}">`;
    for (const c of cases) {
      out += `<testcase name="${esc(c.name)}">`;
      for (const f of c.failures) out += `<failure>${esc(f)}</failure>`;
      if (c.error) out += `<error>${esc(c.error)}</error>`;
      out += '</testcase>';
    }
    out += '</testsuite>';
  }
  return out + '</testsuites>';
}
