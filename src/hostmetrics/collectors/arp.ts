/**
 * `arp` collector, as node_exporter 1.5 on Linux: `node_arp_entries{device}` (gauge), the number of
 * lines of `<procfs>/net/arp` per device (the last column), the header line excepted.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines } from '../text.js';
import type { Collector } from '../types.js';

/**
 * Counts /proc/net/arp entries per device.
 * @throws {HostParseError} `unexpected ARP table format` for a line with fewer than 6 columns
 */
export function parseArpEntries(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines(text)) {
    const cols = fields(line);
    if (cols.length < 6) throw new HostParseError('unexpected ARP table format');
    if (cols[0] === 'IP') continue;
    const device = cols[cols.length - 1]!;
    out.set(device, (out.get(device) ?? 0) + 1);
  }
  return out;
}

/** The `arp` collector. */
export class ArpCollector implements Collector {
  readonly name = 'arp';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let entries: Map<string, number>;
    try {
      entries = parseArpEntries(await readFile(this.paths.proc('net/arp'), 'utf8'));
    } catch (e) {
      throw new Error(`could not get ARP entries: ${(e as Error).message}`, { cause: e });
    }
    for (const [device, n] of entries) out.add('node_arp_entries', 'gauge', 'ARP entries by device', n, { device });
  }
}
