import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HostCollector } from '../../../src/hostmetrics/index.js';
import { parseMounts } from '../../../src/hostmetrics/collectors/filesystem.js';
import { HostPaths } from '../../../src/hostmetrics/paths.js';
import { decodeOctalEscapes, fields, parseUint } from '../../../src/hostmetrics/text.js';
import { PROC, sampleLines, scratchRootfs } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-hostmetrics-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Case 10 of /work/shared/cases/README.md, verbatim. */
const CASE_10_MOUNTS = '/dev/sda /mnt/vsan/[vsanDatastore]\\040bafb9e5a/disk.vmdk ext4 rw,relatime 0 0\n/dev/sdb /mnt/tab\\011dir ext4 rw,relatime 0 0\n';
const VSAN = '/mnt/vsan/[vsanDatastore] bafb9e5a/disk.vmdk';
const TAB = '/mnt/tab\tdir';

function case10Procfs(): string {
  const proc = tempDir();
  mkdirSync(join(proc, '1'));
  writeFileSync(join(proc, '1/mounts'), CASE_10_MOUNTS);
  return proc;
}

describe('filesystem: octal escapes in mount paths (case 10)', () => {
  it('decodes \\040 and \\011 into real characters and reports device_error 1 when the paths are absent', async () => {
    const body = await new HostCollector({ procfs: case10Procfs(), rootfs: tempDir(), collectors: ['filesystem'] }).collect();
    expect(sampleLines(body, 'node_filesystem_device_error')).toEqual([
      'node_filesystem_device_error{device="/dev/sda",fstype="ext4",mountpoint="/mnt/vsan/[vsanDatastore] bafb9e5a/disk.vmdk"} 1',
      'node_filesystem_device_error{device="/dev/sdb",fstype="ext4",mountpoint="/mnt/tab\tdir"} 1',
    ]);
    expect(sampleLines(body, 'node_filesystem_size_bytes')).toEqual([]);
    expect(body).not.toContain('\\040');
  });

  it('reports size, free, avail, files and readonly once the real paths exist', async () => {
    const root = tempDir();
    mkdirSync(join(root, VSAN), { recursive: true });
    mkdirSync(join(root, TAB), { recursive: true });
    const m = await new HostCollector({ procfs: case10Procfs(), rootfs: root, collectors: ['filesystem'] }).gather();
    for (const mountpoint of [VSAN, TAB]) {
      const labels = { device: mountpoint === VSAN ? '/dev/sda' : '/dev/sdb', fstype: 'ext4', mountpoint };
      expect(m.get('node_filesystem_device_error', labels)).toBe(0);
      expect(m.get('node_filesystem_size_bytes', labels)).toBeGreaterThan(0);
      expect(m.get('node_filesystem_avail_bytes', labels)).toBeGreaterThanOrEqual(0);
      expect(m.get('node_filesystem_free_bytes', labels)).toBeGreaterThanOrEqual(m.get('node_filesystem_avail_bytes', labels)!);
      expect(m.get('node_filesystem_files', labels)).toBeGreaterThanOrEqual(0);
      expect(m.get('node_filesystem_readonly', labels)).toBe(0);
    }
  });

  it('decodes every kernel octal escape, leaving other backslashes alone', () => {
    expect(decodeOctalEscapes('a\\040b\\011c\\012d\\134e')).toBe('a b\tc\nd\\e');
    expect(decodeOctalEscapes('no\\escape\\08')).toBe('no\\escape\\08');
    const mangle = (s: string) => s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(decodeOctalEscapes(mangle(s))).toBe(s);
      }),
    );
  });
});

