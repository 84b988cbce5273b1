/**
 * The embedded meta-monitoring rules (config/meta-alerts.yml): their promtool-format unit tests
 * (meta-alerts.test.yml) pass under `lookout test rules` and, where installed, promtool 2.42; a
 * changed rule makes them fail; every alert is tested and links a section of docs/runbooks.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fileErrors, runUnitTestFile } from '../../../src/rules/unittest/run.js';
import { haveProgram, ROOT } from '../../support/processes.js';

const RULES = join(ROOT, 'config', 'meta-alerts.yml');
const TESTS = join(import.meta.dirname, 'meta-alerts.test.yml');

interface Rule {
  alert: string;
  annotations: Record<string, string>;
}

function alertRules(): Rule[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** The unit tests pointed at a changed copy of the rules, in a temporary folder. */
function withChangedRules(change: (rules: string) => string): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-meta-alerts-'));
  const rules = readFileSync(RULES, 'utf8');
  const changed = change(rules);
  expect(changed).not.toBe(rules);
  writeFileSync(join(d, 'meta-alerts.yml'), changed);
  writeFileSync(join(d, 't.yml'), readFileSync(TESTS, 'utf8').replace('../../../config/meta-alerts.yml', 'meta-alerts.yml'));
  return join(d, 't.yml');
}

describe('config/meta-alerts.yml', () => {
  it('passes its unit tests under lookout test rules', () => {
    const r = runUnitTestFile(TESTS);
    expect(fileErrors(r)).toEqual([]);
    expect(r.groups.map((g) => g.name)).toEqual(['unnamed#0', 'unnamed#1', 'unnamed#2']);
  });

  it('fails them when a rule changes', () => {
    const wider = fileErrors(runUnitTestFile(withChangedRules((s) => s.replace('up{job=~"prometheus|node"}', 'up'))));
    expect(wider.map((e) => e.split('\n')[0])).toEqual(['    alertname: LookoutTargetDown, time: 6m, ', '    alertname: LookoutTargetDown, time: 7m, ']);
    expect(wider[0]).toContain('Labels:{alertname="LookoutTargetDown", instance="127.0.0.1:5000", job="application", severity="warning"}');
    const sooner = fileErrors(runUnitTestFile(withChangedRules((s) => s.replace('for: 10m', 'for: 5m'))));
    expect(sooner.map((e) => e.split('\n')[0])).toEqual(['    alertname: LookoutConfigReloadFailed, time: 11m, ']);
  });

  it.runIf(haveProgram('/usr/bin/promtool'))('passes them under promtool 2.42', () => {
    const real = spawnSync('/usr/bin/promtool', ['test', 'rules', 'meta-alerts.test.yml'], { cwd: import.meta.dirname, encoding: 'utf8' });
    expect(real.stderr).toBe('');
    expect(real.stdout).toBe('Unit Testing:  meta-alerts.test.yml\n  SUCCESS\n\n');
    expect(real.status).toBe(0);
  });

  it('tests every alert, and links each to a section of docs/runbooks.md', () => {
    const rules = alertRules();
    const tested = new Set([...readFileSync(TESTS, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(rules.map((r) => r.alert).filter((a) => !tested.has(a))).toEqual([]);
    const sections = new Set([...readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8').matchAll(/^## (\w+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const r of rules) {
      expect(r.annotations.runbook_url).toBe(`{{ $externalURL }}/runbooks#${r.alert.toLowerCase()}`);
      expect(sections.has(r.alert.toLowerCase()), r.alert).toBe(true);
    }
    expect(sections.size).toBe(rules.length);
  });
});
