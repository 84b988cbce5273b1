/** Shared set-up for the host-metrics tests: the fixture tree and a scratch rootfs with mount points. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fake procfs/sysfs/udev tree checked in beside the tests. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const PROC = join(FIXTURES, 'proc');
export const SYS = join(FIXTURES, 'sys');
export const UDEV = join(FIXTURES, 'udev');
/** A `--collector.textfile.directory` with well-formed `*.prom` files (and a file it must skip). */
export const TEXTFILE = join(FIXTURES, 'textfile');

/** Mount points of `fixtures/proc/1/mounts` that the scratch rootfs provides (the others are absent). */
export const PRESENT_MOUNTS = ['/', '/data', '/mnt/vsan/[vsanDatastore] bafb9e5a/disk.vmdk', '/mnt/tab\tdir'];

/** A temporary rootfs with os-release and the present mount points; `cleanup()` removes it. */
export function scratchRootfs(withMounts = true): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-hostmetrics-'));
  mkdirSync(join(dir, 'etc'));
  copyFileSync(join(FIXTURES, 'rootfs/etc/os-release'), join(dir, 'etc/os-release'));
  if (withMounts) for (const m of PRESENT_MOUNTS) mkdirSync(join(dir, m), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Lines of a text-format body that are samples of `name` (exact family, any labels). */
export function sampleLines(body: string, name: string): string[] {
  return body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}
