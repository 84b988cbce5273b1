/**
 * `diskstats` collector, as node_exporter 1.5 on Linux: per block device in /proc/diskstats not
 * excluded by the device filter, `node_disk_info` (udev properties as labels) and the I/O counters
 * (reads/writes/discards/flushes completed and merged, bytes as sectors × 512, times as
 * milliseconds ÷ 1000), plus `node_disk_filesystem_info`, `node_disk_device_mapper_info` and
 * `node_disk_ata_*` from the udev database when it has them.
 *
 * Only as many counters are written as the kernel provides (14 fields before Linux 4.18, 18 before
 * 5.5, 20 since), as upstream; lines with fewer than 14 fields are skipped.
 */
import { readFile } from 'node:fs/promises';
import type { DeviceFilter } from '../filter.js';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { fields, lines, parseDecimal, parseUint } from '../text.js';
import type { Collector } from '../types.js';

/** node_exporter 1.5's default `--collector.diskstats.device-exclude` (partitions, loop and RAM disks). */
export const DEFAULT_DISKSTATS_DEVICE_EXCLUDE = '^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$';

/** The Unix sector size /proc/diskstats counts in, bytes. */
const SECTOR_BYTES = 512;
/** /proc/diskstats times are milliseconds. */
const SECONDS_PER_TICK = 1 / 1000;

/** One counter: name, HELP, type, and the factor applied to the raw field. */
type CounterSpec = readonly [name: string, help: string, type: 'counter' | 'gauge', factor: number];

/** The 17 counters after major, minor and device name, in /proc/diskstats order. */
const COUNTERS: readonly CounterSpec[] = [
  ['node_disk_reads_completed_total', 'The total number of reads completed successfully.', 'counter', 1],
  ['node_disk_reads_merged_total', 'The total number of reads merged.', 'counter', 1],
  ['node_disk_read_bytes_total', 'The total number of bytes read successfully.', 'counter', SECTOR_BYTES],
  ['node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', 'counter', SECONDS_PER_TICK],
  ['node_disk_writes_completed_total', 'The total number of writes completed successfully.', 'counter', 1],
  ['node_disk_writes_merged_total', 'The number of writes merged.', 'counter', 1],
  ['node_disk_written_bytes_total', 'The total number of bytes written successfully.', 'counter', SECTOR_BYTES],
  ['node_disk_write_time_seconds_total', 'This is the total number of seconds spent by all writes.', 'counter', SECONDS_PER_TICK],
  ['node_disk_io_now', 'The number of I/Os currently in progress.', 'gauge', 1],
  ['node_disk_io_time_seconds_total', 'Total seconds spent doing I/Os.', 'counter', SECONDS_PER_TICK],
  ['node_disk_io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', 'counter', SECONDS_PER_TICK],
  ['node_disk_discards_completed_total', 'The total number of discards completed successfully.', 'counter', 1],
  ['node_disk_discards_merged_total', 'The total number of discards merged.', 'counter', 1],
  ['node_disk_discarded_sectors_total', 'The total number of sectors discarded successfully.', 'counter', 1],
  ['node_disk_discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', 'counter', SECONDS_PER_TICK],
  ['node_disk_flush_requests_total', 'The total number of flush requests completed successfully', 'counter', 1],
  ['node_disk_flush_requests_time_seconds_total', 'This is the total number of seconds spent by all flush requests.', 'counter', SECONDS_PER_TICK],
];

/** Fewest fields a /proc/diskstats line needs to be reported (kernels before 4.18 write 14). */
const MIN_FIELDS = 14;

/** One /proc/diskstats line: device numbers and name, and the raw counters present. */
export interface DiskStatsLine {
  major: number;
  minor: number;
  device: string;
  counters: number[];
}

/**
 * Parses /proc/diskstats, keeping lines with at least 14 fields.
 * @throws {HostParseError} for a non-numeric counter
 */
