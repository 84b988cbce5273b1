/**
 * Promtail's own configuration file (`--logs.config.file`), as far as local file tailing goes:
 *
 * ```yaml
 * server: {...}                 # accepted and ignored: Lookout serves on its own address
 * positions: {filename: /tmp/positions.yaml, sync_period: 10s, ignore_invalid_yaml: false}
 * clients: [{url: ...}]         # accepted and ignored: entries go to Lookout's own log store
 * target_config: {sync_period: 10s}
 * scrape_configs:
 *   - job_name: app
 *     static_configs:
 *       - targets: [localhost]
 *         labels: {job: app, __path__: /var/log/app/*.log, __path_exclude__: /var/log/app/*.gz}
 *     relabel_configs: [...]
 *     pipeline_stages: [...]
 * ```
 *
 * Other scrape sources (journal, syslog, docker, kubernetes_sd_configs, …) are refused with a
 * {@link ConfigError} at their line rather than silently doing nothing.
 */
import { parseRelabelConfigs, type RelabelConfig } from '../../config/relabel.js';
import { ConfigError, loadYaml, loadYamlFile, type YNode } from '../../config/yaml.js';
import { isValidLabelName } from '../../model/labels.js';
import { compilePipeline, type Pipeline } from './stages.js';

/** Where and how often read offsets are saved. */
export interface PositionsConfig {
  /** Positions file path (promtail's default `/var/log/positions.yaml`; Lookout's `<data>/positions.yaml` when unset). */
  readonly filename: string;
  /** How often positions are written, ms (default 10 s, as promtail). */
  readonly syncPeriodMs: number;
  /** Start afresh instead of failing when the positions file is not valid YAML. */
  readonly ignoreInvalidYaml: boolean;
}

/** One `static_configs` item: its `targets` (unused beyond `__address__`) and labels (incl. `__path__`). */
export interface StaticFileConfig {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** One `scrape_configs` item. */
export interface FileScrapeConfig {
  readonly jobName: string;
  readonly staticConfigs: readonly StaticFileConfig[];
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly pipeline: Pipeline;
}

/** A loaded promtail config. */
export interface PromtailConfig {
  /** Positions settings; `filename` is '' when the file does not set it. */
  readonly positions: PositionsConfig;
  /** How often globs are re-expanded to find new files, ms (`target_config.sync_period`, default 10 s). */
  readonly targetSyncPeriodMs: number;
  /** `clients[].url`, kept only to note in the log where promtail would have sent entries. */
  readonly clientURLs: readonly string[];
  readonly scrapeConfigs: readonly FileScrapeConfig[];
}

const TOP = ['server', 'positions', 'clients', 'client', 'scrape_configs', 'target_config', 'limits_config', 'options', 'tracing', 'global'];
const IGNORED_SECTIONS = ['limits_config', 'options', 'tracing', 'global'];
const SCRAPE_FIELDS = ['job_name', 'static_configs', 'relabel_configs', 'pipeline_stages'];
const UNSUPPORTED_SOURCES = [
  'journal',
  'syslog',
  'gcplog',
  'windows_events',
  'kafka',
  'gelf',
  'cloudflare',
  'heroku_drain',
  'loki_push_api',
  'azure_event_hubs',
  'docker_sd_configs',
  'kubernetes_sd_configs',
  'consul_sd_configs',
  'consulagent_sd_configs',
  'file_sd_configs',
  'encoding',
  'decompression',
];

/**
 * Reads a promtail config file.
 * @throws {ConfigError} for unreadable files, YAML errors, unknown fields and unsupported stages or sources
 */
export function loadPromtailConfigFile(file: string): PromtailConfig {
  return parsePromtailConfig(loadYamlFile(file));
}

/**
 * Parses promtail config text (`file` names it in errors).
 * @throws {ConfigError}
 */
export function parsePromtailConfigText(file: string, text: string): PromtailConfig {
  return parsePromtailConfig(loadYaml(file, text));
}

function parsePromtailConfig(root: YNode): PromtailConfig {
  const m = root.map(TOP, 'promtail.Config');
  for (const name of IGNORED_SECTIONS) if (m[name] && !m[name]!.isNull) throw m[name]!.error(`section ${name} is not supported by Lookout`);
  const pos = m.positions?.map(['filename', 'sync_period', 'ignore_invalid_yaml'], 'positions.Config') ?? {};
  const positions: PositionsConfig = {
    filename: pos.filename?.str() ?? '',
    syncPeriodMs: pos.sync_period ? positive(pos.sync_period) : 10_000,
    ignoreInvalidYaml: pos.ignore_invalid_yaml?.bool() ?? false,
  };
  const tc = m.target_config?.map(['sync_period', 'stdin'], 'file.Config') ?? {};
  const clients = [...(m.clients?.seq() ?? []), ...(m.client && !m.client.isNull ? [m.client] : [])];
  const clientURLs = clients.map((c) => c.map(null, 'client.Config').url?.str() ?? '').filter((u) => u !== '');
  const jobs = new Set<string>();
  const scrapeConfigs = (m.scrape_configs?.seq() ?? []).map((sc) => {
    const cfg = parseScrapeConfig(sc);
    if (jobs.has(cfg.jobName)) throw sc.error(`found multiple scrape configs with job name "${cfg.jobName}"`);
    jobs.add(cfg.jobName);
    return cfg;
  });
  return { positions, targetSyncPeriodMs: tc.sync_period ? positive(tc.sync_period) : 10_000, clientURLs, scrapeConfigs };
}

function positive(node: YNode): number {
  const ms = node.duration();
  if (ms <= 0) throw node.error('must be greater than 0');
  return ms;
}

function parseScrapeConfig(node: YNode): FileScrapeConfig {
  const raw = node.map(null, 'scrapeconfig.Config');
  for (const [name, v] of Object.entries(raw)) {
    if (UNSUPPORTED_SOURCES.includes(name)) throw v.error(`${name} is not supported by Lookout (it tails local files from static_configs only)`);
  }
  node.map(SCRAPE_FIELDS, 'scrapeconfig.Config');
  const jobName = raw.job_name?.str() ?? '';
  if (!jobName) throw node.error('job_name is required');
  const staticConfigs = (raw.static_configs?.seq() ?? []).map((sc): StaticFileConfig => {
    const s = sc.map(['targets', 'labels'], 'targetgroup.Group');
    const labels = s.labels?.stringMap() ?? {};
    for (const name of Object.keys(labels)) {
      if (!isValidLabelName(name)) throw s.labels!.error(`invalid label name ${JSON.stringify(name)}`);
    }
    for (const name of ['__path__', '__path_exclude__']) {
      // promtail's doublestar globs; Lookout's globs are Go's filepath.Glob, where ** would silently mean *.
      if (labels[name]?.includes('**')) throw s.labels!.error(`${name}: ** globs are not supported by Lookout (use one * per folder level)`);
    }
    return { targets: s.targets?.strings() ?? [], labels };
  });
  let relabelConfigs: RelabelConfig[];
  try {
    relabelConfigs = parseRelabelConfigs(raw.relabel_configs, 'empty or null relabeling rule in scrape config', 'legacy');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw node.error((e as Error).message);
  }
  return { jobName, staticConfigs, relabelConfigs, pipeline: compilePipeline(raw.pipeline_stages) };
}
