/**
 * Include/exclude patterns of node_exporter's collectors (mount points, filesystem types, network
 * and disk devices). Patterns are RE2 and, as Go's `regexp.MatchString`, match anywhere in the
 * name unless they carry their own `^…$` anchors; `.` does not match a newline.
 */
import { RE2JS } from 're2js';

/** Thrown at construction for a pattern that is not valid RE2; names the option. */
export class HostPatternError extends Error {
  override name = 'HostPatternError';
}

/** A compiled unanchored pattern. */
export interface Pattern {
  readonly source: string;
  /** Whether the pattern matches any part of `s`. */
  test(s: string): boolean;
}

/**
 * Compiles `source` for unanchored matching.
 * @throws {HostPatternError} naming `option` when the pattern is invalid
 */
export function compilePattern(source: string, option: string): Pattern {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    throw new HostPatternError(`${option}: error parsing regexp: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { source, test: (s) => re.test(s) };
}

/**
 * A device filter as node_exporter's `deviceFilter`: a name is ignored when it matches the exclude
 * pattern, or when an include pattern is set and it does not match. Empty patterns are unset.
 */
export class DeviceFilter {
  private readonly exclude: Pattern | null;
  private readonly include: Pattern | null;

  /**
   * @throws {HostPatternError} for an invalid pattern, or when both patterns are set (they are
   * mutually exclusive upstream)
   */
  constructor(exclude: string, include: string, option: string) {
    if (exclude !== '' && include !== '') {
      throw new HostPatternError(`${option}: device-exclude & device-include are mutually exclusive`);
    }
    this.exclude = exclude === '' ? null : compilePattern(exclude, `${option}.device-exclude`);
    this.include = include === '' ? null : compilePattern(include, `${option}.device-include`);
  }

  /** Whether metrics for device `name` are left out. */
  ignored(name: string): boolean {
    return (this.exclude !== null && this.exclude.test(name)) || (this.include !== null && !this.include.test(name));
  }
}
