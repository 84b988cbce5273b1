/**
 * `conntrack` collector, as node_exporter 1.5 on Linux: `node_nf_conntrack_entries` and
 * `node_nf_conntrack_entries_limit` from `<procfs>/sys/net/netfilter/nf_conntrack_{count,max}`, and
 * `node_nf_conntrack_stat_*` (summed over CPUs) from `<procfs>/net/stat/nf_conntrack`, all gauges.
 * Without those files (module not loaded) the collector reports no data.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines, parseUint } from '../text.js';
import { isNotExist, NoDataError, type Collector } from '../types.js';

/** The per-CPU statistics node_exporter sums: name, column in the file, HELP. */
const STATS: readonly [name: string, column: number, help: string][] = [
  ['found', 2, 'Number of searched entries which were successful.'],
  ['invalid', 4, 'Number of packets seen which can not be tracked.'],
  ['ignore', 5, 'Number of packets seen which are already connected to a conntrack entry.'],
  ['insert', 8, 'Number of entries inserted into the list.'],
  ['insert_failed', 9, 'Number of entries for which list insertion was attempted but failed.'],
  ['drop', 10, 'Number of packets dropped due to conntrack failure.'],
  ['early_drop', 11, 'Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.'],
  ['search_restart', 16, 'Number of conntrack table lookups which had to be restarted due to hashtable resizes.'],
];

/**
 * Sums the per-CPU lines (hex columns, after a header line) of /proc/net/stat/nf_conntrack.
 * @returns the sum of each of {@link STATS}, in its order
 * @throws {HostParseError} for a line with fewer than 17 columns or a column that is not hex
 */
export function parseConntrackStat(text: string): number[] {
  const sums = STATS.map(() => 0);
  for (const line of lines(text).slice(1)) {
    const cols = fields(line);
    if (cols.length === 0) continue;
    for (const c of cols) if (!/^[0-9a-fA-F]+$/.test(c)) throw new HostParseError(`nf_conntrack: cannot parse entry ${JSON.stringify(c)}`);
    if (cols.length < 17) throw new HostParseError(`invalid conntrackstat entry, invalid number of fields: ${cols.length}`);
    STATS.forEach(([, col], i) => (sums[i]! += parseInt(cols[col]!, 16)));
  }
  return sums;
}

/** The `conntrack` collector. */
export class ConntrackCollector implements Collector {
  readonly name = 'conntrack';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    try {
      const count = await this.uint('sys/net/netfilter/nf_conntrack_count');
      out.add('node_nf_conntrack_entries', 'gauge', 'Number of currently allocated flow entries for connection tracking.', count);
      const max = await this.uint('sys/net/netfilter/nf_conntrack_max');
      out.add('node_nf_conntrack_entries_limit', 'gauge', 'Maximum size of connection tracking table.', max);
      const sums = parseConntrackStat(await readFile(this.paths.proc('net/stat/nf_conntrack'), 'utf8'));
      STATS.forEach(([name, , help], i) => out.add(`node_nf_conntrack_stat_${name}`, 'gauge', help, sums[i]!));
    } catch (e) {
      if (isNotExist(e)) throw new NoDataError('conntrack probably not loaded');
      throw new Error(`failed to retrieve conntrack stats: ${(e as Error).message}`, { cause: e });
    }
  }

  private async uint(file: string): Promise<number> {
    return parseUint((await readFile(this.paths.proc(file), 'utf8')).trim(), file);
  }
}
