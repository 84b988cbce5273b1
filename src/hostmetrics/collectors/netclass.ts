/**
 * `netclass` collector, as node_exporter 1.5 on Linux (sysfs mode): for every entry of
 * `<sysfs>/class/net` that is not a regular file and does not match the ignored-devices pattern
 * (`--collector.netclass.ignored-devices`, default `^$`), `node_network_up` (operstate "up"),
 * `node_network_info{address,broadcast,device,duplex,ifalias,operstate}` 1, and one
 * `node_network_<property>` per numeric attribute it could read (HELP `Network device property:
 * <property>`, values parsed as Go's `ParseInt(s, 0, 64)`, 0 when that fails): a file that is
 * missing, unreadable or answers EINVAL/EOPNOTSUPP (e.g. `speed` of a virtual device) is left out. `speed_bytes` is `speed` (Mb/s) × 125000, -1 included unless
 * `--collector.netclass.ignore-invalid-speed`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { compilePattern, type Pattern } from '../filter.js';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { NoDataError, type Collector } from '../types.js';

/** Numeric properties in node_exporter's order: metric suffix, sysfs file, counter or gauge. */
const PROPERTIES: readonly [metric: string, file: string, type: 'gauge' | 'counter'][] = [
  ['address_assign_type', 'addr_assign_type', 'gauge'],
  ['carrier', 'carrier', 'gauge'],
  ['carrier_changes_total', 'carrier_changes', 'counter'],
  ['carrier_up_changes_total', 'carrier_up_count', 'counter'],
  ['carrier_down_changes_total', 'carrier_down_count', 'counter'],
  ['device_id', 'dev_id', 'gauge'],
  ['dormant', 'dormant', 'gauge'],
  ['flags', 'flags', 'gauge'],
  ['iface_id', 'ifindex', 'gauge'],
  ['iface_link', 'iflink', 'gauge'],
  ['iface_link_mode', 'link_mode', 'gauge'],
  ['mtu_bytes', 'mtu', 'gauge'],
  ['name_assign_type', 'name_assign_type', 'gauge'],
  ['net_dev_group', 'netdev_group', 'gauge'],
  ['transmit_queue_length', 'tx_queue_len', 'gauge'],
  ['protocol_type', 'type', 'gauge'],
];

/** Errors for which upstream skips an attribute instead of failing. */
const SKIPPED = new Set(['ENOENT', 'EACCES', 'EPERM', 'EINVAL', 'EOPNOTSUPP', 'ENOTSUP']);

/** Go's `strconv.ParseInt(s, 0, 64)`: decimal, `0x` hex, `0o`/`0` octal, `0b` binary, `_` separators. */
export function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)$/.exec(s);
  if (!m || /__|_$|^[+-]?_/.test(m[2]!)) return undefined;
  let body = m[2]!.replace(/_/g, '');
  let radix = 10;
  if (/^0[xX]/.test(body)) [radix, body] = [16, body.slice(2)];
  else if (/^0[bB]/.test(body)) [radix, body] = [2, body.slice(2)];
  else if (/^0[oO]/.test(body)) [radix, body] = [8, body.slice(2)];
  else if (body.length > 1 && body.startsWith('0')) [radix, body] = [8, body.slice(1)];
  if (body === '') return radix === 8 ? 0 : undefined;
  const v = BigInt(radix === 10 ? body : `0${'xbo'[[16, 2, 8].indexOf(radix)]}${body}`) * (m[1] === '-' ? -1n : 1n);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return Number(v);
}

/** The `netclass` collector. */
export class NetClassCollector implements Collector {
  readonly name = 'netclass';
  private readonly ignored: Pattern;

  /**
   * @param ignoredDevices `--collector.netclass.ignored-devices` (RE2, unanchored)
   * @param ignoreInvalidSpeed `--collector.netclass.ignore-invalid-speed`
   * @throws {HostPatternError} for an invalid pattern
   */
  constructor(
    private readonly paths: HostPaths,
    ignoredDevices = '^$',
    private readonly ignoreInvalidSpeed = false,
  ) {
    this.ignored = compilePattern(ignoredDevices, '--collector.netclass.ignored-devices');
  }

  async update(out: MetricSet): Promise<void> {
    let entries;
    try {
      entries = await readdir(this.paths.sys('class/net'), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') throw new NoDataError('could not read netclass');
      throw new Error(`could not get net class info: ${(e as Error).message}`, { cause: e });
    }
    const devices = entries.filter((d) => !d.isFile() && !this.ignored.test(d.name)).map((d) => d.name);
    const attrs = devices.map((d) => this.attributes(d));
    devices.forEach((device, i) => {
      const a = attrs[i]!;
      out.add('node_network_up', 'gauge', "Value is 1 if operstate is 'up', 0 otherwise.", a.get('operstate') === 'up' ? 1 : 0, { device });
      out.add('node_network_info', 'gauge', 'Non-numeric data from /sys/class/net/<iface>, value is always 1.', 1, {
        device,
        address: a.get('address') ?? '',
        broadcast: a.get('broadcast') ?? '',
        duplex: a.get('duplex') ?? '',
        operstate: a.get('operstate') ?? '',
        ifalias: a.get('ifalias') ?? '',
      });
      const num = (file: string) => {
        const raw = a.get(file);
        // As upstream's value parser: a value that is not an integer reads as 0.
        return raw === undefined ? undefined : (parseGoInt(raw) ?? 0);
      };
      for (const [metric, file, type] of PROPERTIES) {
        if (metric === 'transmit_queue_length') {
          const speed = num('speed');
          if (speed !== undefined && (speed >= 0 || !this.ignoreInvalidSpeed)) {
            out.add('node_network_speed_bytes', 'gauge', 'Network device property: speed_bytes', Math.trunc((speed * 1000 * 1000) / 8), { device });
          }
        }
        const v = num(file);
        if (v !== undefined) out.add(`node_network_${metric}`, type, `Network device property: ${metric}`, v, { device });
      }
    });
  }

  /**
   * The regular files of a device directory that could be read, trimmed, by name. Read
   * synchronously: some 25 tiny sysfs files per device cost well under a millisecond this way,
   * against several milliseconds of thread-pool round trips when read asynchronously.
   */
  private attributes(device: string): Map<string, string> {
    const dir = this.paths.sys(`class/net/${device}`);
    const out = new Map<string, string>();
    let files;
    try {
      files = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`could not get net class info: ${(e as Error).message}`, { cause: e });
    }
    for (const f of files) {
      if (!f.isFile()) continue;
      try {
        out.set(f.name, readFileSync(`${dir}/${f.name}`, 'utf8').trim());
      } catch (e) {
        if (!SKIPPED.has((e as NodeJS.ErrnoException).code ?? '')) throw new Error(`failed to read file ${JSON.stringify(`${dir}/${f.name}`)}: ${(e as Error).message}`, { cause: e });
      }
    }
    return out;
  }
}
