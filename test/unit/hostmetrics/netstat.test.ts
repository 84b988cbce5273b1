/**
 * The entropy, sockstat, netstat, conntrack, softnet, arp, netclass and udp_queues collectors on
 * the fixture tree and on hand-written files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostCollector, HostPatternError, type HostCollectorOptions } from '../../../src/hostmetrics/index.js';
import { parseNetStats, parseSnmp6 } from '../../../src/hostmetrics/collectors/netstat.js';
import { parseSockstat, systemPageSize } from '../../../src/hostmetrics/collectors/sockstat.js';
import { parseConntrackStat } from '../../../src/hostmetrics/collectors/conntrack.js';
import { parseSoftnet } from '../../../src/hostmetrics/collectors/softnet.js';
import { parseArpEntries } from '../../../src/hostmetrics/collectors/arp.js';
import { parseGoInt } from '../../../src/hostmetrics/collectors/netclass.js';
import { parseUdpQueues } from '../../../src/hostmetrics/collectors/udpqueues.js';
import { HostParseError } from '../../../src/hostmetrics/text.js';
import { PROC, SYS, sampleLines } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A scratch procfs holding `files` (path → content). */
function procWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-netstat-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function gather(collector: string, opts: HostCollectorOptions) {
  return new HostCollector({ collectors: [collector], ...opts }).gather();
}

describe('entropy', () => {
  it('reports available bits and pool size', async () => {
    const m = await gather('entropy', { procfs: PROC });
    expect([m.get('node_entropy_available_bits'), m.get('node_entropy_pool_size_bits')]).toEqual([3021, 4096]);
    expect(m.render()).toContain('# HELP node_entropy_available_bits Bits of available entropy.\n# TYPE node_entropy_available_bits gauge\nnode_entropy_available_bits 3021\n');
  });

  it('fails without entropy_avail, and keeps entropy_avail without poolsize', async () => {
    const none = await gather('entropy', { procfs: procWith({}) });
    expect(none.get('node_scrape_collector_success', { collector: 'entropy' })).toBe(0);
    const half = await gather('entropy', { procfs: procWith({ 'sys/kernel/random/entropy_avail': '256\n' }) });
    expect(half.get('node_entropy_available_bits')).toBe(256);
    expect(half.get('node_scrape_collector_success', { collector: 'entropy' })).toBe(0);
  });
});

describe('sockstat', () => {
  it('reports IPv4 and IPv6 protocol lines, sockets used and mem in bytes', async () => {
    const m = await gather('sockstat', { procfs: PROC });
    expect(m.get('node_sockstat_sockets_used')).toBe(229);
    expect(m.get('node_sockstat_TCP_alloc')).toBe(17);
    expect(m.get('node_sockstat_TCP_mem')).toBe(1);
    expect(m.get('node_sockstat_TCP_mem_bytes')).toBe(systemPageSize());
    expect(m.get('node_sockstat_FRAG_memory')).toBe(0);
    expect(m.get('node_sockstat_FRAG_mem_bytes')).toBeUndefined();
    expect(m.get('node_sockstat_TCP6_inuse')).toBe(17);
    expect(m.get('node_sockstat_RAW6_inuse')).toBe(1);
    expect(m.get('node_sockstat_TCP6_tw')).toBeUndefined();
    expect(m.render()).toContain('# HELP node_sockstat_UDP_mem_bytes Number of UDP sockets in state mem_bytes.\n# TYPE node_sockstat_UDP_mem_bytes gauge\nnode_sockstat_UDP_mem_bytes 0\n');
  });

  it('skips a missing sockstat6 (IPv6 disabled)', async () => {
    const m = await gather('sockstat', { procfs: procWith({ 'net/sockstat': 'sockets: used 3\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 2\n' }) });
    expect(m.get('node_scrape_collector_success', { collector: 'sockstat' })).toBe(1);
    expect(m.get('node_sockstat_TCP_mem_bytes')).toBe(2 * systemPageSize());
    expect(m.render()).not.toContain('TCP6');
  });

  it('reads the page size from the auxiliary vector', () => {
    expect([4096, 16384, 65536]).toContain(systemPageSize());
  });

  it('rejects malformed lines', () => {
    expect(() => parseSockstat('TCP: inuse\n')).toThrow(/malformed sockstat line/);
    expect(() => parseSockstat('TCP: inuse 1 tw\n')).toThrow(/odd number of fields/);
    expect(() => parseSockstat('TCP: inuse x\n')).toThrow(HostParseError);
    expect(parseSockstat('sockets: used 5\nUDP: inuse 2 mem 1\n')).toEqual({ used: 5, protocols: [{ protocol: 'UDP', values: new Map([['inuse', 2], ['mem', 1]]) }] });
  });
});

