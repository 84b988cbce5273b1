/**
 * `lookout server --enable-feature=…` end to end: the server keeps upstream's defaults (an
 * experimental PromQL function or fill modifier is refused through `/api/v1/query` with upstream's
 * parse error, in upstream's `invalid parameter "query": …` wrapping), and the flag, repeatable and
 * comma-separated as upstream's, switches the named features on.
 * Real processes on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, LOOKOUT_BIN, query, startNode, stopAll, waitFor, type Proc } from '../support/processes.js';

let dir: string;
let plain: { base: string; proc: Proc };
let enabled: { base: string; proc: Proc };

async function start(name: string, extra: string[]): Promise<{ base: string; proc: Proc }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.tsdb.path=${join(dir, name)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
    ...extra,
  ]);
  return { base, proc };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-promql-features-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
  writeFileSync(join(dir, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  plain = await start('plain', []);
  enabled = await start('enabled', [
    '--enable-feature=promql-experimental-functions,no-such-feature',
    '--enable-feature=promql-binop-fill-modifiers',
  ]);
  for (const s of [plain, enabled]) {
    await waitFor(`lookout server ready at ${s.base}`, 40_000, async () => (await fetch(`${s.base}/-/ready`)).ok);
  }
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SORTED = 'sort_by_label(label_replace(vector(1), "a", "x", "", ""), "a")';

describe('--enable-feature', () => {
  it('without it, experimental PromQL is refused with upstream parse errors', async () => {
    const r = await query(plain.base, SORTED, 100);
    expect(r).toMatchObject({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:1: parse error: function "sort_by_label" is not enabled' });
    const fill = await query(plain.base, 'vector(1) + fill(0) vector(2)', 100);
    expect(fill).toMatchObject({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:1: parse error: binop fill modifiers are experimental and not enabled' });
  });

  it('switches on the named features (repeated flag, comma list) and warns about unknown names', async () => {
    const r = await query(enabled.base, SORTED, 100);
    expect(r).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: { a: 'x' }, value: [100, '1'] }] } });
    const fill = await query(enabled.base, 'vector(1) + fill(0) vector(2)', 100);
    expect(fill).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [100, '3'] }] } });
    expect(enabled.proc.output()).toMatch(/level=info .*msg="Experimental PromQL feature enabled" option=promql-experimental-functions/);
    expect(enabled.proc.output()).toMatch(/level=warn .*msg="Unknown option for --enable-feature" option=no-such-feature/);
  });
});
