/**
 * Shared pieces of the `alertmanager.yml` loader: strict field readers over {@link YNode} and URL
 * validation as Alertmanager's `config.URL`. prometheus/common's `http_config` / `tls_config`
 * come from the one parser both loaders use, `../prometheus/http.ts`.
 */
import type { YNode } from '../yaml.js';

/** Typed, optional access to the entries of a strictly-checked YAML mapping. */
export class Fields {
  readonly entries: Record<string, YNode>;

  /**
   * @param node the mapping node
   * @param allowed accepted keys; others throw `field <k> not found in type <typeName>`
   * @param typeName Go type name used in that message (e.g. `config.plain`)
   */
  constructor(
    readonly node: YNode,
    allowed: readonly string[],
    typeName: string,
  ) {
    this.entries = node.map(allowed, typeName);
  }

  /** Whether the key is present with a non-null value. */
  has(k: string): boolean {
    const n = this.entries[k];
    return n !== undefined && !n.isNull;
  }

  /** The node of a key (undefined when absent). */
  get(k: string): YNode | undefined {
    return this.entries[k];
  }

  str(k: string, def = ''): string {
    const n = this.entries[k];
    return n && !n.isNull ? n.str() : def;
  }

  bool(k: string, def = false): boolean {
    const n = this.entries[k];
    return n && !n.isNull ? n.bool() : def;
  }

  /** A duration in ms, or `def` when absent. */
  duration(k: string, def: number): number;
  duration(k: string): number | undefined;
  duration(k: string, def?: number): number | undefined {
    const n = this.entries[k];
    return n && !n.isNull ? n.duration() : def;
  }

  uint(k: string, def = 0): number {
    const n = this.entries[k];
    return n && !n.isNull ? n.uint() : def;
  }

  strings(k: string): string[] {
    const n = this.entries[k];
    return n ? n.strings() : [];
  }

  stringMap(k: string): Record<string, string> {
    const n = this.entries[k];
    return n ? n.stringMap() : {};
  }

  /** A `ConfigError` located at the mapping. */
  error(reason: string): Error {
    return this.node.error(reason);
  }
}

/**
 * Validates a URL as Alertmanager's `config.URL` (`ParseURL`): http or https with a host.
 * @returns an error text or null
 */
export function checkHTTPURL(s: string): string | null {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  const sch = scheme ? scheme[1]!.toLowerCase() : '';
  if (sch !== 'http' && sch !== 'https') return `unsupported scheme ${JSON.stringify(sch)} for URL`;
  const rest = s.slice(sch.length + 1);
  if (!rest.startsWith('//') || /^\/\/([/?#]|$)/.test(rest)) return 'missing host for URL';
  try {
    new URL(s);
  } catch {
    return `parse ${JSON.stringify(s)}: invalid URL`;
  }
  return null;
}

/**
 * Reads a URL field (`*config.URL`): empty when absent.
 * @throws {ConfigError} when the value is not an http(s) URL with a host.
 */
export function urlField(f: Fields, k: string): string {
  if (!f.has(k)) return '';
  const n = f.get(k)!;
  const s = n.str();
  const err = checkHTTPURL(s);
  if (err) throw n.error(err);
  return s;
}

/**
 * Reads a secret URL field (`*config.SecretURL`): as {@link urlField}, but the literal `<secret>`
 * (what the status API shows for secrets) is accepted as an empty URL.
 */
export function secretURLField(f: Fields, k: string): string {
  if (f.str(k) === '<secret>') return '<secret>';
  return urlField(f, k);
}
