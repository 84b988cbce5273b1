/** `lookout node-exporter` and the server's `/node/metrics` with node_exporter's flags, pointed at the fixture tree. */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, startProgram, waitFor, type Proc } from '../../support/processes.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROC, SYS, TEXTFILE, scratchRootfs } from './helpers.js';

describe('lookout node-exporter', () => {
  const root = scratchRootfs();
  let proc: Proc | undefined;
  let server: Proc | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lookout-node-cli-'));
  afterAll(async () => {
    await proc?.stop();
    await server?.stop();
    root.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the fixture tree and applies the filesystem, netdev, netstat and vmstat flags', async () => {
    const port = await freePort();
    proc = startProgram(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'src', 'cli', 'main.ts'),
      'node-exporter',
      `--web.listen-address=127.0.0.1:${port}`,
      `--path.procfs=${PROC}`,
      `--path.sysfs=${SYS}`,
      `--path.rootfs=${root.dir}`,
      '--collector.filesystem.mount-points-exclude=^/data$',
      '--collector.filesystem.fs-types-exclude=^tmpfs$',
      '--no-collector.netdev.netlink',
      '--collector.netstat.fields=^Tcp_MaxConn$',
      '--collector.vmstat.fields=^oom_kill$',
    ]);
    const body = await waitFor('node-exporter', 60_000, async () => {
      if (proc!.child.exitCode !== null) throw new Error(proc!.output());
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      return r.ok ? r.text() : undefined;
    });
    const samples = (prefix: string) => body.split('\n').filter((l) => l.startsWith(prefix));
    expect(samples('node_netstat_')).toEqual(['node_netstat_Tcp_MaxConn -1']);
    expect(samples('node_vmstat_').map((l) => l.split(' ')[0])).toEqual(['node_vmstat_oom_kill']);
    expect(body).not.toContain('nohandler');
    const mounts = samples('node_filesystem_size_bytes').map((l) => /mountpoint="([^"]*)"/.exec(l)![1]);
    expect(mounts).not.toContain('/data');
    expect(samples('node_filesystem_size_bytes').filter((l) => l.includes('fstype="tmpfs"'))).toEqual([]);
    expect(mounts).toContain('/');
    // node_exporter's own process_* series, of the exporter process (real /proc/self, not --path.procfs).
    expect(body).toMatch(/^process_open_fds \d+$/m);
    expect(body).toMatch(/^process_resident_memory_bytes \d+(\.\d+)?(e\+\d+)?$/m);
  }, 90_000);

  it('the server passes --path.* and --collector.textfile.directory to its host collector', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), 'scrape_configs: []\n');
    writeFileSync(join(dir, 'alertmanager.yml'), readFileSync(join(ROOT, 'config', 'alertmanager.yml')));
    server = startProgram(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'src', 'cli', 'main.ts'),
      'server',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--path.procfs=${PROC}`,
      `--collector.textfile.directory=${TEXTFILE}`,
    ]);
    const body = await waitFor('server /node/metrics', 60_000, async () => {
      if (server!.child.exitCode !== null) throw new Error(server!.output());
      const r = await fetch(`http://127.0.0.1:${port}/node/metrics`);
      return r.ok ? r.text() : undefined;
    });
    expect(body).toContain('app_jobs{prio="high",queue="b"} 4\n');
    expect(body).toContain('node_entropy_available_bits 3021\n');
    expect(body).toMatch(/^process_cpu_seconds_total \d/m);
    expect(body).toMatch(/^process_start_time_seconds \d/m);
  }, 90_000);
});