describe('netstat', () => {
  it('reports the default fields of netstat, snmp and snmp6 as untyped', async () => {
    const m = await gather('netstat', { procfs: PROC });
    expect(m.get('node_netstat_TcpExt_ListenDrops')).toBe(5);
    expect(m.get('node_netstat_TcpExt_SyncookiesFailed')).toBe(3);
    expect(m.get('node_netstat_TcpExt_TW')).toBeUndefined();
    expect(m.get('node_netstat_IpExt_InOctets')).toBe(123456789012);
    expect(m.get('node_netstat_Ip_Forwarding')).toBe(1);
    expect(m.get('node_netstat_Tcp_CurrEstab')).toBe(2);
    expect(m.get('node_netstat_Tcp_InErrs')).toBe(5);
    expect(m.get('node_netstat_Tcp_MaxConn')).toBeUndefined();
    expect(m.get('node_netstat_Ip6_OutOctets')).toBe(4096);
    expect(m.get('node_netstat_Icmp6_InErrors')).toBe(1);
    expect(m.get('node_netstat_UdpLite6_InErrors')).toBe(0);
    expect(m.get('node_netstat_UdpLite_InErrors')).toBe(0);
    expect(sampleLines(m.render(), 'node_netstat_Udp6_OutDatagrams')).toEqual(['node_netstat_Udp6_OutDatagrams 13']);
    expect(m.render()).toContain('# HELP node_netstat_Tcp_RetransSegs Statistic TcpRetransSegs.\n# TYPE node_netstat_Tcp_RetransSegs untyped\nnode_netstat_Tcp_RetransSegs 227\n');
  });

  it('takes a custom field pattern, and rejects an invalid one', async () => {
    const m = await gather('netstat', { procfs: PROC, netstatFields: '^Tcp_MaxConn$' });
    expect(m.get('node_netstat_Tcp_MaxConn')).toBe(-1);
    expect(m.render().match(/^node_netstat_/gm)).toHaveLength(1);
    expect(() => new HostCollector({ netstatFields: '(' })).toThrow(HostPatternError);
  });

  it('works without snmp6 and fails without netstat or snmp', async () => {
    const both = { 'net/netstat': 'TcpExt: ListenDrops\nTcpExt: 4\n', 'net/snmp': 'Udp: InErrors\nUdp: 2\n' };
    const m = await gather('netstat', { procfs: procWith(both) });
    expect([m.get('node_netstat_TcpExt_ListenDrops'), m.get('node_netstat_Udp_InErrors')]).toEqual([4, 2]);
    const noSnmp = await gather('netstat', { procfs: procWith({ 'net/netstat': both['net/netstat'] }) });
    expect(noSnmp.get('node_scrape_collector_success', { collector: 'netstat' })).toBe(0);
  });

  it('rejects mismatched name and value lines and non-numeric values', async () => {
    expect(() => parseNetStats('Tcp: A B\nTcp: 1\n', '/proc/net/snmp')).toThrow('mismatch field count mismatch in /proc/net/snmp: Tcp');
    const bad = await gather('netstat', { procfs: procWith({ 'net/netstat': 'TcpExt: ListenDrops\nTcpExt: x\n', 'net/snmp': '' }) });
    expect(bad.get('node_scrape_collector_success', { collector: 'netstat' })).toBe(0);
  });

  it('splits snmp6 names at the first 6 and skips other lines', () => {
    expect(parseSnmp6('Ip6InOctets 5\nUdpLite6InErrors 1\nNoSix 3\nshort\n')).toEqual(
      new Map([
        ['Ip6', new Map([['InOctets', '5']])],
        ['UdpLite6', new Map([['InErrors', '1']])],
      ]),
    );
  });
});

