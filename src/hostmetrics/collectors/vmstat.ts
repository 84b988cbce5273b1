/**
 * `vmstat` collector, as node_exporter 1.5: one untyped `node_vmstat_<field>` per line of
 * `<procfs>/vmstat` whose name matches the field pattern (default `^(oom_kill|pgpg|pswp|pg.*fault).*`).
 */
import { readFile } from 'node:fs/promises';
import { compilePattern, type Pattern } from '../filter.js';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines, parseDecimal } from '../text.js';
import type { Collector } from '../types.js';

/** node_exporter 1.5's default `--collector.vmstat.fields`. */
export const DEFAULT_VMSTAT_FIELDS = '^(oom_kill|pgpg|pswp|pg.*fault).*';

/** The `vmstat` collector. */
export class VmstatCollector implements Collector {
  readonly name = 'vmstat';
  private readonly fieldPattern: Pattern;

  /** @throws {HostPatternError} for an invalid pattern */
  constructor(
    private readonly paths: HostPaths,
    fieldPattern = DEFAULT_VMSTAT_FIELDS,
  ) {
    this.fieldPattern = compilePattern(fieldPattern, '--collector.vmstat.fields');
  }

  async update(out: MetricSet): Promise<void> {
    for (const line of lines(await readFile(this.paths.proc('vmstat'), 'utf8'))) {
      const parts = fields(line);
      if (parts.length < 2) throw new HostParseError(`invalid line in vmstat: ${JSON.stringify(line)}`);
      const value = parseDecimal(parts[1]!, 'vmstat');
      if (!this.fieldPattern.test(parts[0]!)) continue;
      out.add(`node_vmstat_${parts[0]}`, 'untyped', `/proc/vmstat information field ${parts[0]}.`, value);
    }
  }
}
