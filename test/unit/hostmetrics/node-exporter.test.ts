/**
 * Side by side with the real node_exporter 1.5 (Debian's `prometheus-node-exporter`): the same
 * fake procfs/sysfs/udev tree and rootfs must give the same text, line for line, apart from values
 * that change between two reads (times, durations, free space). Skipped when the binary is absent.
 *
 * Debian patches two defaults of its build (mount points under /run, /mnt, /media excluded;
 * netdev excludes `lo`), so the upstream 1.5 defaults are passed explicitly. node_exporter reads
 * network counters through netlink by default; `--no-collector.netdev.netlink` makes it read
 * /proc/net/dev only, as this collector does with `netdevNetlink: false` (coverage.test.ts compares
 * the default netlink mode).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_NAMES, DEFAULT_MOUNT_POINTS_EXCLUDE, HostCollector, type HostCollectorOptions } from '../../../src/hostmetrics/index.js';
import { PROC, SYS, TEXTFILE, UDEV, scratchRootfs } from './helpers.js';
import { haveProgram } from '../../support/processes.js';

const BINARY = '/usr/bin/prometheus-node-exporter';

/** Families whose values legitimately differ between two reads; only their names and labels are compared. */
const VOLATILE = new Set([
  'node_scrape_collector_duration_seconds',
  'node_time_seconds',
  'node_filesystem_avail_bytes',
  'node_filesystem_free_bytes',
  'node_filesystem_files_free',
]);
/** Families that only node_exporter has: its own build and Go runtime metrics. */
const NOT_OURS = /^(# (HELP|TYPE) )?(go_|process_|promhttp_|node_exporter_build_info)/;

/** The body's lines with values of volatile families cut off and node_exporter's own metrics removed. */
function comparable(body: string, volatile: (name: string) => boolean): string[] {
  return body
    .split('\n')
    .filter((l) => l !== '' && !NOT_OURS.test(l))
    .map((l) => {
      if (l.startsWith('#')) return l;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0];
      return volatile(name) ? l.slice(0, l.lastIndexOf(' ')) : l;
    });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

interface Running {
  child: ChildProcess;
  url: string;
}

async function startNodeExporter(o: HostCollectorOptions): Promise<Running> {
  const port = await freePort();
  const args = [
    `--web.listen-address=127.0.0.1:${port}`,
    `--path.procfs=${o.procfs ?? '/proc'}`,
    `--path.sysfs=${o.sysfs ?? '/sys'}`,
    `--path.rootfs=${o.rootfs ?? '/'}`,
    `--path.udev.data=${o.udevData ?? '/run/udev/data'}`,
    '--collector.disable-defaults',
    ...COLLECTOR_NAMES.map((c) => `--collector.${c}`),
    '--no-collector.netdev.netlink',
    `--collector.textfile.directory=${o.textfileDirectory ?? ''}`,
    '--collector.netdev.device-exclude=',
    `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
  ];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}/metrics`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node_exporter exited: ${stderr}`);
    try {
      await fetch(url, { method: 'HEAD' });
      return { child, url };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  r.child.kill('SIGTERM');
  await once(r.child, 'exit');
}

describe.skipIf(!haveProgram(BINARY))('side by side with node_exporter 1.5', () => {
  const root = scratchRootfs();
  const fixtureOpts: HostCollectorOptions = { procfs: PROC, sysfs: SYS, rootfs: root.dir, udevData: UDEV, textfileDirectory: TEXTFILE };
  let onFixtures: Running | undefined;
  let onHost: Running | undefined;

  beforeAll(async () => {
    onFixtures = await startNodeExporter(fixtureOpts);
    onHost = await startNodeExporter({});
  });
  afterAll(async () => {
    await stop(onFixtures);
    await stop(onHost);
    root.cleanup();
  });

  it('gives the same text for the fixture tree, line for line', async () => {
    const theirs = await (await fetch(onFixtures!.url)).text();
    const ours = await new HostCollector({ ...fixtureOpts, netdevNetlink: false }).collect();
    const volatile = (n: string) => VOLATILE.has(n);
    expect(comparable(ours, volatile)).toEqual(comparable(theirs, volatile));
    // The comparison covers every collector, and node_exporter found them all healthy.
    for (const c of COLLECTOR_NAMES) expect(theirs).toContain(`node_scrape_collector_success{collector="${c}"} 1`);
  });

  it('gives the same families, HELP, TYPE and label sets on this host', async () => {
    const theirs = await (await fetch(onHost!.url)).text();
    const ours = await new HostCollector({ netdevNetlink: false }).collect();
    // On the live host every counter moves between the two reads: compare everything but values.
    const all = () => true;
    expect(comparable(ours, all)).toEqual(comparable(theirs, all));
  });
});
