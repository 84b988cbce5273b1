/**
 * File locations of the host collector, as node_exporter's `--path.procfs`, `--path.sysfs`,
 * `--path.rootfs` and `--path.udev.data` flags: every file a collector reads is resolved here, so
 * tests point the collector at fake trees.
 */
import { join } from 'node:path';

/** Resolves procfs, sysfs, rootfs and udev-data paths. */
export class HostPaths {
  /**
   * @param procfs procfs mount point (default `/proc`)
   * @param sysfs sysfs mount point (default `/sys`)
   * @param rootfs host root mount point (default `/`)
   * @param udevData udev database directory (default `/run/udev/data`)
   */
  constructor(
    readonly procfs = '/proc',
    readonly sysfs = '/sys',
    readonly rootfs = '/',
    readonly udevData = '/run/udev/data',
  ) {}

  /** `<procfs>/<name>`, cleaned as Go's `filepath.Join`. */
  proc(name: string): string {
    return join(this.procfs, name);
  }

  /** `<sysfs>/<name>`. */
  sys(name: string): string {
    return join(this.sysfs, name);
  }

  /** `<rootfs>/<name>` (a mount point as seen from inside a container that mounts the host at rootfs). */
  root(name: string): string {
    return join(this.rootfs, name);
  }

  /** `<udevData>/<name>`. */
  udev(name: string): string {
    return join(this.udevData, name);
  }

  /**
   * A mount point as the host sees it: the rootfs prefix removed (`/rootfs/home` → `/home`, the
   * prefix alone → `/`), as node_exporter's `rootfsStripPrefix` (a plain text prefix, not a path
   * component match). Unchanged when rootfs is `/`.
   */
  stripRootfs(path: string): string {
    if (this.rootfs === '/') return path;
    const stripped = path.startsWith(this.rootfs) ? path.slice(this.rootfs.length) : path;
    return stripped === '' ? '/' : stripped;
  }
}