export function parseDiskStats(text: string): DiskStatsLine[] {
  const out: DiskStatsLine[] = [];
  for (const line of lines(text)) {
    const parts = fields(line);
    const n = Math.min(parts.length, 3 + COUNTERS.length);
    if (n < 3) {
      if (n > 0) parseUint(parts[0]!, 'diskstats major');
      if (n > 1) parseUint(parts[1]!, 'diskstats minor');
      continue;
    }
    const major = parseUint(parts[0]!, 'diskstats major');
    const minor = parseUint(parts[1]!, 'diskstats minor');
    const counters: number[] = [];
    for (let i = 3; i < n; i++) counters.push(parseUint(parts[i]!, `diskstats field ${i + 1}`));
    if (n >= MIN_FIELDS) out.push({ major, minor, device: parts[2]!, counters });
  }
  return out;
}

/** udev database properties (`E:KEY=VALUE` lines of `b<major>:<minor>`). */
async function udevProperties(paths: HostPaths, major: number, minor: number): Promise<Map<string, string>> {
  const props = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(paths.udev(`b${major}:${minor}`), 'utf8');
  } catch {
    return props;
  }
  for (const line of lines(text)) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=', 2);
    if (eq >= 0) props.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return props;
}

const ATA_METRICS: ReadonlyArray<readonly [key: string, name: string, help: string]> = [
  ['ID_ATA_WRITE_CACHE', 'node_disk_ata_write_cache', 'ATA disk has a write cache.'],
  ['ID_ATA_WRITE_CACHE_ENABLED', 'node_disk_ata_write_cache_enabled', 'ATA disk has its write cache enabled.'],
  ['ID_ATA_ROTATION_RATE_RPM', 'node_disk_ata_rotation_rate_rpm', 'ATA disk rotation rate in RPMs (0 for SSDs).'],
];

/** The `diskstats` collector. */
export class DiskstatsCollector implements Collector {
  readonly name = 'diskstats';

  constructor(
    private readonly paths: HostPaths,
    private readonly filter: DeviceFilter,
  ) {}

  async update(out: MetricSet): Promise<void> {
    let disks: DiskStatsLine[];
    try {
      disks = parseDiskStats(await readFile(this.paths.proc('diskstats'), 'utf8'));
    } catch (e) {
      throw new Error(`couldn't get diskstats: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    for (const d of disks) {
      if (this.filter.ignored(d.device)) continue;
      const info = await udevProperties(this.paths, d.major, d.minor);
      const p = (k: string) => info.get(k) ?? '';
      const device = d.device;
      out.add('node_disk_info', 'gauge', 'Info of /sys/block/<block_device>.', 1, {
        device,
        major: String(d.major),
        minor: String(d.minor),
        path: p('ID_PATH'),
        wwn: p('ID_WWN'),
        model: p('ID_MODEL'),
        serial: p('ID_SERIAL_SHORT'),
        revision: p('ID_REVISION'),
      });
      for (let i = 0; i < d.counters.length; i++) {
        const [name, help, type, factor] = COUNTERS[i]!;
        out.add(name, type, help, d.counters[i]! * factor, { device });
      }
      if (p('ID_FS_TYPE') !== '') {
        out.add('node_disk_filesystem_info', 'gauge', 'Info about disk filesystem.', 1, {
          device,
          type: p('ID_FS_TYPE'),
          usage: p('ID_FS_USAGE'),
          uuid: p('ID_FS_UUID'),
          version: p('ID_FS_VERSION'),
        });
      }
      if (p('DM_NAME') !== '') {
        out.add('node_disk_device_mapper_info', 'gauge', 'Info about disk device mapper.', 1, {
          device,
          name: p('DM_NAME'),
          uuid: p('DM_UUID'),
          vg_name: p('DM_VG_NAME'),
          lv_name: p('DM_LV_NAME'),
          lv_layer: p('DM_LV_LAYER'),
        });
      }
      if (p('ID_ATA') !== '') {
        for (const [key, name, help] of ATA_METRICS) {
          const v = info.get(key);
          if (v === undefined) continue;
          try {
            out.add(name, 'gauge', help, parseDecimal(v, key), { device });
          } catch {
            // Upstream logs an unparsable ATA value and leaves the metric out.
          }
        }
      }
    }
  }
}