describe('filesystem: mount selection', () => {
  it('applies the default exclusions, deduplicates, reads ro from the options, and strips rootfs', async () => {
    const root = scratchRootfs();
    cleanups.push(root.cleanup);
    const m = await new HostCollector({ procfs: PROC, rootfs: root.dir, collectors: ['filesystem'] }).gather();
    const errors = sampleLines(m.render(), 'node_filesystem_device_error');
    expect(errors).toEqual([
      'node_filesystem_device_error{device="/dev/sda",fstype="ext4",mountpoint="/mnt/vsan/[vsanDatastore] bafb9e5a/disk.vmdk"} 0',
      'node_filesystem_device_error{device="/dev/sdb",fstype="ext4",mountpoint="/mnt/tab\tdir"} 0',
      'node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/"} 0',
      'node_filesystem_device_error{device="/dev/vdb",fstype="xfs",mountpoint="/data"} 0',
      'node_filesystem_device_error{device="/dev/vdc",fstype="ext4",mountpoint="/missing"} 1',
      'node_filesystem_device_error{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1',
    ]);
    expect(m.get('node_filesystem_readonly', { device: '/dev/vdb', fstype: 'xfs', mountpoint: '/data' })).toBe(1);
    expect(m.get('node_filesystem_readonly', { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' })).toBe(0);
    expect(m.droppedSamples()).toEqual([]);

    const custom = await new HostCollector({
      procfs: PROC,
      rootfs: root.dir,
      mountPointsExclude: '^/(mnt|missing|run)',
      fsTypesExclude: '^xfs$',
      collectors: ['filesystem'],
    }).gather();
    // Custom patterns replace the defaults: pseudo filesystems are no longer left out.
    expect(sampleLines(custom.render(), 'node_filesystem_device_error')).toEqual([
      'node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/"} 0',
      'node_filesystem_device_error{device="cgroup2",fstype="cgroup2",mountpoint="/sys/fs/cgroup"} 1',
      'node_filesystem_device_error{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/abc/merged"} 1',
      'node_filesystem_device_error{device="proc",fstype="proc",mountpoint="/proc"} 1',
      'node_filesystem_device_error{device="sysfs",fstype="sysfs",mountpoint="/sys"} 1',
    ]);
  });

  it('falls back to <procfs>/mounts and strips the rootfs prefix from mount points', async () => {
    const proc = tempDir();
    const root = tempDir();
    mkdirSync(join(root, 'home'));
    writeFileSync(join(proc, 'mounts'), `/dev/vdb ${root}/home ext4 rw 0 0\n/dev/vda ${root} ext4 rw 0 0\n`);
    const m = await new HostCollector({ procfs: proc, rootfs: root, collectors: ['filesystem'] }).gather();
    expect(sampleLines(m.render(), 'node_filesystem_device_error')).toEqual([
      'node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/"} 0',
      'node_filesystem_device_error{device="/dev/vdb",fstype="ext4",mountpoint="/home"} 0',
    ]);
    expect(new HostPaths('/proc', '/sys', '/rootfs').stripRootfs('/rootfs')).toBe('/');
    expect(new HostPaths().stripRootfs('/rootfs/x')).toBe('/rootfs/x');
  });

  it('rejects a malformed mount table line (collector fails, scrape continues)', async () => {
    expect(() => parseMounts('/dev/sda /x ext4\n')).toThrow(/malformed mount point information/);
    const proc = tempDir();
    writeFileSync(join(proc, 'mounts'), 'garbage\n');
    const m = await new HostCollector({ procfs: proc, collectors: ['filesystem', 'time'] }).gather();
    expect(m.get('node_scrape_collector_success', { collector: 'filesystem' })).toBe(0);
    expect(m.get('node_scrape_collector_success', { collector: 'time' })).toBe(1);
  });
});

describe('text helpers', () => {
  it('splits fields as Go strings.Fields and parses unsigned integers as ParseUint', () => {
    expect(fields('  a \t b\n c  ')).toEqual(['a', 'b', 'c']);
    expect(fields('   ')).toEqual([]);
    expect(parseUint('18446744073709551615', 'x')).toBe(18446744073709551615);
    expect(() => parseUint('18446744073709551616', 'x')).toThrow(/invalid syntax/);
    expect(() => parseUint('+1', 'x')).toThrow();
    expect(() => parseUint('', 'x')).toThrow();
  });
});
