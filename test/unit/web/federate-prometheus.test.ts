/**
 * `/federate` side by side with Prometheus 2.42: both scrape the same target (samples with explicit
 * timestamps, so both store exactly the same points) under the same config with external labels,
 * and must answer `/federate` for the target's series with the same body, byte for byte.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haveProgram, ROOT, startProgram, waitFor, type Proc } from '../../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';

describe.runIf(haveProgram(PROMETHEUS))('/federate side by side with Prometheus 2.42', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-federate-'));
  const procs: Proc[] = [];
  let target: Server;
  let lookout = '';
  let prometheus = '';
  const T = Math.floor(Date.now() / 1000) * 1000 - 5_000;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(
        [
          '# TYPE fed_requests_total counter',
          `fed_requests_total{code="200",path="/a"} 10 ${T}`,
          `fed_requests_total{code="500",path="/a"} 2 ${T}`,
          `fed_temperature{instance="probe-1",region="lab"} -3.5 ${T}`,
          `fed_big 1e+21 ${T}`,
          `fed_ratio{empty=""} 0.125 ${T}`,
          '',
        ].join('\n'),
      );
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const targetPort = (target.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  external_labels:\n    region: eu\n    cluster: c1\nscrape_configs:\n  - job_name: fed\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`,
    );
    writeFileSync(join(dir, 'alertmanager.yml'), readFileSync(join(ROOT, 'config', 'alertmanager.yml')));
    const [pp, lp] = [await freePort(), await freePort()];
    prometheus = `http://127.0.0.1:${pp}`;
    lookout = `http://127.0.0.1:${lp}`;
    procs.push(startProgram(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${pp}`]));
    procs.push(
      startProgram(process.execPath, [
        '--import',
        'tsx',
        join(ROOT, 'src', 'cli', 'main.ts'),
        'server',
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.tsdb.path=${join(dir, 'lookout')}`,
        `--web.listen-address=127.0.0.1:${lp}`,
        '--hostmetrics.enable=false',
      ]),
    );
    for (const base of [prometheus, lookout]) {
      await waitFor(`${base} has scraped`, 60_000, async () => (await (await fetch(`${base}/federate?match[]=fed_big`)).text()).includes('fed_big'));
    }
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) await p.stop();
    target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (base: string, query: string) => {
    const r = await fetch(`${base}/federate?${query}`);
    return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
  };

  it('gives the same body for the target series, with external labels and exported_instance', async () => {
    const q = 'match[]={__name__=~"fed_.*"}';
    const theirs = await get(prometheus, q);
    expect(theirs.body).toContain(`fed_temperature{exported_instance="probe-1",instance="127.0.0.1:`);
    expect(theirs.body).toContain(`region="lab",cluster="c1"} -3.5 ${T}`);
    expect(await get(lookout, q)).toEqual(theirs);
  });

  it('merges several match[] and answers an empty body without one', async () => {
    const q = 'match[]=fed_big&match[]={code="500"}&match[]=fed_big{job="fed"}';
    expect(await get(lookout, q)).toEqual(await get(prometheus, q));
    expect((await get(lookout, '')).body).toBe((await get(prometheus, '')).body);
  });

  it('refuses a bad selector with status 400', async () => {
    const ours = await get(lookout, 'match[]=fed_big{');
    const theirs = await get(prometheus, 'match[]=fed_big{');
    expect([ours.status, theirs.status]).toEqual([400, 400]);
    expect(ours.body).toBe(theirs.body);
  });
});
