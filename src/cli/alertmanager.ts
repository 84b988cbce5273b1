/**
 * `lookout alertmanager`: the Alertmanager alone, with upstream's flag names, serving `/api/v2`,
 * `/-/healthy`, `/-/ready`, `/-/reload` and `/metrics`; and `lookout alertmanager routes test`, as
 * `amtool config routes test`.
 */
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Alertmanager } from '../alertmanager/alertmanager.js';
import { MatcherParseError, parseMatcher } from '../alertmanager/matcher.js';
import { loadAlertmanagerConfig, matchRoutes } from '../config/alertmanager.js';
import { logger, setLogLevel, type LogLevel } from '../log.js';
import { startWebServer } from '../web/server.js';
import { webConfigFromFlag } from '../web/web-config-guard.js';
import { str, type FlagSpecs, type ParsedFlags } from './flags.js';
import { DEFAULT_CONFIG_DIR } from './paths.js';
import { registerProcessMetrics } from './process-metrics.js';

export const ALERTMANAGER_FLAGS: FlagSpecs = {
  'config.file': { default: 'alertmanager.yml', help: 'Alertmanager configuration file name.' },
  'storage.path': { default: 'data/', help: 'Base path for data storage.' },
  'web.listen-address': { default: ':9093', help: 'Address to listen on for the web interface and API.' },
  'web.external-url': { default: '', help: 'The URL under which Alertmanager is externally reachable.' },
  'web.config.file': { default: '', help: '[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.' },
  'log.level': { default: 'info', help: 'Only log messages with the given severity or above: debug, info, warn, error.' },
};

export const ROUTES_TEST_FLAGS: FlagSpecs = {
  'config.file': { default: join(DEFAULT_CONFIG_DIR, 'alertmanager.yml'), help: 'Alertmanager configuration file name.' },
};

/** Runs the standalone Alertmanager until SIGINT/SIGTERM; SIGHUP and POST /-/reload reload the config. */
export async function runAlertmanager(flags: ParsedFlags): Promise<void> {
  setLogLevel(str(flags, 'log.level') as LogLevel);
  const log = logger('alertmanager');
  const registry = new Registry();
  registerProcessMetrics(registry);
  const listen = str(flags, 'web.listen-address');
  const webConfig = webConfigFromFlag(str(flags, 'web.config.file'), registry);
  const am = await Alertmanager.start({
    configFile: str(flags, 'config.file'),
    storagePath: str(flags, 'storage.path'),
    externalURL: str(flags, 'web.external-url') || undefined,
    registry,
    log,
  });
  const web = await startWebServer({
    listenAddress: listen,
    name: 'Alertmanager',
    alertmanager: am,
    registry,
    webConfig,
    enableLifecycle: true,
    reload: () => am.reload(),
    isReady: () => true,
  });
  process.on('SIGHUP', () => {
    am.reload().catch((e: Error) => log.error('reload failed', { err: e.message }));
  });
  await new Promise<void>((done) => {
    const stop = () => {
      void (async () => {
        await am.stop();
        await web.close();
        done();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Prints the receivers (comma-separated, in route order) an alert with the given labels reaches,
 * as `amtool config routes test`: each argument is a matcher (`name=value`, `name="value"`) that
 * must use `=`.
 * @throws {ConfigError} for an unreadable or invalid config (checked first, as amtool does)
 * @throws {Error} `Failed to parse labels: …` with amtool's reason: `bad matcher format: …`,
 *   `matcher value contains unescaped double quote: …`, a regex syntax error, or
 *   `labels must be specified as key=value pairs` for `!=`, `=~`, `!~`
 */
export function routesTest(flags: ParsedFlags, out: (line: string) => void): number {
  const cfg = loadAlertmanagerConfig(str(flags, 'config.file'));
  const labels: Record<string, string> = {};
  for (const arg of flags.positionals) {
    let m;
    try {
      m = parseMatcher(arg);
    } catch (e) {
      if (e instanceof MatcherParseError) throw new Error(`Failed to parse labels: ${e.message}`);
      throw e;
    }
    if (m.type !== '=') throw new Error('Failed to parse labels: labels must be specified as key=value pairs');
    labels[m.name] = m.value;
  }
  out(matchRoutes(cfg, labels).join(','));
  return 0;
}
