/**
 * `lookout server`: the whole stack in one process — scrape, TSDB, PromQL, rules, the in-process
 * Alertmanager, the host collector, the HTTP APIs and the UI — with Prometheus's flag names.
 * This is the one place that wires the modules together.
 */
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { Alertmanager } from '../alertmanager/alertmanager.js';
import { loadPrometheusConfig, type PrometheusConfig } from '../config/prometheus.js';
import { parseBase2Bytes } from '../config/prometheus/values.js';
import { expandRuleFiles, loadRuleFile } from '../config/rules.js';
import type { HostCollector, HostCollectorOptions } from '../hostmetrics/index.js';
import type { FileTargetManager } from '../logs/files/manager.js';
import { logger, setLogLevel, type LogLevel } from '../log.js';
import { parseDuration } from '../model/time.js';
import { Engine, featuresFromFlags, type EngineOptions } from '../promql/index.js';
import { registerProcessMetrics } from './process-metrics.js';
import { AlertmanagerDiscovery } from './alertmanager-discovery.js';
import { alertsURL, Notifier, type AlertmanagerTarget } from '../rules/notifier.js';
import { RuleManager } from '../rules/manager.js';
import { sloFileGroups } from '../rules/slo/generate.js';
import { runBacktestRequest } from '../rules/backtest/request.js';
import { Route } from '../alertmanager/route.js';
import { loadAlertmanagerConfig } from '../config/alertmanager.js';
import { ScrapeManager } from '../scrape/manager.js';
import { federate, FederateError } from '../web/federate.js';
import { assertSupportedDiscovery } from '../scrape/unsupported.js';
import { TSDB } from '../tsdb/db.js';
import { LogStore } from '../logs/store/store.js';
import { loadPromtailConfigFile } from '../logs/files/config.js';
import { loadLogRuleGroups } from '../logs/ruler/ruler.js';
import { statusJSON } from '../tsdb/status.js';
import { QueryPool } from '../web/query-pool.js';
import { fromObject } from '../model/labels.js';
import { DEFAULT_READ_OPTIONS, handleRemoteRead } from '../remote/read-handler.js';
import { RemoteReadStorage } from '../remote/read-client.js';
import { RemoteStorage } from '../remote/storage.js';
import { handleRemoteWrite } from '../remote/write-handler.js';
import { DEFAULT_WRITE_LIMITS, type WriteLimits } from '../remote/write-limits.js';
import { countingQueryRunner, countLimitRefusal } from '../web/limits.js';
import { DEFAULT_MAX_STREAMS_PER_PUSH, type LokiDeps } from '../web/loki.js';
import { webConfigFromFlag } from '../web/web-config-guard.js';
import { parseListenAddress, startWebServer, type WebServer } from '../web/server.js';
import { DashboardStore } from '../web/dashboards.js';
import { str, bool, type FlagSpecs, type ParsedFlags } from './flags.js';
import { STORAGE_FLAGS, storageSettings } from './storage-flags.js';
import { DEFAULT_CONFIG_DIR, RUNBOOKS_FILE, UI_DIR, VERSION } from './paths.js';

const log = logger('main');

