/**
 * `sockstat` collector, as node_exporter 1.5 on Linux: gauges from `<procfs>/net/sockstat` and
 * `net/sockstat6` — `node_sockstat_sockets_used` (IPv4 only) and, per protocol line,
 * `node_sockstat_<PROTO>_<key>` for the keys present among inuse, orphan, tw, alloc, mem, memory,
 * plus `node_sockstat_<PROTO>_mem_bytes` (mem, in pages, times the page size) where `mem` is given.
 * A missing file (IPv4 or IPv6 disabled) is skipped.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** The keys node_exporter exports, in its order. */
const KEYS = ['inuse', 'orphan', 'tw', 'alloc', 'mem', 'memory'] as const;

/** One parsed sockstat file. */
export interface Sockstat {
  /** `sockets: used N` (sockstat only). */
  used?: number;
  /** Protocol lines in file order, each with the keys it carries. */
  protocols: { protocol: string; values: Map<string, number> }[];
}

/**
 * Parses a sockstat file: lines `PROTO: key value key value …`, and `sockets: used N`.
 * @throws {HostParseError} for a line with fewer than three fields, an odd number of key/value
 * fields or a value that is not an integer
 */
export function parseSockstat(text: string): Sockstat {
  const out: Sockstat = { protocols: [] };
  for (const line of lines(text)) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 3) throw new HostParseError(`malformed sockstat line: ${JSON.stringify(line)}`);
    if ((f.length - 1) % 2 !== 0) throw new HostParseError(`odd number of fields in sockstat line: ${JSON.stringify(line)}`);
    const values = new Map<string, number>();
    for (let i = 1; i < f.length; i += 2) {
      if (!/^[+-]?[0-9]+$/.test(f[i + 1]!)) throw new HostParseError(`error parsing sockstat value ${JSON.stringify(f[i + 1])}: invalid syntax`);
      values.set(f[i]!, Number(f[i + 1]));
    }
    const protocol = f[0]!.replace(/:$/, '');
    if (protocol === 'sockets') out.used = values.get('used');
    else out.protocols.push({ protocol, values });
  }
  return out;
}

let pageSize: number | undefined;

/** The memory page size in bytes (Go's `os.Getpagesize`), from the process's auxiliary vector; 4096 if unreadable. */
export function systemPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    for (let i = 0; i + 16 <= auxv.length; i += 16) {
      const type = auxv.readBigUInt64LE(i);
      if (type === 0n) break;
      if (type === 6n) pageSize = Number(auxv.readBigUInt64LE(i + 8));
    }
  } catch {
    // not Linux, or /proc unavailable: keep the common default
  }
  return pageSize;
}

/** The `sockstat` collector. */
export class SockstatCollector implements Collector {
  readonly name = 'sockstat';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const [v4, v6] = await Promise.all([this.read('net/sockstat', 'IPv4'), this.read('net/sockstat6', 'IPv6')]);
    if (v4?.used !== undefined) out.add('node_sockstat_sockets_used', 'gauge', 'Number of IPv4 sockets in use.', v4.used);
    for (const s of [v4, v6]) {
      if (s === undefined) continue;
      for (const { protocol, values } of s.protocols) {
        const add = (key: string, v: number) => out.add(`node_sockstat_${protocol}_${key}`, 'gauge', `Number of ${protocol} sockets in state ${key}.`, v);
        add('inuse', values.get('inuse') ?? 0);
        for (const key of KEYS.slice(1)) {
          const v = values.get(key);
          if (v !== undefined) add(key, v);
        }
        const mem = values.get('mem');
        if (mem !== undefined) add('mem_bytes', mem * systemPageSize());
      }
    }
  }

  private async read(file: string, family: string): Promise<Sockstat | undefined> {
    let text: string;
    try {
      text = await readFile(this.paths.proc(file), 'utf8');
    } catch (e) {
      if (isNotExist(e)) return undefined;
      throw new Error(`failed to get ${family} sockstat data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      return parseSockstat(text);
    } catch (e) {
      throw new Error(`failed to get ${family} sockstat data: ${(e as Error).message}`, { cause: e });
    }
  }
}
