/**
 * The relabeling table (cases.ts) side by side with a real Prometheus 2.42: every row becomes a
 * scrape job whose static target carries the row's labels and whose `relabel_configs` are the row's
 * rules. Prometheus's `/api/v1/targets` gives the labels it discovered (the row's plus `job`,
 * `__scheme__`, `__metrics_path__`, `__scrape_interval__`, `__scrape_timeout__`) and either the
 * target's labels after relabeling or the fact that it was dropped; Lookout's relabeling must give
 * the same from the same discovered labels, except on rows that record a 2.x/3.x difference
 * (`prometheus2`), where 2.42 must give the recorded output. The scrape interval is an hour, so
 * nothing is scraped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, haveProgram, startProgram, waitFor, type Proc } from '../../support/processes.js';
import { applyRules, RELABEL_CASES } from './cases.js';

const PROMETHEUS = '/usr/bin/prometheus';

interface TargetsData {
  activeTargets: { scrapePool: string; discoveredLabels: Record<string, string>; labels: Record<string, string> }[];
  droppedTargets: { discoveredLabels: Record<string, string> }[];
}

/** The rows as one prometheus.yml: job `c<i>` for row i. */
function configYaml(): string {
  const jobs = RELABEL_CASES.map((c, i) => {
    const { __address__: address, ...labels } = c.input;
    const rules = c.rules
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n');
    return `  - job_name: c${i}\n    static_configs:\n      - targets: [${JSON.stringify(address)}]\n        labels: ${JSON.stringify(labels)}\n    relabel_configs:\n${rules}\n`;
  });
  return `global:\n  scrape_interval: 1h\n  scrape_timeout: 10s\nscrape_configs:\n${jobs.join('')}`;
}

/** What Prometheus shows of a relabeled target: labels without the `__` ones, `instance` defaulted to the address. */
function shown(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith('__')) out[k] = v;
  out.instance ??= labels.__address__!;
  return out;
}

describe.runIf(haveProgram(PROMETHEUS))('relabeling side by side with Prometheus 2.42', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-relabel-'));
  let data: TargetsData;
  let prom: Proc | undefined;

  beforeAll(async () => {
    writeFileSync(join(dir, 'prometheus.yml'), configYaml());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    prom = startProgram(PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    data = await waitFor('prometheus targets', 60_000, async () => {
      if (prom!.child.exitCode !== null) throw new Error(`prometheus exited: ${prom!.output()}`);
      try {
        const r = await getJson<{ data: TargetsData }>(`${base}/api/v1/targets?state=any`);
        const n = r.data.activeTargets.length + r.data.droppedTargets.length;
        return n === RELABEL_CASES.length ? r.data : undefined;
      } catch {
        return undefined;
      }
    });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(RELABEL_CASES.map((c, i) => ({ ...c, job: `c${i}` })))('$name', ({ job, rules, prometheus2 }) => {
    const active = data.activeTargets.find((t) => t.scrapePool === job);
    const dropped = data.droppedTargets.find((t) => t.discoveredLabels.job === job);
    const discovered = (active ?? dropped)!.discoveredLabels;
    expect(discovered.job).toBe(job);
    const theirs = active ? active.labels : 'dropped';
    if (prometheus2) {
      // A known 2.x/3.x difference: Prometheus 2.42 gives the row's recorded 2.x output instead.
      expect(theirs).toEqual(prometheus2.output === null ? 'dropped' : shown({ ...prometheus2.output, job }));
      return;
    }
    const ours = applyRules(discovered, rules);
    expect(ours === null ? 'dropped' : shown(ours)).toEqual(theirs);
  });
});
