/**
 * `lookout server` startup failures end with one `lookout: error: …` line (no JavaScript stack)
 * and exit code 1, and leave no TSDB lock behind; a rule file that does not exist is warned about.
 * Real processes on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
let dir: string;

function lookout(args: string[], untilReady = false): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
      if (untilReady && stderr.includes('Server is ready')) child.kill('SIGTERM');
    });
    child.on('close', (code) => done({ code, stderr }));
  });
}

function server(data: string, ...extra: string[]): string[] {
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

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-cli-startup-'));
  writeFileSync(join(dir, 'prometheus.yml'), "rule_files: ['missing-rules.yml']\n");
  writeFileSync(join(dir, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
});

let busy: Server;
beforeAll(() => new Promise<void>((r) => (busy = createServer().listen(0, '127.0.0.1', r))));
afterAll(() => new Promise<void>((r) => busy.close(() => r())));

describe('lookout server startup errors', () => {
  it.each([
    ['--storage.tsdb.retention.time=abc', 'invalid value for --storage.tsdb.retention.time: not a valid duration string: "abc"'],
    ['--query.lookback-delta=-5m', 'invalid value for --query.lookback-delta: not a valid duration string: "-5m"'],
    ['--storage.tsdb.retention.size=512XB', 'invalid value for --storage.tsdb.retention.size: units: unknown unit XB in 512XB'],
    ['--storage.tsdb.block-chunk-encoding=gorilla', 'invalid value for --storage.tsdb.block-chunk-encoding: "gorilla" (must be one of xor, lookout)'],
    ['--web.listen-address=127.0.0.1:99999', 'invalid listen address "127.0.0.1:99999": bad port'],
  ])('%s: one clean line', async (flag, reason) => {
    const r = await lookout(server('bad-flag', flag));
    expect(r).toEqual({ code: 1, stderr: `lookout: error: ${reason}\n` });
  });

  it('port in use: one line, and the TSDB lock is released', async () => {
    const port = (busy.address() as { port: number }).port;
    const r = await lookout(server('port', `--web.listen-address=127.0.0.1:${port}`));
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => !l.includes('level=')).join('\n')).toBe(`lookout: error: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    expect(existsSync(join(dir, 'port', 'lock'))).toBe(false);
  });

  it('a lock held by a live process: one line', async () => {
    mkdirSync(join(dir, 'held'));
    writeFileSync(join(dir, 'held', 'lock'), `${process.pid}\n\n`);
    const r = await lookout(server('held'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^(.*level=info.*\n)*lookout: error: lock DB directory .*held: already locked by process \d+ .*\n$/);
  });

  it('a corrupt silences.json: one line, and the TSDB lock is released', async () => {
    mkdirSync(join(dir, 'corrupt', 'alertmanager'), { recursive: true });
    writeFileSync(join(dir, 'corrupt', 'alertmanager', 'silences.json'), '{bad');
    const r = await lookout(server('corrupt'));
    expect(r.code).toBe(1);
    const last = r.stderr.trimEnd().split('\n').at(-1);
    expect(last).toMatch(/^lookout: error: reading .*silences\.json: /);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, 'corrupt', 'lock'))).toBe(false);
  });
});

describe('lookout server rule files', () => {
  it('warns about a rule_files entry naming a file that does not exist', async () => {
    const r = await lookout(server('rules'), true);
    expect(r.stderr).toContain(`level=warn component=main msg="Rule file does not exist; no rules loaded from it" file=${join(dir, 'missing-rules.yml')}`);
  }, 30_000);
});
