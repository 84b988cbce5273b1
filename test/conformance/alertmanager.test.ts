import { describe, expect, it } from 'vitest';
import { DEFAULT_DIR, SKIPS, runConformance } from './alertmanager.js';

describe('alertmanager conformance corpus', () => {
  const results = runConformance(DEFAULT_DIR);

  it('covers every tabulated config file and the amtool fixtures', () => {
    expect(results.filter((r) => r.name.startsWith('config/')).length).toBe(46);
    expect(results.filter((r) => r.name.startsWith('cli/')).length).toBe(6);
  });

  it('has no failures (skips only as listed with reasons)', () => {
    const failures = results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.detail}`);
    expect(failures).toEqual([]);
    for (const r of results.filter((x) => x.status === 'skip')) expect(SKIPS[r.name]).toBeTruthy();
  });
});
