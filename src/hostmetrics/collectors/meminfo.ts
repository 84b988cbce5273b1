/**
 * `meminfo` collector, as node_exporter 1.5 on Linux: one `node_memory_<Field>[_bytes]` gauge per
 * line of /proc/meminfo. Values with a unit (`kB`) are multiplied by 1024 and get `_bytes`;
 * parentheses become an underscore (`Active(anon)` → `node_memory_Active_anon_bytes`); a name
 * ending in `_total` would be a counter.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines, parseDecimal } from '../text.js';
import type { Collector } from '../types.js';

/**
 * Parses /proc/meminfo text into `{key: value}` with node_exporter's key rewriting and units
 * (bytes for `kB` lines).
 * @throws {HostParseError} for a line without a value or with more than a unit after it
 */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines(text)) {
    const parts = fields(line);
    if (parts.length === 0) continue;
    if (parts.length < 2 || parts.length > 3) throw new HostParseError(`invalid line in meminfo: ${line}`);
    let value = parseDecimal(parts[1]!, 'meminfo');
    let key = parts[0]!.slice(0, -1).replace(/\((.*)\)/, '_$1');
    if (parts.length === 3) {
      value *= 1024;
      key += '_bytes';
    }
    out.set(key, value);
  }
  return out;
}

/** The `meminfo` collector. */
export class MeminfoCollector implements Collector {
  readonly name = 'meminfo';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let mem: Map<string, number>;
    try {
      mem = parseMeminfo(await readFile(this.paths.proc('meminfo'), 'utf8'));
    } catch (e) {
      throw new Error(`couldn't get meminfo: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    for (const [key, value] of mem) {
      out.add(`node_memory_${key}`, key.endsWith('_total') ? 'counter' : 'gauge', `Memory information field ${key}.`, value);
    }
  }
}
