import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePromtailConfigText } from '../../../src/logs/files/config.js';
import { FileTargetManager } from '../../../src/logs/files/manager.js';
import { toObject } from '../../../src/model/labels.js';
import type { LogWriter, PushResult, PushStream } from '../../../src/logs/types.js';

/** A LogWriter that records what it was given: one row per entry `[labels, line, ms, nanos]`. */
class RecordingWriter implements LogWriter {
  readonly rows: { labels: Record<string, string>; line: string; ms: number; nanos: number }[] = [];
  failures = 0;
  async push(streams: readonly PushStream[]): Promise<PushResult> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('store unavailable');
    }
    let n = 0;
    for (const s of streams) {
      for (const e of s.entries) {
        this.rows.push({ labels: toObject(s.labels), line: e.line, ms: e.ms, nanos: e.nanos });
        n++;
      }
    }
    return { accepted: n, rejected: 0, errors: [] };
  }
  lines(): string[] {
    return this.rows.map((r) => r.line);
  }
}

let dir: string;
const managers: FileTargetManager[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-files-'));
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(writer: LogWriter, extra = '', stages = '', registry?: Registry): FileTargetManager {
  const cfg = parsePromtailConfigText(
    'promtail.yml',
    `positions:
  filename: ${join(dir, 'positions.yaml')}
scrape_configs:
  - job_name: app
    static_configs:
      - targets: [localhost]
        labels:
          job: app
          __path__: ${join(dir, '*.log')}
${extra}${stages ? `    pipeline_stages:\n${stages}` : ''}`,
  );
  // Long intervals: the tests drive reading with flush(), so nothing depends on timing.
  const m = new FileTargetManager({
    config: { ...cfg, targetSyncPeriodMs: 3_600_000 },
    writer,
    defaultPositionsFile: join(dir, 'unused.yaml'),
    pollIntervalMs: 3_600_000,
    now: () => 1_700_000_000_000,
    registry,
  });
  managers.push(m);
  return m;
}

describe('file tailing', () => {
  it('reads complete lines only, with job and filename labels, as they are appended', async () => {
    const w = new RecordingWriter();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'one\ntwo\r\nthr');
    const m = start(w);
    await m.flush();
    expect(w.rows).toEqual([
      { labels: { filename: file, job: 'app' }, line: 'one', ms: 1_700_000_000_000, nanos: 0 },
      { labels: { filename: file, job: 'app' }, line: 'two', ms: 1_700_000_000_000, nanos: 1 },
    ]);
    appendFileSync(file, 'ee\nfour\n');
    await m.flush();
    expect(w.lines()).toEqual(['one', 'two', 'three', 'four']);
    await m.flush();
    expect(w.lines()).toEqual(['one', 'two', 'three', 'four']);
  });

  it('finds new files matching the glob, not other names', async () => {
    const w = new RecordingWriter();
    const m = start(w);
    await m.flush();
    expect(m.files()).toEqual([]);
    writeFileSync(join(dir, 'a.log'), 'a1\n');
    writeFileSync(join(dir, 'b.txt'), 'b1\n');
    await m.flush();
    expect(m.files()).toEqual([join(dir, 'a.log')]);
    expect(w.lines()).toEqual(['a1']);
  });

  it('follows appends and new files on its own (fs.watch and polling)', async () => {
    const w = new RecordingWriter();
    const cfg = parsePromtailConfigText(
      'promtail.yml',
      `scrape_configs:\n  - job_name: app\n    static_configs:\n      - labels: {job: app, __path__: ${join(dir, '*.log')}}\n`,
    );
    const m = new FileTargetManager({ config: cfg, writer: w, defaultPositionsFile: join(dir, 'pos.yaml'), pollIntervalMs: 200 });
    managers.push(m);
    writeFileSync(join(dir, 'a.log'), 'a1\n');
    await vi.waitFor(() => expect(w.lines()).toEqual(['a1']), { timeout: 20_000, interval: 50 });
    appendFileSync(join(dir, 'a.log'), 'a2\n');
    await vi.waitFor(() => expect(w.lines()).toEqual(['a1', 'a2']), { timeout: 20_000, interval: 50 });
  });

  it('__path_exclude__ leaves matching files out', async () => {
    writeFileSync(join(dir, 'a.log'), 'a1\n');
    writeFileSync(join(dir, 'skip.log'), 's1\n');
    const w = new RecordingWriter();
    const cfg = parsePromtailConfigText(
      'promtail.yml',
      `scrape_configs:
  - job_name: app
    static_configs:
      - targets: [localhost]
        labels: {job: app, __path__: ${join(dir, '*.log')}, __path_exclude__: ${join(dir, 'skip*')}}
`,
    );
    const m = new FileTargetManager({ config: cfg, writer: w, defaultPositionsFile: join(dir, 'pos.yaml'), pollIntervalMs: 3_600_000 });
    managers.push(m);
    await m.flush();
    expect(m.files()).toEqual([join(dir, 'a.log')]);
    expect(w.lines()).toEqual(['a1']);
  });

  it('reads the rest of a file rotated by rename before the new file', async () => {
    const w = new RecordingWriter();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'old1\n');
    const m = start(w);
    await m.flush();
    appendFileSync(file, 'old2\nold3-no-newline');
    renameSync(file, join(dir, 'app.log.1'));
    writeFileSync(file, 'new1\n');
    await m.flush();
    expect(w.lines()).toEqual(['old1', 'old2', 'old3-no-newline', 'new1']);
    appendFileSync(file, 'new2\n');
    await m.flush();
    expect(w.lines()).toEqual(['old1', 'old2', 'old3-no-newline', 'new1', 'new2']);
  });

  it('waits for a file deleted and created again', async () => {
    const w = new RecordingWriter();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'a\n');
    const m = start(w);
    await m.flush();
    rmSync(file);
    await m.flush();
    writeFileSync(file, 'b\n');
    await m.flush();
    expect(w.lines()).toEqual(['a', 'b']);
  });

  it('starts again from byte 0 after truncation (copytruncate)', async () => {
    const w = new RecordingWriter();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'line one\nline two\n');
    const m = start(w);
    await m.flush();
    truncateSync(file, 0);
    appendFileSync(file, 'after\n');
    await m.flush();
    expect(w.lines()).toEqual(['line one', 'line two', 'after']);
  });

  it('resumes from the positions file after a restart without duplicates or loss', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'l1\nl2\nl3\npart');
    const w1 = new RecordingWriter();
    const m1 = start(w1);
    await m1.flush();
    await m1.stop();
    expect(readFileSync(join(dir, 'positions.yaml'), 'utf8')).toBe(`positions:\n  ${file}: "9"\n`);
    appendFileSync(file, 'ial\nl5\n');
    const w2 = new RecordingWriter();
    const m2 = start(w2);
    await m2.flush();
    expect(w1.lines()).toEqual(['l1', 'l2', 'l3']);
    expect(w2.lines()).toEqual(['partial', 'l5']);
  });

  it('starts from 0 when the saved position is past the end of the file', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(join(dir, 'positions.yaml'), `positions:\n  ${file}: "500"\n`);
    writeFileSync(file, 'short\n');
    const w = new RecordingWriter();
    await start(w).flush();
    expect(w.lines()).toEqual(['short']);
  });

  it('retries a failed push with the same lines; positions move only after success', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'x\ny\n');
    const w = new RecordingWriter();
    w.failures = 1;
    const m = start(w);
    await m.flush();
    expect(w.lines()).toEqual(['x', 'y']);
    await m.stop();
    expect(readFileSync(join(dir, 'positions.yaml'), 'utf8')).toBe(`positions:\n  ${file}: "4"\n`);
  });

  it('runs the pipeline: labels from JSON fields, timestamp and output', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, '{"level":"error","msg":"boom","ts":"2024-05-01T10:00:00Z"}\n{"level":"info","msg":"ok","ts":"2024-05-01T10:00:01Z"}\n');
    const w = new RecordingWriter();
    const registry = new Registry();
    const m = start(
      w,
      '',
      `      - json: {expressions: {level: level, msg: msg, ts: ts}}
      - labels: {level: ""}
      - timestamp: {source: ts, format: RFC3339}
      - output: {source: msg}
`,
      registry,
    );
    await m.flush();
    expect(w.rows).toEqual([
      { labels: { filename: file, job: 'app', level: 'error' }, line: 'boom', ms: Date.UTC(2024, 4, 1, 10), nanos: 0 },
      { labels: { filename: file, job: 'app', level: 'info' }, line: 'ok', ms: Date.UTC(2024, 4, 1, 10, 0, 1), nanos: 0 },
    ]);
    const text = await registry.metrics();
    expect(text).toContain(`promtail_read_lines_total{path="${file}"} 2`);
    expect(text).toContain('promtail_files_active_total 1');
  });
});
