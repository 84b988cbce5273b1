/**
 * `softnet` collector, as node_exporter 1.5 on Linux: per line of `<procfs>/net/softnet_stat` (one
 * per CPU; the `cpu` label is the line's index), counters `node_softnet_processed_total`,
 * `node_softnet_dropped_total` and `node_softnet_times_squeezed_total` from its first three hex
 * columns.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines } from '../text.js';
import type { Collector } from '../types.js';

/** The columns of one softnet_stat line that node_exporter reports. */
export interface SoftnetLine {
  processed: number;
  dropped: number;
  timeSqueezed: number;
}

/**
 * Parses /proc/net/softnet_stat.
 * @throws {HostParseError} for a line with fewer than 9 columns or a column that is not hex
 */
export function parseSoftnet(text: string): SoftnetLine[] {
  return lines(text).map((line) => {
    const cols = fields(line);
    if (cols.length < 9) throw new HostParseError(`${cols.length} columns were detected, but at least 9 were expected`);
    for (const c of cols) if (!/^[0-9a-fA-F]+$/.test(c)) throw new HostParseError(`softnet_stat: cannot parse ${JSON.stringify(c)}`);
    return { processed: parseInt(cols[0]!, 16), dropped: parseInt(cols[1]!, 16), timeSqueezed: parseInt(cols[2]!, 16) };
  });
}

/** The `softnet` collector. */
export class SoftnetCollector implements Collector {
  readonly name = 'softnet';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let stats: SoftnetLine[];
    try {
      stats = parseSoftnet(await readFile(this.paths.proc('net/softnet_stat'), 'utf8'));
    } catch (e) {
      throw new Error(`could not get softnet statistics: ${(e as Error).message}`, { cause: e });
    }
    stats.forEach((s, i) => {
      const cpu = { cpu: String(i) };
      out.add('node_softnet_processed_total', 'counter', 'Number of processed packets', s.processed, cpu);
      out.add('node_softnet_dropped_total', 'counter', 'Number of dropped packets', s.dropped, cpu);
      out.add('node_softnet_times_squeezed_total', 'counter', 'Number of times processing packets ran out of quota', s.timeSqueezed, cpu);
    });
  }
}
