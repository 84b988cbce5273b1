/**
 * `os` collector, as node_exporter 1.5: `node_os_info{build_id,id,id_like,image_id,image_version,name,
 * pretty_name,variant,variant_id,version,version_codename,version_id} 1` and
 * `node_os_version{id,id_like,name}` (the leading `major.minor` of VERSION_ID, when above 0) from
 * `<rootfs>/etc/os-release`, else `<rootfs>/usr/lib/os-release`. Neither readable: no data.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, lines } from '../text.js';
import { NoDataError, isNotExist, type Collector } from '../types.js';

const FILES = ['etc/os-release', 'usr/lib/os-release'];
const KEY = /^[A-Za-z_][A-Za-z0-9_./]*$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', r: '\r', n: '\n', t: '\t' };

/** One `KEY=value` line's value, as go-envparse (the parser node_exporter uses) reads it. */
function parseValue(value: string, lineNo: number): string {
  const fail = (why: string) => new HostParseError(`os-release line ${lineNo}: ${why}`);
  let out = '';
  /** Length of `out` up to its last significant character (unquoted trailing blanks are dropped before a comment). */
  let lastSig = 0;
  let mode: 'normal' | 'double' | 'single' = 'normal';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const code = c.charCodeAt(0);
    if (code < 32) throw fail(`0x${code.toString(16).padStart(2, '0')} is an invalid value character`);
    if (code > 127) {
      out += c;
      lastSig = out.length;
      continue;
    }
    if (mode === 'normal') {
      if (c === '"') mode = 'double';
      else if (c === "'") mode = 'single';
      else if (c === '#') return out.slice(0, lastSig);
      else {
        out += c;
        if (c !== ' ' && c !== '\t') lastSig = out.length;
      }
    } else if (mode === 'single') {
      if (c === "'") mode = 'normal';
      else {
        out += c;
        lastSig = out.length;
      }
    } else if (c === '"') mode = 'normal';
    else if (c !== '\\') {
      out += c;
      lastSig = out.length;
    } else {
      const e = value[++i];
      if (e === undefined) throw fail('incomplete escape sequence');
      if (e === 'u') {
        const hex = value.slice(i + 1, i + 5);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw fail('incomplete hex sequence');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else if (ESCAPES[e] !== undefined) out += ESCAPES[e];
      else throw fail(`invalid escape sequence: ${JSON.stringify(e)}`);
      lastSig = out.length;
    }
  }
  if (mode === 'double') throw fail('unmatched "');
  if (mode === 'single') throw fail("unmatched '");
  return out;
}

/**
 * Parses os-release(5) text as go-envparse does: blank lines and `#` comments skipped; `KEY=value`
 * with an optional `export ` prefix; values unquoted (a `#` starts a comment), in 'single quotes'
 * (literal) or "double quotes" (JSON escapes `\" \\ \/ \b \f \r \n \t \uXXXX`). Keys with
 * an empty value are left out.
 * @throws {HostParseError} for a line without `=`, a bad key, an unmatched quote or a bad escape
 */
export function parseOsRelease(text: string): Map<string, string> {
  const env = new Map<string, string>();
  const all = lines(text);
  for (let n = 0; n < all.length; n++) {
    const line = all[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new HostParseError(`os-release line ${n + 1}: missing =`);
    let key = line.slice(0, eq).trim();
    if (key.length > 'export '.length && key.startsWith('export ')) key = key.slice('export '.length);
    if (!KEY.test(key)) throw new HostParseError(`os-release line ${n + 1}: invalid key ${JSON.stringify(key)}`);
    const value = parseValue(line.slice(eq + 1).trim(), n + 1);
    if (value !== '') env.set(key, value);
  }
  return env;
}

/** The leading `major[.minor]` of a VERSION_ID as a number, 0 when it has none. */
export function majorMinor(versionId: string): number {
  const m = /^[0-9]+\.?[0-9]*/.exec(versionId);
  return m ? Number(m[0]) : 0;
}

/** The `os` collector. */
export class OsCollector implements Collector {
  readonly name = 'os';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let text: string | undefined;
    for (const f of FILES) {
      try {
        text = await readFile(this.paths.root(f), 'utf8');
        break;
      } catch (e) {
        if (!isNotExist(e)) throw e;
      }
    }
    if (text === undefined) throw new NoDataError(`no os-release file found: ${FILES.map((f) => '/' + f).join(',')}`);
    const env = parseOsRelease(text);
    const v = (k: string) => env.get(k) ?? '';
    out.add(
      'node_os_info',
      'gauge',
      "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
      1,
      {
        build_id: v('BUILD_ID'),
        id: v('ID'),
        id_like: v('ID_LIKE'),
        image_id: v('IMAGE_ID'),
        image_version: v('IMAGE_VERSION'),
        name: v('NAME'),
        pretty_name: v('PRETTY_NAME'),
        variant: v('VARIANT'),
        variant_id: v('VARIANT_ID'),
        version: v('VERSION'),
        version_codename: v('VERSION_CODENAME'),
        version_id: v('VERSION_ID'),
      },
    );
    const version = majorMinor(v('VERSION_ID'));
    if (version > 0) {
      out.add('node_os_version', 'gauge', 'Metric containing the major.minor part of the OS version.', version, {
        id: v('ID'),
        id_like: v('ID_LIKE'),
        name: v('NAME'),
      });
    }
  }
}