describe('conntrack', () => {
  it('reports entries, the limit and the per-CPU statistics summed', async () => {
    const m = await gather('conntrack', { procfs: PROC });
    expect([m.get('node_nf_conntrack_entries'), m.get('node_nf_conntrack_entries_limit')]).toEqual([123, 65536]);
    expect(m.get('node_nf_conntrack_stat_found')).toBe(17);
    expect(m.get('node_nf_conntrack_stat_insert_failed')).toBe(6);
    expect(m.get('node_nf_conntrack_stat_search_restart')).toBe(18);
  });

  it('reports no data without the module, and rejects malformed statistics', async () => {
    const none = await gather('conntrack', { procfs: procWith({}) });
    expect(none.get('node_scrape_collector_success', { collector: 'conntrack' })).toBe(0);
    expect(none.size()).toBe(2);
    expect(() => parseConntrackStat('h\n0 1 2\n')).toThrow(/invalid number of fields: 3/);
    expect(() => parseConntrackStat(`h\n${'zz '.repeat(17)}\n`)).toThrow(HostParseError);
  });
});

describe('softnet', () => {
  it('reports processed, dropped and squeezed per line, labelled by line index', async () => {
    const m = await gather('softnet', { procfs: PROC });
    expect(m.get('node_softnet_processed_total', { cpu: '0' })).toBe(0x42c6b3);
    expect(m.get('node_softnet_dropped_total', { cpu: '1' })).toBe(0x453a);
    expect(m.get('node_softnet_times_squeezed_total', { cpu: '1' })).toBe(5);
    expect(() => parseSoftnet('1 2 3\n')).toThrow('3 columns were detected, but at least 9 were expected');
  });
});

describe('arp', () => {
  it('counts entries per device, skipping the header', async () => {
    const m = await gather('arp', { procfs: PROC });
    expect([m.get('node_arp_entries', { device: 'eth0' }), m.get('node_arp_entries', { device: 'docker0' })]).toEqual([2, 1]);
    expect(() => parseArpEntries('IP address HW\n')).toThrow('unexpected ARP table format');
  });
});

describe('netclass', () => {
  it('reports up, info and the numeric properties it can read', async () => {
    const m = await gather('netclass', { sysfs: SYS });
    expect(m.get('node_network_up', { device: 'eth0' })).toBe(1);
    expect(m.get('node_network_up', { device: 'lo' })).toBe(0);
    expect(m.get('node_network_info', { device: 'eth0', address: '01:01:01:01:01:01', broadcast: 'ff:ff:ff:ff:ff:ff', duplex: 'full', operstate: 'up', ifalias: 'uplink' })).toBe(1);
    expect(m.get('node_network_flags', { device: 'eth0' })).toBe(0x1303);
    expect(m.get('node_network_device_id', { device: 'eth0' })).toBe(32);
    expect(m.get('node_network_speed_bytes', { device: 'eth0' })).toBe(125_000_000);
    expect(m.get('node_network_speed_bytes', { device: 'lo' })).toBe(-125_000);
    expect(m.get('node_network_transmit_queue_length', { device: 'lo' })).toBe(8);
    expect(m.get('node_network_dormant', { device: 'lo' })).toBe(0);
    expect(m.get('node_network_carrier', { device: 'lo' })).toBeUndefined();
    expect(m.render()).toContain('# TYPE node_network_carrier_changes_total counter\n');
  });

  it('applies the ignored-devices pattern and ignore-invalid-speed, and reports no data without sysfs', async () => {
    const m = await gather('netclass', { sysfs: SYS, netclassIgnoredDevices: '^eth', netclassIgnoreInvalidSpeed: true });
    expect(m.get('node_network_up', { device: 'eth0' })).toBeUndefined();
    expect(m.get('node_network_speed_bytes', { device: 'lo' })).toBeUndefined();
    const none = await gather('netclass', { sysfs: procWith({}) });
    expect(none.get('node_scrape_collector_success', { collector: 'netclass' })).toBe(0);
  });

  it('parses integers as Go ParseInt with base 0', () => {
    expect(['12', '-3', '0x1f', '010', '0o17', '0b101', '1_000', '0', 'x', '', '1__0', '9223372036854775808'].map(parseGoInt)).toEqual([
      12, -3, 31, 8, 15, 5, 1000, 0, undefined, undefined, undefined, undefined,
    ]);
  });
});

