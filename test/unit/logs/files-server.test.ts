/**
 * `lookout server` wiring of file tailing (`--logs.config.file`) and LogQL rules
 * (`--logs.rule-files`): a real process on 127.0.0.1 (run from source with tsx).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-files-server-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {evaluation_interval: 1s}\n');
  writeFileSync(join(dir, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function args(data: string, ...extra: string[]): string[] {
  return [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.tsdb.path=${join(dir, data)}`,
    '--web.listen-address=127.0.0.1:0',
    '--hostmetrics.enable=false',
    ...extra,
  ];
}

describe('lookout server with promtail config and LogQL rules', () => {
  it('refuses a bad promtail config at startup with file:line', async () => {
    const cfg = join(dir, 'bad-promtail.yml');
    writeFileSync(cfg, 'scrape_configs:\n  - job_name: j\n    pipeline_stages:\n      - docker: {}\n');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args('bad', `--logs.config.file=${cfg}`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise((done) => child.on('close', done));
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `lookout: error loading config: ${cfg}:4:17: scrape_configs[0].pipeline_stages[0].docker: pipeline stage "docker" is not supported by Lookout (supported: json, regex, labels, static_labels, timestamp, output, match)\n`,
    });
  }, 120_000);

  it('tails a file into the Loki API and evaluates LogQL rules over it', async () => {
    const log = join(dir, 'app.log');
    const line = (level: string, status: number) => JSON.stringify({ ts: new Date().toISOString(), level, status }) + '\n';
    writeFileSync(log, line('error', 500) + line('error', 500));
    writeFileSync(
      join(dir, 'promtail.yml'),
      `scrape_configs:
  - job_name: app
    static_configs:
      - labels: {job: app, __path__: ${log}}
    pipeline_stages:
      - json: {expressions: {level: level}}
      - labels: {level: ""}
`,
    );
    writeFileSync(
      join(dir, 'log-rules.yml'),
      `groups:
  - name: app-logs
    rules:
      - record: job:log_errors:count5m
        expr: sum by (job) (count_over_time({job="app", level="error"}[5m]))
      - alert: AppErrorLogs
        expr: sum by (job) (count_over_time({job="app"} | json | status >= 500 [5m])) > 1
`,
    );
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args('ok', `--logs.config.file=${join(dir, 'promtail.yml')}`, `--logs.rule-files=${join(dir, 'log-*.yml')}`)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    try {
      await vi.waitFor(() => expect(stderr).toContain('Server is ready'), { timeout: 60_000, interval: 100 });
      const url = /url=(\S+)/.exec(stderr)![1]!;
      appendFileSync(log, line('info', 200));
      const startNs = `${Date.now() - 600_000}000000`;
      const streams = async () => {
        const res = await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{job="app"}', start: startNs })}`);
        const body = (await res.json()) as { data: { result: { stream: Record<string, string>; values: [string, string][] }[] } };
        return body.data.result.map((r) => ({ stream: r.stream, lines: r.values.length })).sort((a, b) => (a.stream.level! < b.stream.level! ? -1 : 1));
      };
      await vi.waitFor(
        async () =>
          expect(await streams()).toEqual([
            { stream: { filename: log, job: 'app', level: 'error' }, lines: 2 },
            { stream: { filename: log, job: 'app', level: 'info' }, lines: 1 },
          ]),
        { timeout: 30_000, interval: 200 },
      );
      const firing = async () => {
        const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
          data: { groups: { name: string; rules: { name: string; health: string; state?: string }[] }[] };
        };
        return body.data.groups.filter((g) => g.name === 'app-logs').flatMap((g) => g.rules.map((r) => [r.name, r.health, r.state ?? '']));
      };
      await vi.waitFor(
        async () =>
          expect(await firing()).toEqual([
            ['job:log_errors:count5m', 'ok', ''],
            ['AppErrorLogs', 'ok', 'firing'],
          ]),
        { timeout: 30_000, interval: 200 },
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.on('close', done));
    }
    expect(stderr).toContain('msg="See you next time!"');
  }, 180_000);
});
