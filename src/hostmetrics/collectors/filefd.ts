/**
 * `filefd` collector, as node_exporter 1.5: `node_filefd_allocated` and `node_filefd_maximum` from
 * `<procfs>/sys/fs/file-nr` (tab-separated: allocated, unused, maximum).
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, parseDecimal } from '../text.js';
import type { Collector } from '../types.js';

/** The `filefd` collector. */
export class FilefdCollector implements Collector {
  readonly name = 'filefd';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const file = this.paths.proc('sys/fs/file-nr');
    const parts = (await readFile(file, 'utf8')).trim().split('\t');
    if (parts.length < 3) throw new HostParseError(`couldn't get file-nr: unexpected number of file stats in ${JSON.stringify(file)}`);
    out.add('node_filefd_allocated', 'gauge', 'File descriptor statistics: allocated.', parseDecimal(parts[0]!, 'file-nr'));
    out.add('node_filefd_maximum', 'gauge', 'File descriptor statistics: maximum.', parseDecimal(parts[2]!, 'file-nr'));
  }
}