export const SERVER_FLAGS: FlagSpecs = {
  'config.file': { default: join(DEFAULT_CONFIG_DIR, 'prometheus.yml'), help: 'Prometheus configuration file path.' },
  'web.listen-address': { default: ':9090', help: 'Address to listen on for UI, API, and telemetry.' },
  'web.external-url': { default: '', help: 'The URL under which Lookout is externally reachable (for links in alerts).' },
  'web.enable-lifecycle': { default: false, help: 'Enable shutdown and reload via HTTP request.' },
  'web.enable-admin-api': { default: false, help: 'Enable API endpoints for admin control actions.' },
  'web.config.file': { default: '', help: '[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.' },
  'web.console.templates': { default: '', help: 'Accepted for compatibility with Prometheus 2 command lines; Lookout serves no console templates.' },
  'web.console.libraries': { default: '', help: 'Accepted for compatibility with Prometheus 2 command lines; Lookout serves no console templates.' },
  ...STORAGE_FLAGS,
  'query.lookback-delta': { default: '5m', help: 'The maximum lookback duration for retrieving metrics during expression evaluations.' },
  'query.timeout': { default: '2m', help: 'Maximum time a query may take before being aborted.' },
  'query.max-concurrency': {
    default: '20',
    help: 'Maximum number of queries executed concurrently (at most one per CPU: each runs in its own worker thread).',
  },
  'query.max-samples': {
    default: '50000000',
    help: 'Maximum number of samples a single query can load into memory. Note that queries will fail if they try to load more samples than this into memory, so this also limits the number of samples a query can return.',
  },
  'enable-feature': {
    default: '',
    repeatable: true,
    help: 'Comma separated feature names to enable; may be repeated. PromQL: promql-experimental-functions, promql-extended-range-selectors, promql-binop-fill-modifiers, promql-delayed-name-removal, type-and-unit-labels (promql-duration-expr is always on, as upstream). Storage: exemplar-storage (size: storage.exemplars.max_exemplars in prometheus.yml).',
  },
  'rules.alert.for-outage-tolerance': { default: '1h', help: "Max time to tolerate prometheus outage for restoring 'for' state of alert." },
  'rules.alert.for-grace-period': { default: '10m', help: "Minimum duration between alert and restored 'for' state." },
  'rules.alert.resend-delay': { default: '1m', help: 'Minimum amount of time to wait before resending an alert to Alertmanager.' },
  'slo.file': {
    default: '',
    help: 'SLO file to generate recording rules and burn-rate alerts from (default: slos.yml beside --config.file, when it exists).',
  },
  'dashboards.dir': {
    default: '',
    help: 'Folder of Grafana-JSON dashboards shown and saved by the UI (default: dashboards/ beside --config.file).',
  },
  'alertmanager.config.file': {
    default: join(DEFAULT_CONFIG_DIR, 'alertmanager.yml'),
    help: 'Configuration file of the in-process Alertmanager.',
  },
  'alertmanager.storage.path': { default: '', help: 'Base path for Alertmanager data (default: <storage.tsdb.path>/alertmanager).' },
  'scrape.adjust-timestamps': {
    default: true,
    help: 'Align scrape timestamps to the scheduled tick when they are off by at most --scrape.timestamp-tolerance, so chunks compress better.',
  },
  'scrape.timestamp-tolerance': { default: '2ms', help: 'How far a scrape timestamp may be moved to its scheduled tick (at most 1% of the interval).' },
  'hostmetrics.enable': { default: true, help: 'Serve node_exporter-compatible host metrics at /node/metrics.' },
  'path.procfs': { default: '/proc', help: 'procfs mountpoint for host metrics.' },
  'path.sysfs': { default: '/sys', help: 'sysfs mountpoint for host metrics.' },
  'path.rootfs': { default: '/', help: 'rootfs mountpoint for host metrics.' },
  'collector.textfile.directory': { default: '', help: 'Directory (or glob) of *.prom files the host metrics textfile collector reads.' },
  'web.enable-remote-write-receiver': { default: false, help: 'Enable API endpoint accepting remote write requests.' },
  'web.remote-write-receiver.max-series-per-request': {
    default: String(DEFAULT_WRITE_LIMITS.maxSeriesPerRequest),
    help: 'Maximum number of series in a single remote write request; a request with more is refused with 400. 0 means no limit.',
  },
  'web.remote-write-receiver.max-label-names-per-series': {
    default: String(DEFAULT_WRITE_LIMITS.maxLabelNamesPerSeries),
    help: 'Maximum number of label names per series in a remote write request; a request with more is refused with 400. 0 means no limit.',
  },
  'web.remote-write-receiver.max-label-name-length': {
    default: String(DEFAULT_WRITE_LIMITS.maxLabelNameLength),
    help: 'Maximum length in bytes of a label name in a remote write request; a request with a longer one is refused with 400. 0 means no limit.',
  },
  'web.remote-write-receiver.max-label-value-length': {
    default: String(DEFAULT_WRITE_LIMITS.maxLabelValueLength),
    help: 'Maximum length in bytes of a label value in a remote write request; a request with a longer one is refused with 400. 0 means no limit.',
  },
  'storage.remote.flush-deadline': { default: '1m', help: 'How long to wait flushing sample on shutdown or config reload.' },
  'storage.remote.read-sample-limit': {
    default: '50000000',
    help: 'Maximum overall number of samples to return via the remote read interface, in a single query. 0 means no limit. This limit is ignored for streamed response types.',
  },
  'storage.remote.read-max-bytes-in-frame': {
    default: '1048576',
    help: 'Maximum number of bytes in a single frame for streaming remote read response types before marshalling. Note that client might have limit on frame size as well. 1MB as recommended by protobuf by default.',
  },
  'logs.storage.path': { default: '', help: 'Base path for the log store (WAL and chunk files; default: <storage.tsdb.path>/loki).' },
  'logs.retention': { default: '15d', help: 'How long to retain log entries.' },
  'logs.max-streams-per-push': {
    default: String(DEFAULT_MAX_STREAMS_PER_PUSH),
    help: 'Maximum number of streams in a single Loki push request; a request with more is refused with 400. 0 means no limit.',
  },
  'logs.retention-size': {
    default: '0',
    help: 'Maximum number of bytes of log chunks and WAL (units B, KB, MB, GB, TB, PB, EB; powers of 2); 0: no limit.',
  },
  'logs.listen-address': {
    default: '',
    help: "Extra address serving only the Loki API (e.g. :3100, Loki's port); the Loki API is always on --web.listen-address too.",
  },
  'logs.config.file': {
    default: join(DEFAULT_CONFIG_DIR, 'promtail.yml'),
    help: "Promtail configuration file: local log files to tail into the log store (scrape_configs with __path__ globs and pipeline_stages); '' for none. Read at startup.",
  },
  'logs.rule-files': {
    default: '',
    repeatable: true,
    help: 'Rule files (globs; repeatable or comma-separated) of LogQL alerting and recording rules in Loki ruler format; reloaded with the configuration.',
  },
  'log.level': { default: 'info', help: 'Only log messages with the given severity or above: debug, info, warn, error.' },
};

