/**
 * The host collector: runs node_exporter-compatible subsystem collectors concurrently (as
 * node_exporter runs each in its own goroutine) and reports, besides their samples,
 * `node_scrape_collector_duration_seconds{collector}` (seconds) and
 * `node_scrape_collector_success{collector}` (1, or 0 when the collector failed or had no data).
 */
import { logger } from '../log.js';
import { ArpCollector } from './collectors/arp.js';
import { ConntrackCollector } from './collectors/conntrack.js';
import { CpuCollector } from './collectors/cpu.js';
import { CpufreqCollector } from './collectors/cpufreq.js';
import { DEFAULT_DISKSTATS_DEVICE_EXCLUDE, DiskstatsCollector } from './collectors/diskstats.js';
import { EntropyCollector } from './collectors/entropy.js';
import { FilefdCollector } from './collectors/filefd.js';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, FilesystemCollector } from './collectors/filesystem.js';
import { LoadavgCollector } from './collectors/loadavg.js';
import { MeminfoCollector } from './collectors/meminfo.js';
import { NetClassCollector } from './collectors/netclass.js';
import { NetDevCollector } from './collectors/netdev.js';
import { DEFAULT_NETSTAT_FIELDS, NetstatCollector } from './collectors/netstat.js';
import { OsCollector } from './collectors/os.js';
import { PressureCollector } from './collectors/pressure.js';
import { SockstatCollector } from './collectors/sockstat.js';
import { SoftnetCollector } from './collectors/softnet.js';
import { StatCollector } from './collectors/stat.js';
import { TextfileCollector } from './collectors/textfile.js';
import { TimeCollector } from './collectors/time.js';
import { UdpQueuesCollector } from './collectors/udpqueues.js';
import { UnameCollector } from './collectors/uname.js';
import { DEFAULT_VMSTAT_FIELDS, VmstatCollector } from './collectors/vmstat.js';
import { DeviceFilter } from './filter.js';
import { MetricSet } from './metricset.js';
import { HostPaths } from './paths.js';
import { addProcessMetrics } from './process.js';
import { NoDataError, type Collector } from './types.js';

const log = logger('hostmetrics');

/**
 * Options, named after node_exporter 1.5's flags; every pattern is RE2, matched unanchored (the
 * defaults carry their own anchors).
 */
export interface HostCollectorOptions {
  /** `--path.procfs` (default `/proc`). */
  procfs?: string;
  /** `--path.sysfs` (default `/sys`). */
  sysfs?: string;
  /** `--path.rootfs` (default `/`): statfs and os-release are read below it, and it is stripped from mount points. */
  rootfs?: string;
  /** `--path.udev.data` (default `/run/udev/data`). */
  udevData?: string;
  /** `--collector.filesystem.mount-points-exclude` (default {@link DEFAULT_MOUNT_POINTS_EXCLUDE}). */
  mountPointsExclude?: string;
  /** `--collector.filesystem.fs-types-exclude` (default {@link DEFAULT_FS_TYPES_EXCLUDE}). */
  fsTypesExclude?: string;
  /** `--collector.netdev.device-exclude` (default none). */
  netdevDeviceExclude?: string;
  /** `--collector.netdev.device-include` (default none; exclusive with the exclude pattern). */
  netdevDeviceInclude?: string;
  /** `--[no-]collector.netdev.netlink` (default on): also report `node_network_receive_nohandler_total`. */
  netdevNetlink?: boolean;
  /** `--collector.diskstats.device-exclude` (default {@link DEFAULT_DISKSTATS_DEVICE_EXCLUDE}, or none when an include pattern is given). */
  diskstatsDeviceExclude?: string;
  /** `--collector.diskstats.device-include` (default none). */
  diskstatsDeviceInclude?: string;
  /** `--collector.vmstat.fields` (default {@link DEFAULT_VMSTAT_FIELDS}). */
  vmstatFields?: string;
  /** `--collector.netstat.fields` (default {@link DEFAULT_NETSTAT_FIELDS}). */
  netstatFields?: string;
  /** `--collector.netclass.ignored-devices` (default `^$`). */
  netclassIgnoredDevices?: string;
  /** `--collector.netclass.ignore-invalid-speed` (default off). */
  netclassIgnoreInvalidSpeed?: boolean;
  /** `--collector.textfile.directory`: a directory or glob of `*.prom` files (default none). */
  textfileDirectory?: string;
  /** Collectors to run, by name (default all of {@link COLLECTOR_NAMES}). */
  collectors?: readonly string[];
  /**
   * Also report the serving process's own `process_*` series, as node_exporter does on its
   * /metrics (see process.ts; default off, so library users and fixture tests get host series only).
   */
  processMetrics?: boolean;
}

/** The collectors this module implements, all enabled by default (as in node_exporter). */
export const COLLECTOR_NAMES = [
  'arp',
  'conntrack',
  'cpu',
  'cpufreq',
  'diskstats',
  'entropy',
  'filefd',
  'filesystem',
  'loadavg',
  'meminfo',
  'netclass',
  'netdev',
  'netstat',
  'os',
  'pressure',
  'sockstat',
  'softnet',
  'stat',
  'textfile',
  'time',
  'udp_queues',
  'uname',
  'vmstat',
] as const;

