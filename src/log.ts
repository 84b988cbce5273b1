/**
 * Logging in Prometheus's logfmt style: `ts=2024-01-01T00:00:00.000Z level=info component=scrape msg="…" key=value`,
 * written to stderr. Level from `--log.level` (debug, info, warn, error; default info).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: number = ORDER.info;

/** Sets the minimum level written (as `--log.level`). */
export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

function quote(v: unknown): string {
  const s = v instanceof Error ? v.message : String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** A logger bound to a component name. */
export class Logger {
  constructor(private readonly fields: Record<string, unknown> = {}) {}

  /** A logger that adds `fields` to every line. */
  with(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.fields, ...fields });
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  private log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < threshold) return;
    let line = `ts=${new Date().toISOString()} level=${level}`;
    for (const [k, v] of Object.entries(this.fields)) line += ` ${k}=${quote(v)}`;
    line += ` msg=${quote(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${quote(v)}`;
    process.stderr.write(line + '\n');
  }
}

/** Logger for a component, e.g. `logger('scrape')`. */
export function logger(component: string): Logger {
  return new Logger({ component });
}