describe('udp_queues', () => {
  it('sums the tx and rx queues of udp and udp6', async () => {
    const m = await gather('udp_queues', { procfs: PROC });
    expect(m.get('node_udp_queues', { ip: 'v4', queue: 'tx' })).toBe(0x11);
    expect(m.get('node_udp_queues', { ip: 'v4', queue: 'rx' })).toBe(0x202);
    expect(m.get('node_udp_queues', { ip: 'v6', queue: 'rx' })).toBe(0x300);
  });

  it('skips a missing file, reports no data without both, and rejects short lines', async () => {
    const v4 = await gather('udp_queues', { procfs: procWith({ 'net/udp': 'header\n' }) });
    expect(v4.get('node_udp_queues', { ip: 'v4', queue: 'tx' })).toBe(0);
    expect(v4.get('node_udp_queues', { ip: 'v6', queue: 'tx' })).toBeUndefined();
    const none = await gather('udp_queues', { procfs: procWith({}) });
    expect(none.get('node_scrape_collector_success', { collector: 'udp_queues' })).toBe(0);
    expect(() => parseUdpQueues('h\n 1: a b\n')).toThrow(/less then 10 columns/);
  });
});

describe('cpufreq', () => {
  it('reports frequencies in hertz for CPUs with a cpufreq directory, leaving out missing files', async () => {
    const m = await gather('cpufreq', { sysfs: SYS });
    expect(m.get('node_cpu_frequency_hertz', { cpu: '0' })).toBe(2.4e9);
    expect(m.get('node_cpu_scaling_frequency_hertz', { cpu: '1' })).toBe(1.2e9);
    expect(m.get('node_cpu_frequency_hertz', { cpu: '1' })).toBeUndefined();
    expect(m.get('node_cpu_scaling_frequency_hertz', { cpu: '3' })).toBeUndefined();
    expect(m.get('node_scrape_collector_success', { collector: 'cpufreq' })).toBe(1);
  });

  it('fails when a file upstream requires is missing, and succeeds with no data when no CPU has cpufreq', async () => {
    const base = 'devices/system/cpu/cpu0/cpufreq/';
    const files = { [`${base}scaling_cur_freq`]: '1000\n', [`${base}scaling_driver`]: 'acpi\n', [`${base}scaling_governor`]: 'ondemand\n', [`${base}related_cpus`]: '0\n' };
    const broken = await gather('cpufreq', { sysfs: procWith({ ...files, [`${base}scaling_available_governors`]: 'ondemand\n' }) });
    expect(broken.get('node_scrape_collector_success', { collector: 'cpufreq' })).toBe(0);
    const ok = await gather('cpufreq', { sysfs: procWith({ ...files, [`${base}scaling_available_governors`]: 'ondemand\n', [`${base}scaling_setspeed`]: '<unsupported>\n' }) });
    expect(ok.get('node_cpu_scaling_frequency_hertz', { cpu: '0' })).toBe(1e6);
    const none = await gather('cpufreq', { sysfs: procWith({ 'devices/system/cpu/cpu0/topology/core_id': '0\n' }) });
    expect(none.get('node_scrape_collector_success', { collector: 'cpufreq' })).toBe(1);
    expect(none.size()).toBe(2);
  });
});
