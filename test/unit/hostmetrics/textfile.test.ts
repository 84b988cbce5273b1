/**
 * The textfile collector: families passed through from `*.prom` files, upstream's HELP default,
 * empty-label filling, summaries and histograms, mtimes, the error gauge, skipped files and glob
 * directories — each scenario also compared with the real node_exporter 1.5 when installed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostCollector } from '../../../src/hostmetrics/index.js';
import { freePort, haveProgram, waitFor } from '../../support/processes.js';
import { TEXTFILE } from './helpers.js';

const BINARY = '/usr/bin/prometheus-node-exporter';
const HAVE_NODE_EXPORTER = haveProgram(BINARY);
const OTHERS = /^(# (HELP|TYPE) )?(go_|process_|promhttp_|node_exporter_build_info|node_scrape_collector_)/;

const scratch = mkdtempSync(join(tmpdir(), 'lookout-textfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Creates `files` (relative path → content) under a new folder of the scratch dir, with a fixed mtime. */
function tree(name: string, files: Record<string, string | null>): string {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(text === null ? full : join(full, '..'), { recursive: true });
    if (text !== null) writeFileSync(full, text);
    utimesSync(full, 1767323045.678, 1767323045.678);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function ours(directory: string): Promise<string[]> {
  const body = await new HostCollector({ collectors: ['textfile'], textfileDirectory: directory }).collect();
  return body.split('\n').filter((l) => l !== '' && !OTHERS.test(l));
}

async function theirs(directory: string): Promise<string[]> {
  const port = await freePort();
  const child = spawn(BINARY, [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${directory}`], {
    stdio: 'ignore',
  });
  try {
    const body = await waitFor('node_exporter', 30_000, async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      return r.ok ? r.text() : undefined;
    });
    return body.split('\n').filter((l) => l !== '' && !OTHERS.test(l));
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

describe('textfile collector', () => {
  it('passes the fixture files through, as node_exporter renders them', async () => {
    const lines = await ours(TEXTFILE);
    const help = `Metric read from ${join(TEXTFILE, 'app.prom')}, ${join(TEXTFILE, 'backup.prom')}`;
    expect(lines.slice(0, 4)).toEqual(['# HELP app_jobs Jobs waiting per queue.', '# TYPE app_jobs gauge', 'app_jobs{prio="",queue="a"} 3', 'app_jobs{prio="high",queue="b"} 4']);
    expect(lines).toContain(`# HELP backup_last_success ${help}`);
    expect(lines).toContain('backup_last_success{host="db"} 1.6e+09');
    expect(lines).toContain('backup_last_success 1.7e+09');
    const summary = lines.indexOf('# TYPE batch_duration_seconds summary');
    expect(lines.slice(summary + 1, summary + 5)).toEqual([
      'batch_duration_seconds{quantile="0.5"} 1',
      'batch_duration_seconds{quantile="0.9"} 2',
      'batch_duration_seconds_sum 10',
      'batch_duration_seconds_count 5',
    ]);
    const hist = lines.indexOf('# TYPE batch_size histogram');
    expect(lines.slice(hist + 1, hist + 6)).toEqual(['batch_size_bucket{le="1"} 0', 'batch_size_bucket{le="10"} 1', 'batch_size_bucket{le="+Inf"} 2', 'batch_size_sum 3', 'batch_size_count 2']);
    expect(lines).toContain('rsync_bytes_bucket{job="x",le="1e+06"} 1');
    expect(lines).toContain('rsync_bytes_bucket{job="x",le="+Inf"} 9');
    expect(lines.filter((l) => l.startsWith('node_textfile_mtime_seconds')).map((l) => l.split(' ')[0])).toEqual([
      `node_textfile_mtime_seconds{file="${join(TEXTFILE, 'app.prom')}"}`,
      `node_textfile_mtime_seconds{file="${join(TEXTFILE, 'backup.prom')}"}`,
    ]);
    expect(lines).toContain('node_textfile_scrape_error 0');
    expect(lines.join('\n')).not.toContain('not_read');
  });

  const scenarios: { name: string; dir: () => string; expected: string[] }[] = [
    {
      name: 'no directory: only the error gauge, 0',
      dir: () => '',
      expected: ['# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise', '# TYPE node_textfile_scrape_error gauge', 'node_textfile_scrape_error 0'],
    },
    {
      name: 'a missing directory is an error',
      dir: () => join(scratch, 'missing'),
      expected: ['# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise', '# TYPE node_textfile_scrape_error gauge', 'node_textfile_scrape_error 1'],
    },
    {
      name: 'unparsable files and files with timestamps are skipped with the error gauge at 1; a .prom directory reads as empty',
      dir: () =>
        tree('errors', {
          'good.prom': '# TYPE ok gauge\nok 1\n',
          'bad.prom': 'ok{ 1\n',
          'ts.prom': 'with_ts 1 1700000000000\n',
          'dir.prom': null,
          'late-type.prom': 'x 1\n# TYPE x gauge\n',
        }),
      expected: [
        `# HELP node_textfile_mtime_seconds Unixtime mtime of textfiles successfully read.`,
        '# TYPE node_textfile_mtime_seconds gauge',
        `node_textfile_mtime_seconds{file="${join(scratch, 'errors', 'dir.prom')}"} 1.767323045e+09`,
        `node_textfile_mtime_seconds{file="${join(scratch, 'errors', 'good.prom')}"} 1.767323045e+09`,
        '# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise',
        '# TYPE node_textfile_scrape_error gauge',
        'node_textfile_scrape_error 1',
        `# HELP ok Metric read from ${join(scratch, 'errors', 'good.prom')}`,
        '# TYPE ok gauge',
        'ok 1',
      ],
    },
    {
      name: 'a glob reads every matching directory, in order',
      dir: () => {
        tree('glob/d1', { 'a.prom': 'm{d="1"} 1\n' });
        tree('glob/d2', { 'a.prom': 'm{d="2"} 2\n' });
        tree('glob/x3', { 'a.prom': 'm{d="3"} 3\n' });
        return join(scratch, 'glob', 'd[0-9]');
      },
      expected: [
        `# HELP m Metric read from ${join(scratch, 'glob', 'd1', 'a.prom')}, ${join(scratch, 'glob', 'd2', 'a.prom')}`,
        '# TYPE m untyped',
        'm{d="1"} 1',
        'm{d="2"} 2',
        '# HELP node_textfile_mtime_seconds Unixtime mtime of textfiles successfully read.',
        '# TYPE node_textfile_mtime_seconds gauge',
        `node_textfile_mtime_seconds{file="${join(scratch, 'glob', 'd1', 'a.prom')}"} 1.767323045e+09`,
        `node_textfile_mtime_seconds{file="${join(scratch, 'glob', 'd2', 'a.prom')}"} 1.767323045e+09`,
        '# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise',
        '# TYPE node_textfile_scrape_error gauge',
        'node_textfile_scrape_error 0',
      ],
    },
  ];

  it.each(scenarios)('$name', async ({ dir, expected }) => {
    const d = dir();
    expect(await ours(d)).toEqual(expected);
    if (HAVE_NODE_EXPORTER) expect(await theirs(d)).toEqual(expected);
  }, 60_000);

  it.runIf(HAVE_NODE_EXPORTER)('gives node_exporter 1.5 text for the fixture folder', async () => {
    expect(await ours(TEXTFILE)).toEqual(await theirs(TEXTFILE));
  }, 60_000);
});
