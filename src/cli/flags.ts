/**
 * Command-line flags in Prometheus's (kingpin) style: `--name=value` or `--name value`, booleans as
 * `--name` / `--no-name`, unknown flags rejected. Each command declares its flags with defaults and
 * help text; `--help` prints them.
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  /** Default value; a boolean default makes the flag a switch. */
  default: string | boolean;
  help: string;
  /**
   * A string flag that may be given several times (kingpin `Strings`, e.g. `--enable-feature`):
   * its value is every occurrence joined with `,`.
   */
  repeatable?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** Parsed flags: string or boolean values by flag name, plus positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean>;
  positionals: string[];
}

/** Thrown for unknown flags or missing values; the message is shown to the user with the usage. */
export class FlagError extends Error {
  override name = 'FlagError';
}

/**
 * Parses `argv` against `specs`. Throws {@link FlagError}.
 */
export function parseFlags(argv: string[], specs: FlagSpecs): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: typeof spec.default === 'boolean' ? 'boolean' : 'string', multiple: spec.repeatable === true };
    if (typeof spec.default === 'boolean') options[`no-${name}`] = { type: 'boolean' };
  }
  // kingpin also takes `--switch=true|false`; parseArgs only knows `--switch` / `--no-switch`.
  const args = argv.map((a) => {
    const m = /^--([^=]+)=(true|false)$/.exec(a);
    if (!m || typeof specs[m[1]!]?.default !== 'boolean') return a;
    return m[2] === 'true' ? `--${m[1]}` : `--no-${m[1]}`;
  });
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    // Node's message suggests `--` for positionals; kingpin's short form is clearer here.
    const m = /Unknown option '([^']+)'/.exec((e as Error).message);
    throw new FlagError(m ? `unknown long flag '${m[1]}'` : (e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const values: Record<string, string | boolean> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const v = raw[name];
    if (typeof spec.default === 'boolean' && raw[`no-${name}`]) values[name] = false;
    else values[name] = Array.isArray(v) ? v.join(',') : (v ?? spec.default);
  }
  return { values, positionals: parsed.positionals };
}

/** Help text listing the flags with defaults. */
export function usage(command: string, summary: string, specs: FlagSpecs, args = ''): string {
  const lines = [`usage: lookout ${command} [<flags>]${args ? ' ' + args : ''}`, '', summary, '', 'Flags:'];
  for (const [name, spec] of Object.entries(specs)) {
    const dflt =
      typeof spec.default === 'boolean' ? ` (default: ${spec.default ? 'on' : 'off'})` : spec.default === '' ? '' : ` (default: ${spec.default})`;
    lines.push(`  --${name}${typeof spec.default === 'boolean' ? '' : '=VALUE'}`, `      ${spec.help}${dflt}`);
  }
  return lines.join('\n') + '\n';
}

/** A string flag's value. */
export function str(f: ParsedFlags, name: string): string {
  return String(f.values[name] ?? '');
}

/** A boolean flag's value. */
export function bool(f: ParsedFlags, name: string): boolean {
  return f.values[name] === true;
}
