/**
 * `netdev` collector, as node_exporter 1.5 on Linux: per device, counters
 * `node_network_{receive,transmit}_{bytes,packets,errs,drop,fifo,compressed}_total`,
 * `node_network_receive_{frame,multicast}_total`, `node_network_transmit_{colls,carrier}_total`,
 * labelled `device`, with HELP `Network device statistic <key>.`, read from /proc/net/dev.
 *
 * node_exporter's default (`--collector.netdev.netlink`) reads the same kernel counters through
 * netlink, which also gives `node_network_receive_nohandler_total`; in that mode this collector
 * reads it from `<sysfs>/class/net/<device>/statistics/rx_nohandler` (the same counter), skipping
 * devices without that file. `--no-collector.netdev.netlink` leaves it out, as upstream.
 */
import { readFile } from 'node:fs/promises';
import type { DeviceFilter } from '../filter.js';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines, parseUint } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** The /proc/net/dev columns in file order, named as node_exporter names the metrics. */
export const NETDEV_KEYS = [
  'receive_bytes',
  'receive_packets',
  'receive_errs',
  'receive_drop',
  'receive_fifo',
  'receive_frame',
  'receive_compressed',
  'receive_multicast',
  'transmit_bytes',
  'transmit_packets',
  'transmit_errs',
  'transmit_drop',
  'transmit_fifo',
  'transmit_colls',
  'transmit_carrier',
  'transmit_compressed',
] as const;

/** Counters of one interface, in {@link NETDEV_KEYS} order. */
export interface NetDevLine {
  device: string;
  values: number[];
}

/**
 * Parses /proc/net/dev: two header lines, then `name: 16 counters` per interface (the name is
 * everything before the last colon, trimmed).
 * @throws {HostParseError} for a line without a colon, an empty name, or fewer than 16 counters
 */
export function parseNetDev(text: string): NetDevLine[] {
  const out: NetDevLine[] = [];
  const all = lines(text);
  for (let n = 2; n < all.length; n++) {
    const line = all[n]!;
    const colon = line.lastIndexOf(':');
    if (colon < 0) throw new HostParseError('invalid net/dev line, missing colon');
    const device = line.slice(0, colon).trim();
    if (device === '') throw new HostParseError('invalid net/dev line, empty interface name');
    const parts = fields(line.slice(colon + 1));
    if (parts.length < NETDEV_KEYS.length) throw new HostParseError(`invalid net/dev line for ${device}: ${parts.length} fields`);
    out.push({ device, values: NETDEV_KEYS.map((k, i) => parseUint(parts[i]!, k)) });
  }
  return out;
}

/** The `netdev` collector. */
export class NetDevCollector implements Collector {
  readonly name = 'netdev';

  /**
   * @param netlink node_exporter's `--collector.netdev.netlink` (default on there): also report
   * `node_network_receive_nohandler_total`
   */
  constructor(
    private readonly paths: HostPaths,
    private readonly filter: DeviceFilter,
    private readonly netlink = true,
  ) {}

  async update(out: MetricSet): Promise<void> {
    let devs: NetDevLine[];
    try {
      devs = parseNetDev(await readFile(this.paths.proc('net/dev'), 'utf8'));
    } catch (e) {
      throw new Error(`couldn't get netstats: failed to parse /proc/net/dev: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    for (const d of devs) {
      if (this.filter.ignored(d.device)) continue;
      for (let i = 0; i < NETDEV_KEYS.length; i++) {
        const key = NETDEV_KEYS[i]!;
        out.add(`node_network_${key}_total`, 'counter', `Network device statistic ${key}.`, d.values[i]!, { device: d.device });
      }
    }
    if (!this.netlink) return;
    const kept = devs.filter((d) => !this.filter.ignored(d.device));
    const nohandler = await Promise.all(kept.map((d) => this.rxNohandler(d.device)));
    for (let i = 0; i < kept.length; i++) {
      const v = nohandler[i];
      if (v !== undefined) out.add('node_network_receive_nohandler_total', 'counter', 'Network device statistic receive_nohandler.', v, { device: kept[i]!.device });
    }
  }

  /** The device's `rx_nohandler` counter from sysfs, or undefined when the file is absent. */
  private async rxNohandler(device: string): Promise<number | undefined> {
    try {
      return parseUint((await readFile(this.paths.sys(`class/net/${device}/statistics/rx_nohandler`), 'utf8')).trim(), 'rx_nohandler');
    } catch (e) {
      if (isNotExist(e)) return undefined;
      throw e;
    }
  }
}
