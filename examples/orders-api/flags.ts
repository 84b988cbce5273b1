/**
 * Command-line flags of the Orders API entry point (`main.ts`).
 */
import { parseArgs } from 'node:util';

/** One-line usage text. */
export const USAGE = 'usage: orders-api [--port N] [--host ADDR] [--traffic-rps N] [--error-rate R] [--log-file PATH]';

/** Parsed command line. */
export interface MainFlags {
  /** `--help` was given: print {@link USAGE} and exit. */
  help: boolean;
  port: number;
  host: string;
  trafficRps: number;
  errorRate: number;
  /** `--log-file`: where to append the JSON request log; '' for none. */
  logFile: string;
}

function numberFlag(name: string, text: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new Error(`--${name}: ${what}, got "${text}"`);
  return n;
}

/**
 * Parses the flags (`--name value` or `--name=value`).
 * @throws {Error} naming the flag, for unknown flags or bad values
 */
export function parseMainFlags(argv: readonly string[]): MainFlags {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '5000' },
      host: { type: 'string', default: '127.0.0.1' },
      'traffic-rps': { type: 'string', default: '5' },
      'error-rate': { type: 'string', default: '0.01' },
      'log-file': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    help: values.help,
    port: numberFlag('port', values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port from 0 to 65535'),
    host: values.host,
    trafficRps: numberFlag('traffic-rps', values['traffic-rps'], (n) => n >= 0, 'a non-negative number'),
    errorRate: numberFlag('error-rate', values['error-rate'], (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    logFile: values['log-file'],
  };
}