function durationFlag(flags: ParsedFlags, name: string): number {
  try {
    return parseDuration(str(flags, name));
  } catch (e) {
    throw new Error(`invalid value for --${name}: ${(e as Error).message}`);
  }
}

/** An integer flag of at least `min` (kingpin `Int`), e.g. `--query.max-samples`. */
function intFlag(flags: ParsedFlags, name: string, min: number): number {
  const v = str(flags, name);
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`invalid value for --${name}: "${v}" is not an integer ≥ ${min}`);
  return n;
}

/**
 * Rule file patterns (already joined with the config file's folder) → existing files, as upstream's
 * glob. A pattern naming a file that is not there is dropped, as upstream does, but with a warning.
 */
function ruleFiles(cfg: PrometheusConfig): string[] {
  const { files, missing } = expandRuleFiles(cfg.ruleFiles);
  for (const file of missing) log.warn('Rule file does not exist; no rules loaded from it', { file });
  return files;
}

/**
 * The URL Lookout is reachable under: `--web.external-url`, else `http://<hostname>:<port>` from the
 * listen address, as Prometheus computes it.
 */
export function computeExternalURL(flag: string, listenAddress: string): string {
  if (flag) return flag.replace(/\/$/, '');
  const { port } = parseListenAddress(listenAddress);
  return `http://${hostname()}:${port}`;
}

/**
 * The host collector behind `/node/metrics`, loaded and built on the first collection: its ~30
 * modules and the device-filter regexes it compiles are not on the way to ready. The options the
 * server passes (default patterns and collectors) cannot make the constructor throw.
 */
function lazyHostCollector(options: HostCollectorOptions): Pick<HostCollector, 'collect'> {
  let collector: Promise<HostCollector> | undefined;
  return {
    collect: async () => {
      collector ??= import('../hostmetrics/index.js').then((m) => new m.HostCollector(options));
      return (await collector).collect();
    },
  };
}

