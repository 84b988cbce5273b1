import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostCollector, HostPatternError, MetricSet, type HostCollectorOptions } from '../../../src/hostmetrics/index.js';
import { CpuCollector, parseCpuList } from '../../../src/hostmetrics/collectors/cpu.js';
import { parseDiskStats } from '../../../src/hostmetrics/collectors/diskstats.js';
import { parseMeminfo } from '../../../src/hostmetrics/collectors/meminfo.js';
import { parseNetDev } from '../../../src/hostmetrics/collectors/netdev.js';
import { majorMinor, parseOsRelease } from '../../../src/hostmetrics/collectors/os.js';
import { parsePsi } from '../../../src/hostmetrics/collectors/pressure.js';
import { parseProcStat } from '../../../src/hostmetrics/collectors/procstat.js';
import { HostPaths } from '../../../src/hostmetrics/paths.js';
import { HostParseError } from '../../../src/hostmetrics/text.js';
import { PROC, SYS, UDEV, sampleLines, scratchRootfs } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function gatherFixtures(collectors: string[], extra: HostCollectorOptions = {}): Promise<MetricSet> {
  const root = scratchRootfs();
  cleanups.push(root.cleanup);
  return new HostCollector({ procfs: PROC, sysfs: SYS, rootfs: root.dir, udevData: UDEV, collectors, ...extra }).gather();
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-hostmetrics-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('cpu', () => {
  it('reports seconds per CPU and mode from /proc/stat (ticks ÷ 100), zero for an offline CPU', async () => {
    const m = await gatherFixtures(['cpu']);
    expect(m.get('node_cpu_seconds_total', { cpu: '0', mode: 'user' })).toBe(172.27);
    expect(m.get('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toBe(1211.49);
    expect(m.get('node_cpu_seconds_total', { cpu: '1', mode: 'softirq' })).toBe(1.41);
    expect(m.get('node_cpu_seconds_total', { cpu: '3', mode: 'steal' })).toBe(0.04);
    expect(m.get('node_cpu_seconds_total', { cpu: '2', mode: 'user' })).toBe(0);
    expect(m.get('node_cpu_guest_seconds_total', { cpu: '0', mode: 'user' })).toBe(0.1);
    expect(m.get('node_cpu_guest_seconds_total', { cpu: '0', mode: 'nice' })).toBe(0.02);
    // cpu3's line has only eight columns: guest times are 0.
    expect(m.get('node_cpu_guest_seconds_total', { cpu: '3', mode: 'user' })).toBe(0);
    expect(m.get('node_cpu_seconds_total', { cpu: '4', mode: 'user' })).toBeUndefined();
    expect(m.render()).toContain('# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n');
  });

  it('reports isolated CPUs and thermal throttles (first core count per package/core wins)', async () => {
    const m = await gatherFixtures(['cpu']);
    expect(sampleLines(m.render(), 'node_cpu_isolated')).toEqual([
      'node_cpu_isolated{cpu="1"} 1',
      'node_cpu_isolated{cpu="3"} 1',
      'node_cpu_isolated{cpu="4"} 1',
    ]);
    expect(m.get('node_cpu_core_throttles_total', { package: '0', core: '0' })).toBe(5);
    expect(m.get('node_cpu_core_throttles_total', { package: '0', core: '1' })).toBe(6);
    expect(m.get('node_cpu_package_throttles_total', { package: '0' })).toBe(7);
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('\n')).toEqual([]);
    expect(() => parseCpuList('1-2-3')).toThrow(HostParseError);
  });

  it('never lets a counter go backwards, and resets a CPU whose idle time jumps back ≥ 3 s', async () => {
    const proc = tempDir();
    const write = (cpu0: string) => writeFileSync(join(proc, 'stat'), `cpu0 ${cpu0}\nbtime 1\n`);
    const c = new CpuCollector(new HostPaths(proc, tempDir()));
    const scrape = async () => {
      const m = new MetricSet();
      await c.update(m);
      return [m.get('node_cpu_seconds_total', { cpu: '0', mode: 'user' }), m.get('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })];
    };
    write('1000 0 0 50000 0 0 0 0');
    expect(await scrape()).toEqual([10, 500]);
    write('900 0 0 50100 0 0 0 0');
    expect(await scrape()).toEqual([10, 501]);
    write('950 0 0 50000 0 0 0 0');
    expect(await scrape()).toEqual([10, 501]);
    write('100 0 0 100 0 0 0 0');
    expect(await scrape()).toEqual([1, 1]);
  });

  it('parses /proc/stat as procfs does and rejects malformed values', () => {
    const s = parseProcStat('cpu 1 2 3 4\ncpu2 100 200\nintr 7 1 2\nctxt 9\nprocesses 3\nprocs_running 2\nprocs_blocked 1\nbtime 42\nweird\n');
    expect(s.cpu.length).toBe(3);
    expect(Array.from(s.cpu[2]!.slice(0, 3))).toEqual([1, 2, 0]);
    expect([s.irqTotal, s.contextSwitches, s.processesCreated, s.processesRunning, s.processesBlocked, s.bootTime]).toEqual([7, 9, 3, 2, 1, 42]);
    expect(() => parseProcStat('ctxt -1\n')).toThrow(/couldn't parse "-1" \(ctxt\)/);
    expect(() => parseProcStat('cpu0 1 x 3\n')).toThrow(HostParseError);
    expect(() => parseProcStat('intr 1 2 z\n')).toThrow(HostParseError);
    expect(() => parseProcStat('cpuX 1 2\n')).toThrow(/cpu\/cpuid/);
  });
});

describe('stat, loadavg, filefd, pressure, vmstat', () => {
  it('reports /proc/stat totals', async () => {
    const m = await gatherFixtures(['stat']);
    expect(m.get('node_boot_time_seconds')).toBe(1795990877);
    expect(m.get('node_context_switches_total')).toBe(1431104);
    expect(m.get('node_forks_total')).toBe(26318);
    expect(m.get('node_intr_total')).toBe(793488);
    expect(m.get('node_procs_running')).toBe(8);
    expect(m.get('node_procs_blocked')).toBe(2);
  });

  it('reports load averages, file descriptors, pressure (µs → s) and selected vmstat fields', async () => {
    const m = await gatherFixtures(['loadavg', 'filefd', 'pressure', 'vmstat']);
    expect([m.get('node_load1'), m.get('node_load5'), m.get('node_load15')]).toEqual([3.07, 1.27, 0.56]);
    expect(m.get('node_filefd_allocated')).toBe(4416);
    expect(m.get('node_filefd_maximum')).toBe(9223372036854775807);
    expect(m.get('node_pressure_cpu_waiting_seconds_total')).toBe(77.464258);
    expect(m.get('node_pressure_io_stalled_seconds_total')).toBe(1.71054);
    expect(m.get('node_pressure_memory_waiting_seconds_total')).toBe(2.5);
    expect(m.get('node_vmstat_pgfault')).toBe(9524753);
    expect(m.get('node_vmstat_oom_kill')).toBe(1);
    expect(m.get('node_vmstat_nr_free_pages')).toBeUndefined();
    expect(m.get('node_vmstat_pgsteal_kswapd')).toBeUndefined();
    const text = m.render();
    expect(text).toContain('# TYPE node_vmstat_pgpgin untyped\nnode_vmstat_pgpgin 769545\n');
    expect(text).toContain('node_filefd_maximum 9.223372036854776e+18\n');
    expect(parsePsi('some avg10=1.00 avg60=0.00 avg300=0.00 total=5\n')).toEqual({ some: 5 });
    expect(() => parsePsi('some avg10=x total=5\n')).toThrow(HostParseError);
  });

  it('reports "no data" (success 0) when pressure stall information is absent', async () => {
    const proc = tempDir();
    const m = await new HostCollector({ procfs: proc, collectors: ['pressure'] }).gather();
    expect(m.get('node_scrape_collector_success', { collector: 'pressure' })).toBe(0);
    expect(m.get('node_pressure_cpu_waiting_seconds_total')).toBeUndefined();
  });
});

describe('meminfo', () => {
  it('turns every /proc/meminfo line into node_memory_* (kB → bytes, parentheses → _)', async () => {
    const m = await gatherFixtures(['meminfo']);
    expect(m.get('node_memory_MemTotal_bytes')).toBe(24684092 * 1024);
    expect(m.get('node_memory_MemAvailable_bytes')).toBe(24158272 * 1024);
    expect(m.get('node_memory_Active_anon_bytes')).toBe(1564 * 1024);
    expect(m.get('node_memory_HugePages_Total')).toBe(0);
    expect(m.get('node_memory_Hugepagesize_bytes')).toBe(2097152);
    expect(m.size()).toBe(54 + 2);
    expect(m.render()).toContain('# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.\n# TYPE node_memory_MemTotal_bytes gauge\n');
  });

  it('parses keys and units exactly, and rejects malformed lines', () => {
    expect([...parseMeminfo('MemTotal:  100 kB\nShmem(huge)_x: 2\n\n')]).toEqual([
      ['MemTotal_bytes', 102400],
      ['Shmem_huge_x', 2],
    ]);
    expect(() => parseMeminfo('MemTotal: 1 kB extra\n')).toThrow(/invalid line in meminfo/);
    expect(() => parseMeminfo('MemTotal:\n')).toThrow(HostParseError);
    expect(() => parseMeminfo('MemTotal: abc kB\n')).toThrow(HostParseError);
  });
});

describe('netdev', () => {
  it('reports the 16 /proc/net/dev counters per device', async () => {
    const m = await gatherFixtures(['netdev']);
    expect(m.get('node_network_receive_bytes_total', { device: 'eth0' })).toBe(408233873);
    expect(m.get('node_network_receive_errs_total', { device: 'eth0' })).toBe(3);
    expect(m.get('node_network_receive_drop_total', { device: 'eth0' })).toBe(4);
    expect(m.get('node_network_receive_multicast_total', { device: 'eth0' })).toBe(8);
    expect(m.get('node_network_transmit_packets_total', { device: 'eth0' })).toBe(8890);
    expect(m.get('node_network_transmit_colls_total', { device: 'eth0' })).toBe(12);
    expect(m.get('node_network_transmit_compressed_total', { device: 'eth0' })).toBe(14);
    expect(m.get('node_network_receive_bytes_total', { device: 'lo' })).toBe(63175);
    expect(m.get('node_network_receive_bytes_total', { device: 'docker0' })).toBe(18446744073709551615);
    expect(m.render()).toContain('node_network_receive_bytes_total{device="docker0"} 1.8446744073709552e+19\n');
    expect(m.render()).toContain('# HELP node_network_transmit_drop_total Network device statistic transmit_drop.\n# TYPE node_network_transmit_drop_total counter\n');
  });

  it('reports rx_nohandler from sysfs as netlink mode does, skipping devices without the file', async () => {
    const m = await gatherFixtures(['netdev']);
    expect(m.get('node_network_receive_nohandler_total', { device: 'eth0' })).toBe(17);
    expect(m.get('node_network_receive_nohandler_total', { device: 'lo' })).toBe(0);
    expect(m.get('node_network_receive_nohandler_total', { device: 'docker0' })).toBeUndefined();
    expect(m.render()).toContain(
      '# HELP node_network_receive_nohandler_total Network device statistic receive_nohandler.\n# TYPE node_network_receive_nohandler_total counter\n' +
        'node_network_receive_nohandler_total{device="eth0"} 17\nnode_network_receive_nohandler_total{device="lo"} 0\n',
    );
    const ex = await gatherFixtures(['netdev'], { netdevDeviceExclude: 'eth' });
    expect(ex.get('node_network_receive_nohandler_total', { device: 'eth0' })).toBeUndefined();
    const procOnly = await new HostCollector({ procfs: PROC, sysfs: SYS, collectors: ['netdev'], netdevNetlink: false }).gather();
    expect(procOnly.render()).not.toContain('nohandler');
  });

  it('applies the device exclude and include patterns (unanchored unless anchored)', async () => {
    const ex = await gatherFixtures(['netdev'], { netdevDeviceExclude: '^(lo|veth)' });
    expect(ex.get('node_network_receive_bytes_total', { device: 'lo' })).toBeUndefined();
    expect(ex.get('node_network_receive_bytes_total', { device: 'veth1a2b3c' })).toBeUndefined();
    expect(ex.get('node_network_receive_bytes_total', { device: 'eth0' })).toBe(408233873);
    const inc = await gatherFixtures(['netdev'], { netdevDeviceInclude: 'th' });
    expect(inc.get('node_network_receive_bytes_total', { device: 'eth0' })).toBe(408233873);
    expect(inc.get('node_network_receive_bytes_total', { device: 'veth1a2b3c' })).toBe(1000);
    expect(inc.get('node_network_receive_bytes_total', { device: 'lo' })).toBeUndefined();
  });

  it('rejects malformed lines', () => {
    const head = 'h1\nh2\n';
    expect(() => parseNetDev(`${head}eth0 1 2 3\n`)).toThrow(/missing colon/);
    expect(() => parseNetDev(`${head} : ${'1 '.repeat(16)}\n`)).toThrow(/empty interface name/);
    expect(() => parseNetDev(`${head}eth0: 1 2 3\n`)).toThrow(HostParseError);
    expect(parseNetDev(`${head}a:b: ${'1 '.repeat(16)}\n`)[0]!.device).toBe('a:b');
  });
});

describe('diskstats', () => {
  it('reports whole disks (partitions, loop and RAM disks excluded) with units converted', async () => {
    const m = await gatherFixtures(['diskstats']);
    const devices = new Set(sampleLines(m.render(), 'node_disk_info').map((l) => /device="([^"]+)"/.exec(l)![1]));
    expect([...devices]).toEqual(['dm-0', 'nvme0n1', 'sda', 'vda']);
    expect(m.get('node_disk_reads_completed_total', { device: 'sda' })).toBe(26286);
    expect(m.get('node_disk_read_bytes_total', { device: 'sda' })).toBe(1260882 * 512);
    expect(m.get('node_disk_read_time_seconds_total', { device: 'sda' })).toBe(3.68);
    expect(m.get('node_disk_written_bytes_total', { device: 'sda' })).toBe(2899640 * 512);
    expect(m.get('node_disk_io_time_seconds_total', { device: 'sda' })).toBe(3.108);
    expect(m.get('node_disk_discarded_sectors_total', { device: 'sda' })).toBe(83072);
    expect(m.get('node_disk_flush_requests_time_seconds_total', { device: 'sda' })).toBe(0.019);
    // vda has the 11 counters of kernels before 4.18: no discard or flush series.
    expect(m.get('node_disk_io_time_weighted_seconds_total', { device: 'vda' })).toBe(12.39);
    expect(m.get('node_disk_discards_completed_total', { device: 'vda' })).toBeUndefined();
    // dm-0 has the 15 counters of kernels 4.18–5.4: discards but no flushes.
    expect(m.get('node_disk_discard_time_seconds_total', { device: 'dm-0' })).toBe(0.004);
    expect(m.get('node_disk_flush_requests_total', { device: 'dm-0' })).toBeUndefined();
    expect(m.get('node_disk_io_now', { device: 'sda' })).toBe(0);
    expect(m.render()).toContain('# TYPE node_disk_io_now gauge\n');
  });

  it('labels disks from the udev database', async () => {
    const m = await gatherFixtures(['diskstats']);
    expect(
      m.get('node_disk_info', {
        device: 'sda',
        major: '8',
        minor: '0',
        model: 'Samsung_SSD_860_EVO_500GB',
        path: 'pci-0000:00:1f.2-ata-1',
        revision: 'RVT04B6Q',
        serial: 'S3Z1NB0K123456',
        wwn: '0x5002538e40a1b2c3',
      }),
    ).toBe(1);
    expect(m.get('node_disk_ata_rotation_rate_rpm', { device: 'sda' })).toBe(0);
    expect(m.get('node_disk_ata_write_cache_enabled', { device: 'sda' })).toBe(1);
    expect(m.get('node_disk_filesystem_info', { device: 'sda', type: '', usage: '', uuid: '', version: '' })).toBeUndefined();
    expect(
      m.get('node_disk_device_mapper_info', { device: 'dm-0', name: 'vg0-root', uuid: 'LVM-abc123', vg_name: 'vg0', lv_name: 'root', lv_layer: '' }),
    ).toBe(1);
    expect(
      m.get('node_disk_filesystem_info', { device: 'dm-0', type: 'ext4', usage: 'filesystem', uuid: '1b2c3d4e-0000-4000-8000-123456789abc', version: '1.0' }),
    ).toBe(1);
  });

  it('skips short lines and rejects non-numeric counters', () => {
    expect(parseDiskStats('8 0 sda 1 2 3\n')).toEqual([]);
    expect(parseDiskStats(`8 0 sda ${'1 '.repeat(11)}\n`)[0]!.counters.length).toBe(11);
    expect(() => parseDiskStats(`8 0 sda 1 x ${'1 '.repeat(10)}\n`)).toThrow(HostParseError);
  });
});

describe('uname, time, os', () => {
  it('reports uname fields from the system call and the domain name from procfs', async () => {
    const m = await gatherFixtures(['uname']);
    expect(
      m.get('node_uname_info', {
        sysname: os.type(),
        release: os.release(),
        version: os.version(),
        machine: os.machine(),
        nodename: os.hostname(),
        domainname: '(none)',
      }),
    ).toBe(1);
  });

  it('reports the time, the zone offset and clock sources', async () => {
    const before = Date.now() / 1000;
    const m = await gatherFixtures(['time']);
    const after = Date.now() / 1000;
    const t = m.get('node_time_seconds')!;
    expect(t).toBeGreaterThanOrEqual(before - 0.001);
    expect(t).toBeLessThanOrEqual(after + 0.001);
    expect(sampleLines(m.render(), 'node_time_zone_offset_seconds')).toEqual([
      expect.stringMatching(new RegExp(`^node_time_zone_offset_seconds\\{time_zone="[^"]+"\\} ${-new Date().getTimezoneOffset() * 60}$`)),
    ]);
    expect(m.get('node_time_clocksource_available_info', { device: '0', clocksource: 'tsc' })).toBe(1);
    expect(m.get('node_time_clocksource_available_info', { device: '0', clocksource: 'kvm-clock' })).toBe(1);
    expect(m.get('node_time_clocksource_current_info', { device: '0', clocksource: 'tsc' })).toBe(1);
  });

  it('reports os-release fields and the major.minor version', async () => {
    const m = await gatherFixtures(['os']);
    expect(
      m.get('node_os_info', {
        build_id: '2024-01-01 \\n literal',
        id: 'debian',
        id_like: '',
        image_id: '',
        image_version: '',
        name: 'Debian GNU/Linux',
        pretty_name: 'Debian GNU/Linux 12 (bookworm)',
        variant: 'Test "quoted" edition',
        variant_id: '',
        version: '12 (bookworm)',
        version_codename: 'bookworm',
        version_id: '12',
      }),
    ).toBe(1);
    expect(m.get('node_os_version', { id: 'debian', id_like: '', name: 'Debian GNU/Linux' })).toBe(12);
  });

  it('parses os-release quoting as go-envparse', () => {
    const env = parseOsRelease(
      [
        'export A="x\\ty \\u00e9"',
        "B='lit\\eral' # comment",
        'C=plain text   # trailing',
        'D=',
        'E="a"b\'c\'',
        '  # indented comment',
        '',
      ].join('\n'),
    );
    expect([...env]).toEqual([
      ['A', 'x\ty é'],
      ['B', 'lit\\eral'],
      ['C', 'plain text'],
      ['E', 'abc'],
    ]);
    expect(() => parseOsRelease('A="open\n')).toThrow(/unmatched "/);
    expect(() => parseOsRelease('NOEQUALS\n')).toThrow(/missing =/);
    expect(() => parseOsRelease('A="bad \\$ escape"\n')).toThrow(/invalid escape/);
    expect(() => parseOsRelease('1A=x\n')).toThrow(/invalid key/);
    expect([majorMinor('22.04'), majorMinor('12'), majorMinor('3.18.4'), majorMinor('rolling'), majorMinor('')]).toEqual([22.04, 12, 3.18, 0, 0]);
  });

  it('falls back to usr/lib/os-release, and reports no data without either', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    writeFileSync(join(root, 'usr/lib/os-release'), 'ID=alpine\nVERSION_ID=3.19.1\nNAME="Alpine Linux"\n');
    const m = await new HostCollector({ rootfs: root, collectors: ['os'] }).gather();
    expect(m.get('node_os_version', { id: 'alpine', id_like: '', name: 'Alpine Linux' })).toBe(3.19);
    const none = await new HostCollector({ rootfs: tempDir(), collectors: ['os'] }).gather();
    expect(none.get('node_scrape_collector_success', { collector: 'os' })).toBe(0);
    expect(none.size()).toBe(2);
  });
});

describe('HostCollector', () => {
  it('reports every collector with success and duration, and survives failing collectors', async () => {
    const empty = tempDir();
    const c = new HostCollector({ procfs: empty, sysfs: empty, rootfs: empty, udevData: empty });
    const m = await c.gather();
    for (const name of ['arp', 'conntrack', 'cpu', 'diskstats', 'entropy', 'filefd', 'filesystem', 'loadavg', 'meminfo', 'netclass', 'netdev', 'netstat', 'os', 'pressure', 'softnet', 'stat', 'udp_queues', 'vmstat']) {
      expect(m.get('node_scrape_collector_success', { collector: name }), name).toBe(0);
      expect(m.get('node_scrape_collector_duration_seconds', { collector: name })).toBeGreaterThanOrEqual(0);
    }
    expect(m.get('node_scrape_collector_success', { collector: 'time' })).toBe(1);
    expect(m.get('node_scrape_collector_success', { collector: 'uname' })).toBe(1);
    // Without sockstat files (IPv4 and IPv6 disabled) upstream reports nothing, successfully.
    expect(m.get('node_scrape_collector_success', { collector: 'sockstat' })).toBe(1);
    const text = await c.collect();
    expect(text).toContain('# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.\n# TYPE node_scrape_collector_success gauge\n');
  });

  it('rejects invalid patterns and unknown collectors at construction', () => {
    expect(() => new HostCollector({ mountPointsExclude: '(' })).toThrow(HostPatternError);
    expect(() => new HostCollector({ mountPointsExclude: '(' })).toThrow(/mount-points-exclude: error parsing regexp/);
    expect(() => new HostCollector({ netdevDeviceExclude: 'lo', netdevDeviceInclude: 'eth' })).toThrow(/mutually exclusive/);
    expect(() => new HostCollector({ collectors: ['cpu', 'bogus'] })).toThrow('missing collector: bogus');
    expect(() => new HostCollector({ diskstatsDeviceInclude: '^sd' })).not.toThrow();
  });

  it('collects the inputs of the article\'s system alerts from this host', async () => {
    const m = await new HostCollector({ collectors: ['cpu', 'meminfo', 'filesystem'] }).gather();
    expect(m.get('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toBeGreaterThan(0);
    expect(m.get('node_memory_MemTotal_bytes')).toBeGreaterThan(0);
    expect(m.get('node_memory_MemAvailable_bytes')).toBeGreaterThan(0);
    const text = m.render();
    expect(sampleLines(text, 'node_filesystem_size_bytes').length).toBeGreaterThan(0);
    expect(sampleLines(text, 'node_filesystem_avail_bytes').length).toBe(sampleLines(text, 'node_filesystem_size_bytes').length);
  });
});
