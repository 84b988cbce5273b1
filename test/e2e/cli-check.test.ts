/**
 * `lookout check …` and `lookout alertmanager routes test` as a user runs them: the article's three
 * files load (hosts changed), its `global.retention` is refused with a pointer to the flag, broken
 * files give file:line errors and a non-zero exit; routing answers match real amtool's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveProgram, LOOKOUT_BIN, ROOT } from '../support/processes.js';

const SEED = join(ROOT, '..', 'shared', 'seed', 'configs');
let dir: string;

function lookout(...args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [LOOKOUT_BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-check-'));
  const prom = readFileSync(join(SEED, 'prometheus.yml'), 'utf8')
    .replace('alertmanager:9093', '127.0.0.1:9093')
    .replace("'localhost:9090'", "'127.0.0.1:9090'")
    .replace("'app:5000'", "'127.0.0.1:5000'")
    .replace("'node-exporter:9100'", "'127.0.0.1:9100'");
  writeFileSync(join(dir, 'prometheus.yml'), prom);
  writeFileSync(join(dir, 'alerts.yml'), readFileSync(join(SEED, 'alerts.yml')));
  writeFileSync(join(dir, 'alertmanager.yml'), readFileSync(join(SEED, 'alertmanager.yml')));
  // the article's text as published: `retention: 360h` under global
  writeFileSync(join(dir, 'article.yml'), prom.replace("    monitor: 'app-monitor'\n", "    monitor: 'app-monitor'\n  retention: 360h # Keep metrics for 15 days\n"));
  writeFileSync(join(dir, 'broken.yml'), 'global:\n  scrape_interval: 15x\n');
  writeFileSync(join(dir, 'bad-rules.yml'), 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(rate(x[5m])\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lookout check', () => {
  it('accepts the embedded defaults', () => {
    const r = lookout('check', 'config', join(ROOT, 'config', 'prometheus.yml'));
    expect(r.out).toContain('SUCCESS: 2 rule files found');
    expect(r.out).toContain(`Checking ${join(ROOT, 'config', 'alerts.yml')}\n  SUCCESS: 7 rules found`);
    expect(r.out).toContain(`Checking ${join(ROOT, 'config', 'meta-alerts.yml')}\n  SUCCESS: 10 rules found`);
    expect(r.code).toBe(0);
    expect(lookout('check', 'alertmanager', join(ROOT, 'config', 'alertmanager.yml')).code).toBe(0);
    const watchdog = lookout('alertmanager', 'routes', 'test', `--config.file=${join(ROOT, 'config', 'alertmanager.yml')}`, 'alertname=Watchdog', 'severity=none');
    expect(watchdog.out.trim()).toBe('null');
  });

  it("loads the article's three files with only hostnames changed", () => {
    const r = lookout('check', 'config', join(dir, 'prometheus.yml'));
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.code).toBe(0);
    expect(lookout('check', 'rules', join(dir, 'alerts.yml')).code).toBe(0);
    const am = lookout('check', 'alertmanager', join(dir, 'alertmanager.yml'));
    expect(am.out).toContain('3 receivers');
    expect(am.code).toBe(0);
  });

  it("refuses the article's global.retention and points at the flag", () => {
    const r = lookout('check', 'config', join(dir, 'article.yml'));
    expect(r.code).toBe(1);
    const line = readFileSync(join(dir, 'article.yml'), 'utf8').split('\n').findIndex((l) => l.startsWith('  retention: 360h')) + 1;
    expect(r.out).toContain(`article.yml:${line}:3: global.retention: field retention not found`);
    expect(r.out).toContain('--storage.tsdb.retention.time');
  });

  it('names file, line and field of a broken value', () => {
    const r = lookout('check', 'config', join(dir, 'broken.yml'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\.yml:2:\d+: global\.scrape_interval: .*15x/);
  });

  it('rejects a rule with a PromQL syntax error, with its position', () => {
    const r = lookout('check', 'rules', join(dir, 'bad-rules.yml'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad-rules\.yml:5:\d+/);
    expect(r.out).toContain('parse error');
  });
});

describe('lookout alertmanager routes test', () => {
  const cases: [string[], string][] = [
    [['severity=critical', 'team=backend'], 'pagerduty'],
    [['severity=warning', 'team=backend'], 'slack-default'],
    [['severity=critical', 'team=payments'], 'pagerduty,slack-payments'],
    [['team=payments'], 'slack-payments'],
  ];
  for (const [labels, want] of cases) {
    it(`routes ${labels.join(' ')} to ${want}`, () => {
      const r = lookout('alertmanager', 'routes', 'test', `--config.file=${join(dir, 'alertmanager.yml')}`, ...labels);
      expect(r.out.trim()).toBe(want);
      if (haveProgram('/usr/bin/amtool')) {
        const real = execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${join(dir, 'alertmanager.yml')}`, ...labels], {
          encoding: 'utf8',
        });
        expect(r.out.trim()).toBe(real.trim());
      }
    });
  }
});