function build(name: string, o: HostCollectorOptions, paths: HostPaths): Collector {
  switch (name) {
    case 'arp':
      return new ArpCollector(paths);
    case 'conntrack':
      return new ConntrackCollector(paths);
    case 'cpu':
      return new CpuCollector(paths);
    case 'cpufreq':
      return new CpufreqCollector(paths);
    case 'diskstats': {
      const include = o.diskstatsDeviceInclude ?? '';
      const exclude = o.diskstatsDeviceExclude ?? (include === '' ? DEFAULT_DISKSTATS_DEVICE_EXCLUDE : '');
      return new DiskstatsCollector(paths, new DeviceFilter(exclude, include, '--collector.diskstats'));
    }
    case 'entropy':
      return new EntropyCollector(paths);
    case 'filefd':
      return new FilefdCollector(paths);
    case 'filesystem':
      return new FilesystemCollector(paths, o.mountPointsExclude ?? DEFAULT_MOUNT_POINTS_EXCLUDE, o.fsTypesExclude ?? DEFAULT_FS_TYPES_EXCLUDE);
    case 'loadavg':
      return new LoadavgCollector(paths);
    case 'meminfo':
      return new MeminfoCollector(paths);
    case 'netdev':
      return new NetDevCollector(paths, new DeviceFilter(o.netdevDeviceExclude ?? '', o.netdevDeviceInclude ?? '', '--collector.netdev'), o.netdevNetlink ?? true);
    case 'netclass':
      return new NetClassCollector(paths, o.netclassIgnoredDevices ?? '^$', o.netclassIgnoreInvalidSpeed ?? false);
    case 'netstat':
      return new NetstatCollector(paths, o.netstatFields ?? DEFAULT_NETSTAT_FIELDS);
    case 'os':
      return new OsCollector(paths);
    case 'pressure':
      return new PressureCollector(paths);
    case 'sockstat':
      return new SockstatCollector(paths);
    case 'softnet':
      return new SoftnetCollector(paths);
    case 'stat':
      return new StatCollector(paths);
    case 'textfile':
      return new TextfileCollector(o.textfileDirectory ?? '');
    case 'time':
      return new TimeCollector(paths);
    case 'udp_queues':
      return new UdpQueuesCollector(paths);
    case 'uname':
      return new UnameCollector(paths);
    case 'vmstat':
      return new VmstatCollector(paths, o.vmstatFields ?? DEFAULT_VMSTAT_FIELDS);
    default:
      throw new Error(`missing collector: ${name}`);
  }
}

/** node_exporter-compatible host metrics collector. */
export class HostCollector {
  private readonly collectors: Collector[];
  private readonly processMetrics: boolean;

  /**
   * @throws {HostPatternError} for an invalid pattern or both an include and an exclude pattern
   * for one collector
   * @throws {Error} `missing collector: <name>` for an unknown collector name
   */
  constructor(opts: HostCollectorOptions = {}) {
    const paths = new HostPaths(opts.procfs ?? '/proc', opts.sysfs ?? '/sys', opts.rootfs ?? '/', opts.udevData ?? '/run/udev/data');
    this.collectors = (opts.collectors ?? COLLECTOR_NAMES).map((n) => build(n, opts, paths));
    this.processMetrics = opts.processMetrics ?? false;
  }

  /**
   * Runs every collector once, concurrently, and returns the samples with the
   * `node_scrape_collector_*` series (and the `process_*` series when enabled). Never throws: a failing collector is logged (error level;
   * debug for "no data") and reported with success 0.
   */
  async gather(): Promise<MetricSet> {
    const out = new MetricSet();
    await Promise.all([
      this.processMetrics ? addProcessMetrics(out) : undefined,
      ...this.collectors.map(async (c) => {
        const start = performance.now();
        let success = 1;
        try {
          await c.update(out);
        } catch (e) {
          success = 0;
          const seconds = (performance.now() - start) / 1000;
          if (e instanceof NoDataError) log.debug('collector returned no data', { name: c.name, duration_seconds: seconds, err: e.message });
          else log.error('collector failed', { name: c.name, duration_seconds: seconds, err: e instanceof Error ? e.message : String(e) });
        }
        const labels = { collector: c.name };
        out.add('node_scrape_collector_duration_seconds', 'gauge', 'node_exporter: Duration of a collector scrape.', (performance.now() - start) / 1000, labels);
        out.add('node_scrape_collector_success', 'gauge', 'node_exporter: Whether a collector succeeded.', success, labels);
      }),
    ]);
    for (const d of out.droppedSamples()) log.error('error gathering metrics', { err: d });
    return out;
  }

  /** Collects everything and returns a Prometheus text-format 0.0.4 body (with HELP/TYPE) as node_exporter 1.5 would. */
  async collect(): Promise<string> {
    return (await this.gather()).render();
  }
}
