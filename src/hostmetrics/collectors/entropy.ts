/**
 * `entropy` collector, as node_exporter 1.5 on Linux: `node_entropy_available_bits` and
 * `node_entropy_pool_size_bits` (gauges, bits) from `<procfs>/sys/kernel/random/entropy_avail` and
 * `poolsize`.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { parseUint } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** The `entropy` collector. */
export class EntropyCollector implements Collector {
  readonly name = 'entropy';

  constructor(private readonly paths: HostPaths) {}

  /** @throws {Error} `couldn't get entropy_avail` / `couldn't get entropy poolsize` when a file is missing */
  async update(out: MetricSet): Promise<void> {
    const [avail, pool] = await Promise.all([this.read('entropy_avail'), this.read('poolsize')]);
    if (avail === undefined) throw new Error("couldn't get entropy_avail");
    out.add('node_entropy_available_bits', 'gauge', 'Bits of available entropy.', avail);
    if (pool === undefined) throw new Error("couldn't get entropy poolsize");
    out.add('node_entropy_pool_size_bits', 'gauge', 'Bits of entropy pool.', pool);
  }

  private async read(file: string): Promise<number | undefined> {
    try {
      return parseUint((await readFile(this.paths.proc(`sys/kernel/random/${file}`), 'utf8')).trim(), file);
    } catch (e) {
      if (isNotExist(e)) return undefined;
      throw e;
    }
  }
}
