/**
 * `filesystem` collector, as node_exporter 1.5 on Linux: for every mount in `<procfs>/1/mounts`
 * (falling back to `<procfs>/mounts`) not excluded by mount point or filesystem type,
 * `statfs(<rootfs>/<mountpoint>)` gives `node_filesystem_{size,free,avail}_bytes`,
 * `node_filesystem_files`, `node_filesystem_files_free` and `node_filesystem_readonly`, labelled
 * `device`, `fstype`, `mountpoint`; `node_filesystem_device_error` is 1 when statfs failed (then
 * only that series is written) and 0 otherwise.
 *
 * The kernel escapes space, tab, newline and backslash in mount paths as `\040`, `\011`, `\012`,
 * `\134`; they are decoded before statfs and in the labels (node_exporter 1.5 decodes only `\040`
 * and `\011`, and only in the mount point; this collector decodes every octal escape in the
 * device and the mount point).
 *
 * A statfs that has not answered after the mount timeout (5 s) marks the mount point stuck: it is
 * reported with `device_error` 1 and not queried again until that call returns, so one hung NFS
 * mount cannot stall every scrape.
 */
import type { StatsFs } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { compilePattern, type Pattern } from '../filter.js';
import { HostParseError, decodeOctalEscapes, fields, lines } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** node_exporter 1.5's default `--collector.filesystem.mount-points-exclude`. */
export const DEFAULT_MOUNT_POINTS_EXCLUDE = '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)';
/** node_exporter 1.5's default `--collector.filesystem.fs-types-exclude`. */
export const DEFAULT_FS_TYPES_EXCLUDE =
  '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$';
/** How long a statfs may take before its mount point is considered stuck, milliseconds (upstream `--collector.filesystem.mount-timeout`). */
export const MOUNT_TIMEOUT_MS = 5000;

/** One line of a mount table. */
export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string;
}

/**
 * Parses a /proc mount table (`device mountpoint fstype options dump pass`), decoding octal
 * escapes in the device and mount point.
 * @throws {HostParseError} for a line with fewer than four fields
 */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of lines(text)) {
    const parts = fields(line);
    if (parts.length < 4) throw new HostParseError(`malformed mount point information: ${JSON.stringify(line)}`);
    out.push({
      device: decodeOctalEscapes(parts[0]!),
      mountPoint: decodeOctalEscapes(parts[1]!),
      fsType: parts[2]!,
      options: parts[3]!,
    });
  }
  return out;
}

const HELP = {
  size: 'Filesystem size in bytes.',
  free: 'Filesystem free space in bytes.',
  avail: 'Filesystem space available to non-root users in bytes.',
  files: 'Filesystem total file nodes.',
  filesFree: 'Filesystem total free file nodes.',
  readonly: 'Filesystem read-only status.',
  deviceError: 'Whether an error occurred while getting statistics for the given device.',
};

const TIMED_OUT = Symbol('timed out');

/** The `filesystem` collector. */
export class FilesystemCollector implements Collector {
  readonly name = 'filesystem';
  private readonly mountPointsExclude: Pattern;
  private readonly fsTypesExclude: Pattern;
  /** Mount points whose statfs is still pending after the timeout. */
  private readonly stuck = new Set<string>();

  /** @throws {HostPatternError} for an invalid pattern */
  constructor(
    private readonly paths: HostPaths,
    mountPointsExclude = DEFAULT_MOUNT_POINTS_EXCLUDE,
    fsTypesExclude = DEFAULT_FS_TYPES_EXCLUDE,
    private readonly mountTimeoutMs = MOUNT_TIMEOUT_MS,
  ) {
    this.mountPointsExclude = compilePattern(mountPointsExclude, '--collector.filesystem.mount-points-exclude');
    this.fsTypesExclude = compilePattern(fsTypesExclude, '--collector.filesystem.fs-types-exclude');
  }

  private async mountTable(): Promise<MountEntry[]> {
    let text: string;
    try {
      text = await readFile(this.paths.proc('1/mounts'), 'utf8');
    } catch (e) {
      if (!isNotExist(e)) throw e;
      text = await readFile(this.paths.proc('mounts'), 'utf8');
    }
    return parseMounts(text).map((m) => ({ ...m, mountPoint: this.paths.stripRootfs(m.mountPoint) }));
  }

  /** statfs with the stuck-mount guard: the stats, or null on error, timeout or a known stuck mount. */
  private async stat(mountPoint: string): Promise<StatsFs | null> {
    if (this.stuck.has(mountPoint)) return null;
    const call: Promise<StatsFs> = statfs(this.paths.root(mountPoint));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.mountTimeoutMs);
    });
    try {
      const r = await Promise.race([call, timeout]);
      if (r !== TIMED_OUT) return r;
      this.stuck.add(mountPoint);
      call.then(
        () => this.stuck.delete(mountPoint),
        () => this.stuck.delete(mountPoint),
      );
      return null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  async update(out: MetricSet): Promise<void> {
    const mounts = (await this.mountTable()).filter(
      (m) => !this.mountPointsExclude.test(m.mountPoint) && !this.fsTypesExclude.test(m.fsType),
    );
    const results = await Promise.all(mounts.map((m) => this.stat(m.mountPoint)));
    const seen = new Set<string>();
    for (let i = 0; i < mounts.length; i++) {
      const m = mounts[i]!;
      const key = `${m.device}\xff${m.mountPoint}\xff${m.fsType}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const labels = { device: m.device, mountpoint: m.mountPoint, fstype: m.fsType };
      const s = results[i]!;
      out.add('node_filesystem_device_error', 'gauge', HELP.deviceError, s === null ? 1 : 0, labels);
      if (s === null) continue;
      out.add('node_filesystem_size_bytes', 'gauge', HELP.size, s.blocks * s.bsize, labels);
      out.add('node_filesystem_free_bytes', 'gauge', HELP.free, s.bfree * s.bsize, labels);
      out.add('node_filesystem_avail_bytes', 'gauge', HELP.avail, s.bavail * s.bsize, labels);
      out.add('node_filesystem_files', 'gauge', HELP.files, s.files, labels);
      out.add('node_filesystem_files_free', 'gauge', HELP.filesFree, s.ffree, labels);
      out.add('node_filesystem_readonly', 'gauge', HELP.readonly, m.options.split(',').includes('ro') ? 1 : 0, labels);
    }
  }
}
