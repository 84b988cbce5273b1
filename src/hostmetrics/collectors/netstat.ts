/**
 * `netstat` collector, as node_exporter 1.5 on Linux: one untyped `node_netstat_<Proto>_<Field>`
 * (HELP `Statistic <Proto><Field>.`) per field of `<procfs>/net/netstat`, `net/snmp` and
 * `net/snmp6` whose `<Proto>_<Field>` matches the field pattern (`--collector.netstat.fields`,
 * default {@link DEFAULT_NETSTAT_FIELDS}). netstat and snmp are pairs of lines (`Proto: names…`,
 * `Proto: values…`); snmp6 is `<Proto6><Field> value` per line and may be absent (IPv6 disabled).
 * Protocols of snmp replace those of netstat with the same name, then snmp6's, as upstream.
 */
import { readFile } from 'node:fs/promises';
import { compilePattern, type Pattern } from '../filter.js';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, lines, parseDecimal } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** node_exporter 1.5's default `--collector.netstat.fields`. */
export const DEFAULT_NETSTAT_FIELDS =
  '^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$';

/** Statistics by protocol, then field name; values as written. */
export type NetStats = Map<string, Map<string, string>>;

/**
 * Parses `net/netstat` or `net/snmp`: lines in pairs, names then values, split on single spaces.
 * @throws {HostParseError} `mismatch field count mismatch in <file>: <protocol>` (upstream's wording)
 */
export function parseNetStats(text: string, fileName: string): NetStats {
  const out: NetStats = new Map();
  const all = lines(text);
  for (let i = 0; i < all.length; i += 2) {
    const names = all[i]!.split(' ');
    const values = (all[i + 1] ?? '').split(' ');
    const protocol = names[0]!.slice(0, -1);
    const stats = new Map<string, string>();
    out.set(protocol, stats);
    if (names.length !== values.length) throw new HostParseError(`mismatch field count mismatch in ${fileName}: ${protocol}`);
    for (let j = 1; j < names.length; j++) stats.set(names[j]!, values[j]!);
  }
  return out;
}

/** Parses `net/snmp6`: `<name> <value>` lines; the protocol is the name up to and including its first `6`. */
export function parseSnmp6(text: string): NetStats {
  const out: NetStats = new Map();
  for (const line of lines(text)) {
    const f = fields(line);
    if (f.length < 2) continue;
    const six = f[0]!.indexOf('6');
    if (six < 0) continue;
    const protocol = f[0]!.slice(0, six + 1);
    let stats = out.get(protocol);
    if (stats === undefined) out.set(protocol, (stats = new Map()));
    stats.set(f[0]!.slice(six + 1), f[1]!);
  }
  return out;
}

/** The `netstat` collector. */
export class NetstatCollector implements Collector {
  readonly name = 'netstat';
  private readonly fieldPattern: Pattern;

  /** @throws {HostPatternError} for an invalid pattern */
  constructor(
    private readonly paths: HostPaths,
    fieldPattern = DEFAULT_NETSTAT_FIELDS,
  ) {
    this.fieldPattern = compilePattern(fieldPattern, '--collector.netstat.fields');
  }

  async update(out: MetricSet): Promise<void> {
    const netstat = await this.pairs('net/netstat', "couldn't get netstats");
    const snmp = await this.pairs('net/snmp', "couldn't get SNMP stats");
    for (const [k, v] of snmp) netstat.set(k, v);
    let snmp6Text: string | undefined;
    try {
      snmp6Text = await readFile(this.paths.proc('net/snmp6'), 'utf8');
    } catch (e) {
      if (!isNotExist(e)) throw new Error(`couldn't get SNMP6 stats: ${(e as Error).message}`, { cause: e });
    }
    if (snmp6Text !== undefined) for (const [k, v] of parseSnmp6(snmp6Text)) netstat.set(k, v);
    for (const [protocol, stats] of netstat) {
      for (const [name, raw] of stats) {
        const value = parseDecimal(raw, 'netstats');
        const key = `${protocol}_${name}`;
        if (!this.fieldPattern.test(key)) continue;
        out.add(`node_netstat_${key}`, 'untyped', `Statistic ${protocol}${name}.`, value);
      }
    }
  }

  private async pairs(file: string, what: string): Promise<NetStats> {
    const path = this.paths.proc(file);
    try {
      return parseNetStats(await readFile(path, 'utf8'), path);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
    }
  }
}
