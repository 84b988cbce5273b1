/**
 * The prometheus.yml conformance runner over the shared corpus (every case passes; the good cases
 * using discovery Lookout does not run are listed), and its verdicts on scratch cases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DIR, runConfigDir } from './config.js';

describe('prometheus-config conformance runner', () => {
  it('passes all 201 shared cases and lists the 11 good ones with discovery Lookout does not run', () => {
    const outcomes = runConfigDir(DEFAULT_DIR);
    expect(outcomes.filter((o) => !o.passed).map((o) => `${o.file}: ${o.message}`)).toEqual([]);
    expect(outcomes).toHaveLength(201);
    const unsupported = outcomes.filter((o) => o.unsupported.length > 0).map((o) => o.file);
    expect(unsupported).toHaveLength(11);
    expect(unsupported).toContain('kubernetes_selectors_pod.good.yml');
  });

  const dir = mkdtempSync(join(tmpdir(), 'lookout-config-conf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails a good case that is refused and a bad case that loads', () => {
    writeFileSync(join(dir, 'a.good.yml'), 'global:\n  scrape_interval: 15x\n');
    writeFileSync(join(dir, 'b.bad.yml'), 'global:\n  scrape_interval: 15s\n');
    writeFileSync(join(dir, 'c.bad.yml'), 'scrape_configs:\n  - job_name: a\n  - job_name: a\n');
    writeFileSync(join(dir, 'd.good.yml'), 'scrape_configs:\n  - job_name: k\n    consul_sd_configs:\n      - server: localhost:8500\n');
    writeFileSync(join(dir, 'notes.yml'), 'ignored: true\n');
    expect(runConfigDir(dir).map((o) => [o.file, o.passed, o.unsupported])).toEqual([
      ['a.good.yml', false, []],
      ['b.bad.yml', false, []],
      ['c.bad.yml', true, []],
      ['d.good.yml', true, ['scrape_configs[job="k"]: consul_sd_configs']],
    ]);
  });

  it('refuses a folder that does not exist', () => {
    expect(() => runConfigDir(join(dir, 'nope'))).toThrow('no such file or directory');
  });
});
