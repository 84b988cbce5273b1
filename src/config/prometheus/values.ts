/**
 * Small value parsers shared by the prometheus.yml loader: byte sizes (`15MB`), URLs with Go's
 * `net/url` rules that the config validation depends on, label-name validation per name
 * validation scheme, `os.Expand`-style environment expansion, and relative-path joining (also used
 * by the alertmanager.yml loader).
 */
import { isAbsolute, join } from 'node:path';
import { isValidLabelName, isValidUTF8Name } from '../../model/labels.js';

/** Metric/label name validation scheme (`metric_name_validation_scheme`), as upstream `model.ValidationScheme`. */
export type NameValidationScheme = 'utf8' | 'legacy';

/**
 * Whether `name` is a valid label name under `scheme`: any non-empty valid UTF-8 text for `utf8`
 * (`isValidUTF8Name`), `[a-zA-Z_][a-zA-Z0-9_]*` for `legacy`.
 */
export function isValidLabelNameFor(scheme: NameValidationScheme, name: string): boolean {
  return scheme === 'utf8' ? isValidUTF8Name(name) : isValidLabelName(name);
}

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1024 ** 4,
  TiB: 1024 ** 4,
  PB: 1024 ** 5,
  PiB: 1024 ** 5,
  EB: 1024 ** 6,
  EiB: 1024 ** 6,
};

/**
 * Parses a base-2 byte size as upstream `units.ParseBase2Bytes` (`body_size_limit`,
 * `storage.tsdb.retention.size`): a sequence of `<number><unit>` terms, units B, KB/KiB, MB/MiB,
 * GB/GiB, TB/TiB, PB/PiB, EB/EiB (all powers of 1024), optional sign; `0` alone is zero.
 * A bare number other than 0 has no unit and is an error, as upstream.
 * @returns bytes (may be negative when written with `-`)
 * @throws {Error} `units: unknown unit X in S` / `units: invalid S`
 */
export function parseBase2Bytes(input: string): number {
  let s = input;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`units: invalid ${input}`);
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const whole = m[1] ?? '';
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) throw new Error(`units: invalid ${input}`);
    const num = Number(`${whole || '0'}.${frac ?? ''}`);
    s = s.slice(m[0].length);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    const unit = s.slice(0, i);
    s = s.slice(i);
    const scale = BYTE_UNITS[unit];
    if (scale === undefined) throw new Error(`units: unknown unit ${unit} in ${input}`);
    total += num * scale;
  }
  return Math.trunc(neg ? -total : total);
}

/** The parts of a URL that config validation looks at, split as Go's `url.Parse` does. */
export interface ParsedURL {
  scheme: string;
  host: string;
  path: string;
}

/**
 * Splits `raw` like Go's `url.Parse`: a scheme is a leading `[A-Za-z][A-Za-z0-9+.-]*:`; the host is
 * the authority after `//`. So `localhost:9090` has scheme `localhost`, `eureka.com` has no scheme,
 * `http://` has an empty host.
 * @throws {Error} `missing protocol scheme` when `raw` starts with `:`, `invalid control character in URL`.
 */
export function parseGoURL(raw: string): ParsedURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error(`parse ${JSON.stringify(raw)}: net/url: invalid control character in URL`);
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error(`parse ${JSON.stringify(raw)}: missing protocol scheme`);
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  let host = '';
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const authority = rest.slice(2);
    const slash = authority.indexOf('/');
    const auth = slash >= 0 ? authority.slice(0, slash) : authority;
    host = auth.slice(auth.lastIndexOf('@') + 1);
    rest = slash >= 0 ? authority.slice(slash) : '';
  }
  return { scheme, host, path: rest };
}

/**
 * Expands `$VAR` and `${VAR}` from the environment as Go's `os.Expand` with Prometheus's mapping
 * for external labels: `$$` gives `$`, unset variables give `''`, `${}` is dropped, a `$` not
 * followed by a name stays.
 */
export function expandEnv(s: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const rest = s.slice(i + 1);
    const [name, width] = shellName(rest);
    if (name === '' && width > 0) {
      // invalid syntax such as `${}`: the characters are eaten
    } else if (name === '') {
      out += '$';
    } else {
      out += name === '$' ? '$' : (env[name] ?? '');
    }
    i += 1 + width;
  }
  return out;
}

const SPECIAL = '*#$@!?-0123456789';

function shellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.includes(s[1]!) && s[2] === '}') return [s[1]!, 3];
    const close = s.indexOf('}', 1);
    if (close === 1) return ['', 2];
    if (close < 0) return ['', 1];
    return [s.slice(1, close), close + 1];
  }
  if (SPECIAL.includes(s[0]!)) return [s[0]!, 1];
  let i = 0;
  while (i < s.length && /[A-Za-z0-9_]/.test(s[i]!)) i++;
  return [s.slice(0, i), i];
}

/** Joins a relative file path with the config file's directory (upstream `config.JoinDir`); `''` and absolute paths stay. */
export function joinDir(dir: string, path: string): string {
  if (path === '' || isAbsolute(path)) return path;
  return join(dir, path);
}
