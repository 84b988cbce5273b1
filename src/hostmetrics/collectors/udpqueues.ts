/**
 * `udp_queues` collector, as node_exporter 1.5 on Linux: `node_udp_queues{ip,queue}` (gauge,
 * bytes), the sum of the `tx_queue` and `rx_queue` columns over the sockets of `<procfs>/net/udp`
 * (ip "v4") and `net/udp6` ("v6"). A missing file is skipped; both missing means no data.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines } from '../text.js';
import { isNotExist, NoDataError, type Collector } from '../types.js';

/**
 * Sums the queue columns of /proc/net/udp or udp6 (after the header line).
 * @throws {HostParseError} for a line with fewer than 10 columns or a malformed queue column
 */
export function parseUdpQueues(text: string): { tx: number; rx: number } {
  let tx = 0;
  let rx = 0;
  for (const line of lines(text).slice(1)) {
    const cols = fields(line);
    if (cols.length === 0) continue;
    if (cols.length < 10) throw new HostParseError(`cannot parse net udp socket line as it has less then 10 columns: ${JSON.stringify(line)}`);
    const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+)$/.exec(cols[4]!);
    if (!m) throw new HostParseError(`cannot parse tx_queue:rx_queue ${JSON.stringify(cols[4])}`);
    tx += parseInt(m[1]!, 16);
    rx += parseInt(m[2]!, 16);
  }
  return { tx, rx };
}

/** The `udp_queues` collector. */
export class UdpQueuesCollector implements Collector {
  readonly name = 'udp_queues';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let missing = 0;
    for (const [file, ip] of [
      ['net/udp', 'v4'],
      ['net/udp6', 'v6'],
    ] as const) {
      let text: string;
      try {
        text = await readFile(this.paths.proc(file), 'utf8');
      } catch (e) {
        if (isNotExist(e)) {
          missing++;
          continue;
        }
        throw new Error(`couldn't get udp queued bytes: ${(e as Error).message}`, { cause: e });
      }
      const q = parseUdpQueues(text);
      const help = 'Number of allocated memory in the kernel for UDP datagrams in bytes.';
      out.add('node_udp_queues', 'gauge', help, q.tx, { queue: 'tx', ip });
      out.add('node_udp_queues', 'gauge', help, q.rx, { queue: 'rx', ip });
    }
    if (missing === 2) throw new NoDataError();
  }
}