/** Runs the server until SIGINT/SIGTERM or `/-/quit`. Rejects when startup fails. */
export async function runServer(flags: ParsedFlags): Promise<void> {
  setLogLevel(str(flags, 'log.level') as LogLevel);
  const configFile = str(flags, 'config.file');
  let cfg = loadPrometheusConfig(configFile);
  assertSupportedDiscovery(cfg);
  const logsConfigFile = str(flags, 'logs.config.file');
  const promtailConfig = logsConfigFile ? loadPromtailConfigFile(logsConfigFile) : undefined;
  const storage = storageSettings(flags);
  for (const msg of storage.notices) log.debug(msg, { duration: storage.storageRetention });
  for (const msg of storage.warnings) log.warn(msg);
  for (const name of ['web.console.templates', 'web.console.libraries']) {
    if (str(flags, name) !== '') log.warn('Console templates are not served by Lookout; the flag is ignored', { flag: name });
  }
  const lookbackDeltaMs = durationFlag(flags, 'query.lookback-delta');
  const featureFlags = featuresFromFlags([str(flags, 'enable-feature')]);
  for (const option of featureFlags.enabled) log.info('Experimental PromQL feature enabled', { option });
  for (const [option, msg] of featureFlags.warnings) log.warn(msg, { option });
  const exemplarStorage = str(flags, 'enable-feature').split(',').includes('exemplar-storage');
  if (exemplarStorage) log.info('Experimental in-memory exemplar storage enabled');
  const engineOptions: EngineOptions = {
    lookbackDeltaMs,
    timeoutMs: durationFlag(flags, 'query.timeout'),
    maxSamples: intFlag(flags, 'query.max-samples', 0),
    features: featureFlags.features,
  };
  const maxConcurrency = intFlag(flags, 'query.max-concurrency', 1);
  const writeLimits: WriteLimits = {
    maxSeriesPerRequest: intFlag(flags, 'web.remote-write-receiver.max-series-per-request', 0),
    maxLabelNamesPerSeries: intFlag(flags, 'web.remote-write-receiver.max-label-names-per-series', 0),
    maxLabelNameLength: intFlag(flags, 'web.remote-write-receiver.max-label-name-length', 0),
    maxLabelValueLength: intFlag(flags, 'web.remote-write-receiver.max-label-value-length', 0),
  };
  const maxStreamsPerPush = intFlag(flags, 'logs.max-streams-per-push', 0);
  // Absolute from here on: Node's recursive mkdirSync loops forever on a relative path of two or
  // more parts once the working directory has been deleted (seen: a data directory removed under
  // a running server spun at 100 % CPU); with absolute paths it creates them anew or fails.
  const tsdbPath = resolve(str(flags, 'storage.tsdb.path'));
  const registry = new Registry();
  registerProcessMetrics(registry);
  const webConfig = webConfigFromFlag(str(flags, 'web.config.file'), registry);
  const reloadOk = new Gauge({
    name: 'prometheus_config_last_reload_successful',
    help: 'Whether the last configuration reload attempt was successful.',
    registers: [registry],
  });
  const reloadTime = new Gauge({
    name: 'prometheus_config_last_reload_success_timestamp_seconds',
    help: 'Timestamp of the last successful configuration reload.',
    registers: [registry],
  });

  const externalURL = computeExternalURL(str(flags, 'web.external-url'), str(flags, 'web.listen-address'));
  const tsdb = TSDB.open({
    dir: tsdbPath,
    retentionMs: storage.retentionMs,
    retentionBytes: storage.retentionBytes,
    minBlockDurationMs: storage.minBlockDurationMs,
    maxBlockDurationMs: storage.maxBlockDurationMs,
    walSegmentSize: storage.walSegmentSize,
    registry,
    log: logger('tsdb'),
    maxExemplars: exemplarStorage ? cfg.storage.exemplars.maxExemplars : undefined,
    blockChunkEncoding: storage.blockChunkEncoding,
  });
  // A later startup step may fail (port in use, bad rule file): the TSDB is closed (WAL synced, lock
  // released) on any exit; after a normal shutdown this does nothing.
  process.once('exit', () => tsdb.close());
  let logRetentionBytes: number;
  try {
    logRetentionBytes = parseBase2Bytes(str(flags, 'logs.retention-size'));
  } catch (e) {
    throw new Error(`invalid value for --logs.retention-size: ${(e as Error).message}`);
  }
  const logStore = LogStore.open({
    dir: resolve(str(flags, 'logs.storage.path') || join(tsdbPath, 'loki')),
    retentionMs: durationFlag(flags, 'logs.retention'),
    retentionBytes: logRetentionBytes,
    registry,
    log: logger('logs'),
  });
  process.once('exit', () => logStore.close());
  // Rules evaluate in-process; API queries run in worker threads (see web/query-pool.ts).
  const engine = new Engine(engineOptions);
  const remoteRead = new RemoteReadStorage({
    log: logger('remote'),
    userAgent: `Lookout/${VERSION}`,
    // Oldest local sample (ms): with read_recent false, only older data is read remotely.
    localStartMs: () => {
      const blocks = tsdb.blocks();
      const head = tsdb.head.numSeries() > 0 ? tsdb.head.minTime() : Infinity;
      return Math.min(blocks.length > 0 ? blocks[0]!.minTime : Infinity, head);
    },
  });
  remoteRead.applyConfig(cfg.remoteRead, fromObject(cfg.global.externalLabels));
  const queryPool = new QueryPool({
    storage: tsdb,
    remoteRead,
    engine: engineOptions,
    maxConcurrency,
    log: logger('query'),
  });
  const alertmanager = await Alertmanager.start({
    configFile: str(flags, 'alertmanager.config.file'),
    storagePath: resolve(str(flags, 'alertmanager.storage.path') || join(tsdbPath, 'alertmanager')),
    externalURL,
    registry,
    log: logger('alertmanager'),
  });
  const notifier = new Notifier({
    inProcess: alertmanager,
    externalLabels: cfg.global.externalLabels,
    alertRelabelConfigs: cfg.alerting.alertRelabelConfigs,
    registry,
    log: logger('notifier'),
  });
  let alertmanagerTargets: AlertmanagerTarget[] = [];
  const alertmanagerDiscovery = new AlertmanagerDiscovery((targets) => {
    alertmanagerTargets = targets;
    notifier.setTargets(targets);
  }, logger('notifier'));
  alertmanagerDiscovery.apply(cfg.alerting.alertmanagers);
  const scrape = new ScrapeManager({
    storage: tsdb,
    registry,
    log: logger('scrape'),
    timestampToleranceMs: bool(flags, 'scrape.adjust-timestamps') ? durationFlag(flags, 'scrape.timestamp-tolerance') : 0,
  });
  const hostCollector = bool(flags, 'hostmetrics.enable')
    ? lazyHostCollector({
        procfs: str(flags, 'path.procfs'),
        sysfs: str(flags, 'path.sysfs'),
        rootfs: str(flags, 'path.rootfs'),
        textfileDirectory: str(flags, 'collector.textfile.directory'),
        processMetrics: true,
      })
    : undefined;

  const remoteStorage = new RemoteStorage({
    walDir: join(tsdbPath, 'wal'),
    registry,
    log: logger('remote'),
    userAgent: `Lookout/${VERSION}`,
    flushDeadlineMs: durationFlag(flags, 'storage.remote.flush-deadline'),
    metadata: () =>
      Object.entries(scrape.metadataApi() as Record<string, { type: string; help: string; unit: string }[]>).flatMap(([family, list]) =>
        list[0] ? [{ family, type: list[0].type, help: list[0].help, unit: list[0].unit }] : [],
      ),
  });
  await remoteStorage.applyConfig(cfg.remoteWrite, fromObject(cfg.global.externalLabels));
  const remoteReadSampleLimit = intFlag(flags, 'storage.remote.read-sample-limit', 0);
  const remoteReadMaxBytesInFrame = intFlag(flags, 'storage.remote.read-max-bytes-in-frame', 1);

  let web: WebServer | undefined;
  const rules = new RuleManager({
    engine,
    storage: tsdb,
    notifier,
    externalLabels: cfg.global.externalLabels,
    externalURL,
    registry,
    log: logger('rules'),
    outageToleranceMs: durationFlag(flags, 'rules.alert.for-outage-tolerance'),
    forGracePeriodMs: durationFlag(flags, 'rules.alert.for-grace-period'),
    resendDelayMs: durationFlag(flags, 'rules.alert.resend-delay'),
    ruleFileOptions: { features: featureFlags.features },
  });
  const sloGroups = () => sloFileGroups(str(flags, 'slo.file') || join(dirname(configFile), 'slos.yml'), str(flags, 'slo.file') !== '');
  // LogQL rules (Loki's ruler) run in the same manager, evaluated over the log store.
  const logRuleGroups = () => {
    const patterns = str(flags, 'logs.rule-files').split(',').filter((p) => p !== '');
    const { groups, missing } = loadLogRuleGroups(patterns, logStore);
    for (const file of missing) log.warn('Log rule file does not exist; no rules loaded from it', { file });
    return groups;
  };
  rules.update(cfg.global.evaluationIntervalMs, ruleFiles(cfg), undefined, [...sloGroups(), ...logRuleGroups()]);
  reloadOk.set(1);
  reloadTime.set(Date.now() / 1000);
  let lastConfigTime = new Date();
  let lastReloadOk = true;
  const startTime = new Date();

  const reload = async () => {
    try {
      // All or nothing: every file is loaded and checked before anything is applied. The
      // Alertmanager reload is itself atomic (it keeps its old config on error), so it goes first;
      // what follows cannot fail on files already checked here.
      const next = loadPrometheusConfig(configFile);
      assertSupportedDiscovery(next);
      const files = ruleFiles(next);
      for (const f of files) loadRuleFile(f, { features: featureFlags.features });
      const slo = [...sloGroups(), ...logRuleGroups()];
      await alertmanager.reload();
      rules.update(next.global.evaluationIntervalMs, files, next.global.externalLabels, slo);
      scrape.applyConfig(next);
      tsdb.setMaxExemplars(next.storage.exemplars.maxExemplars);
      alertmanagerDiscovery.apply(next.alerting.alertmanagers);
      notifier.setExternalLabels(next.global.externalLabels);
      notifier.setAlertRelabelConfigs(next.alerting.alertRelabelConfigs);
      await remoteStorage.applyConfig(next.remoteWrite, fromObject(next.global.externalLabels));
      remoteRead.applyConfig(next.remoteRead, fromObject(next.global.externalLabels));
      cfg = next;
      reloadOk.set(1);
      reloadTime.set(Date.now() / 1000);
      lastConfigTime = new Date();
      lastReloadOk = true;
      log.info('Completed loading of configuration file', { filename: configFile });
    } catch (e) {
      reloadOk.set(0);
      lastReloadOk = false;
      log.error('Error reloading config', { err: (e as Error).message });
      throw e;
    }
  };

  let ready = false;
  const lokiDeps: LokiDeps = { store: logStore, isReady: () => ready, maxStreamsPerPush, registry };
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolveStopped) => (markStopped = resolveStopped));
  const flagValues = Object.fromEntries(Object.entries(flags.values).map(([k, v]) => [k, String(v)]));
  web = await startWebServer({
    listenAddress: str(flags, 'web.listen-address'),
    name: 'Lookout Server',
    registry,
    webConfig,
    hostCollector,
    federate: (match) => {
      try {
        return { status: 200, body: federate(match, { storage: tsdb, nowMs: Date.now(), lookbackMs: lookbackDeltaMs, externalLabels: cfg.global.externalLabels }) };
      } catch (e) {
        if (e instanceof FederateError) return { status: 400, body: e.message };
        throw e;
      }
    },
    enableLifecycle: bool(flags, 'web.enable-lifecycle'),
    reload,
    quit: () => void shutdown(),
    isReady: () => ready,
    uiDir: UI_DIR,
    runbooksFile: RUNBOOKS_FILE,
    dashboards: new DashboardStore(str(flags, 'dashboards.dir') || join(dirname(configFile), 'dashboards')),
    alertmanager,
    loki: lokiDeps,
    remote: {
      write: bool(flags, 'web.enable-remote-write-receiver')
        ? (body) => handleRemoteWrite(tsdb, body, undefined, { limits: writeLimits, onRefusal: (limit) => countLimitRefusal(registry, limit) })
        : undefined,
      read: (body) =>
        handleRemoteRead(tsdb, body, {
          ...DEFAULT_READ_OPTIONS,
          externalLabels: fromObject(cfg.global.externalLabels),
          sampleLimit: remoteReadSampleLimit,
          maxBytesInFrame: remoteReadMaxBytesInFrame,
        }),
    },
    apiV1: {
      storage: tsdb,
      engine,
      queryRunner: countingQueryRunner(queryPool, registry, maxConcurrency),
      tsdbStatus: (limit) => statusJSON(tsdb.status(limit)),
      exemplars: (mint, maxt, sets) => tsdb.selectExemplars(mint, maxt, sets),
      admin: bool(flags, 'web.enable-admin-api')
        ? {
            deleteSeries: (sets, mint, maxt) => tsdb.delete(sets, mint, maxt),
            cleanTombstones: () => tsdb.cleanTombstones(),
            snapshot: (skipHead) => tsdb.snapshotInDataDir(skipHead),
          }
        : undefined,
      scrape,
      rules,
      alertmanagerURLs: () => alertmanagerTargets.map(alertsURL),
      backtest: (p) =>
        runBacktestRequest(p, {
          storage: tsdb,
          // The Alertmanager file as it is on disk now; unreadable → no notification counts.
          route: () => {
            try {
              return new Route(loadAlertmanagerConfig(str(flags, 'alertmanager.config.file')).route);
            } catch {
              return null;
            }
          },
          defaultIntervalMs: cfg.global.evaluationIntervalMs,
          lookbackDeltaMs,
        }),
      configText: () => cfg.original,
      flags: flagValues,
      buildInfo: { version: VERSION, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: process.version },
      runtimeInfo: () => ({
        startTime: startTime.toISOString(),
        CWD: process.cwd(),
        reloadConfigSuccess: lastReloadOk,
        lastConfigTime: lastConfigTime.toISOString(),
        corruptionCount: 0,
        goroutineCount: 0,
        GOMAXPROCS: 1,
        GOGC: '',
        GODEBUG: '',
        storageRetention: storage.storageRetention,
      }),
    },
  });

  const lokiAddress = str(flags, 'logs.listen-address');
  const lokiWeb = lokiAddress ? await (await import('../web/loki-server.js')).startLokiServer(lokiAddress, lokiDeps, registry, webConfig) : undefined;

  scrape.applyConfig(cfg);
  rules.start();
  // Log file tailing (promtail's job, not part of readiness) starts once the server is ready.
  let fileTailing: FileTargetManager | undefined;
  ready = true;
  log.info('Server is ready to receive web requests.', { url: web.url });

  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('Received shutdown request, stopping');
      ready = false;
      await scrape.stop();
      rules.stop();
      await fileTailing?.stop();
      alertmanagerDiscovery.stop();
      await notifier.stop();
      await remoteStorage.close();
      remoteRead.close();
      await alertmanager.stop();
      await web?.close();
      await lokiWeb?.close();
      await queryPool.close();
      tsdb.close();
      logStore.close();
      log.info('See you next time!');
    })().finally(markStopped);
    return stopping;
  };
  process.on('SIGHUP', () => {
    reload().catch(() => undefined);
  });
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  if (promtailConfig) {
    const { FileTargetManager } = await import('../logs/files/manager.js');
    if (!stopping) {
      fileTailing = new FileTargetManager({
        config: promtailConfig,
        writer: logStore,
        defaultPositionsFile: join(tsdbPath, 'promtail-positions.yaml'),
        registry,
        log: logger('promtail'),
      });
    }
  }
  await stopped;
}
