/**
 * `lookout check alertmanager|config` and `lookout alertmanager routes test`, in process, against
 * what amtool 0.25 and promtool 2.42 answer for the same files and arguments (their answers are
 * quoted in the tests).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { routesTest } from '../../../src/cli/alertmanager.js';
import { checkAlertmanager, checkConfig } from '../../../src/cli/check.js';

let dir: string;
const AM_BASE = `route:
  receiver: 'null'
receivers:
  - name: 'null'
templates:
`;

function collect(fn: (out: (l: string) => void) => number): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = fn((l) => lines.push(...l.split('\n')));
  return { code, lines };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-cli-check-'));
  writeFileSync(join(dir, 'bad.tmpl'), '{{ define "foo" }}{{ .Bar {{ end }}\n');
  writeFileSync(join(dir, 'good.tmpl'), '{{ define "foo" }}{{ .Status }}{{ end }}\n');
  writeFileSync(join(dir, 'bad-template.yml'), `${AM_BASE}  - 'good.tmpl'\n  - 'bad.tmpl'\n`);
  writeFileSync(join(dir, 'odd-globs.yml'), `${AM_BASE}  - '${dir}/[z-a]*.tmpl'\n  - 'missing.tmpl'\n`);
  writeFileSync(join(dir, 'bad-glob.yml'), `${AM_BASE}  - '${dir}/[a*.tmpl'\n`);
  writeFileSync(join(dir, 'rules.yml'), 'groups: []\n');
  writeFileSync(join(dir, 'missing-rules.yml'), "rule_files: ['rules.yml', 'does-not-exist.yml']\n");
  writeFileSync(join(dir, 'no-match.yml'), "rule_files: ['nomatch*.yml']\n");
  writeFileSync(join(dir, 'no-match-q.yml'), "rule_files: ['nomatch?.yml']\n");
  mkdirSync(join(dir, 'sub'));
  writeFileSync(
    join(dir, 'routes.yml'),
    `route:
  receiver: default
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
    - matchers: ['a="b c"']
      receiver: spacey
receivers:
  - name: default
  - name: pager
  - name: spacey
`,
  );
});

describe('check alertmanager', () => {
  it('parses the template files as amtool does, naming the failing templates: entry', () => {
    // amtool: "  FAILED: template: bad.tmpl:1: unexpected "{" in operand", rc 1
    const r = collect((out) => checkAlertmanager([join(dir, 'bad-template.yml')], out));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `Checking '${join(dir, 'bad-template.yml')}'  SUCCESS`,
      'Found:',
      ' - global config',
      ' - route',
      ' - 0 inhibit rules',
      ' - 1 receivers',
      ' - 2 templates',
      `  FAILED: ${join(dir, 'bad-template.yml')}:7:5: templates[1]: failed to parse templates: template: bad.tmpl:1: unexpected "{" in operand`,
      '',
    ]);
  });

  it('accepts a reversed character class and a literal name matching nothing, as amtool', () => {
    const r = collect((out) => checkAlertmanager([join(dir, 'odd-globs.yml')], out));
    expect(r.code).toBe(0);
    expect(r.lines.slice(-3)).toEqual([' - 2 templates', '  SUCCESS', '']);
  });

  it('fails on a malformed glob (amtool: "syntax error in pattern")', () => {
    const r = collect((out) => checkAlertmanager([join(dir, 'bad-glob.yml')], out));
    expect(r.code).toBe(1);
    expect(r.lines.at(-2)).toBe(`  FAILED: ${join(dir, 'bad-glob.yml')}:6:5: templates[0]: failed to parse templates: syntax error in pattern: ${dir}/[a*.tmpl`);
  });

  it('reports a missing config file without a 0:0 position', () => {
    const r = collect((out) => checkAlertmanager([join(dir, 'nope.yml')], out));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`Checking '${join(dir, 'nope.yml')}'  FAILED: open ${join(dir, 'nope.yml')}: no such file or directory`, '']);
  });
});

describe('check config', () => {
  it('fails when a rule_files entry without * names no file (promtool: does not point to an existing file)', () => {
    const r = collect((out) => checkConfig([join(dir, 'missing-rules.yml')], out));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`Checking ${join(dir, 'missing-rules.yml')}`, `  FAILED: "${join(dir, 'does-not-exist.yml')}" does not point to an existing file`, '']);
    // promtool counts only `*` as a wildcard here.
    expect(collect((out) => checkConfig([join(dir, 'no-match-q.yml')], out)).code).toBe(1);
  });

  it('accepts a * pattern matching nothing and then prints no rule-file count', () => {
    const r = collect((out) => checkConfig([join(dir, 'no-match.yml')], out));
    expect(r).toEqual({ code: 0, lines: [`Checking ${join(dir, 'no-match.yml')}`, ` SUCCESS: ${join(dir, 'no-match.yml')} is valid prometheus config file syntax`, ''] });
  });
});

describe('alertmanager routes test', () => {
  const flags = (...labels: string[]) => ({ values: { 'config.file': join(dir, 'routes.yml') }, positionals: labels });
  const route = (...labels: string[]) => {
    const out: string[] = [];
    routesTest(flags(...labels), (l) => out.push(l));
    return out.join('\n');
  };

  it('routes labels given as name=value or name="value", as amtool', () => {
    expect(route('severity=critical')).toBe('pager');
    expect(route('severity="critical"')).toBe('pager');
    expect(route(' severity = critical ')).toBe('pager');
    expect(route('a=b c')).toBe('spacey');
    expect(route('a=')).toBe('default');
    expect(route('a==b')).toBe('default');
    expect(route()).toBe('default');
  });

  it.each([
    ['severity=~critical', 'labels must be specified as key=value pairs'],
    ['severity!=critical', 'labels must be specified as key=value pairs'],
    ['0bad=x', 'bad matcher format: 0bad=x'],
    ['a=~(', 'error parsing regexp: missing closing ): `^(?:()$`'],
    ['{a="b"}', 'bad matcher format: {a="b"}'],
    ['a="b', 'matcher value contains unescaped double quote: "b'],
    ['a.b=c', 'bad matcher format: a.b=c'],
  ])('rejects %s like amtool', (arg, reason) => {
    expect(() => route(arg)).toThrow(new Error(`Failed to parse labels: ${reason}`));
  });
});
