/**
 * SLO files (`--slo.file`, default `config/slos.yml`): service level objectives from which Lookout
 * generates recording rules and multi-window, multi-burn-rate alerts (see `generate.ts`).
 *
 * ```yaml
 * slos:
 *   - service: orders-api          # label `service` of every generated series and alert
 *     name: availability           # label `slo`; unique per service
 *     objective: 99.5              # percent of good events, 0 < objective < 100
 *     window: 30d                  # compliance window of the error budget; default 30d
 *     sli:                         # exactly one of events / latency
 *       events:                    # PromQL over a window written {{.window}}
 *         good: sum(rate(app_requests_total{status!~"5.."}[{{.window}}]))
 *         total: sum(rate(app_requests_total[{{.window}}]))
 *       latency:                   # a classic histogram: good = requests at or under `le`
 *         metric: app_request_duration_seconds
 *         matchers: 'endpoint="/orders"'   # optional, inside {…}
 *         le: "0.5"                 # the bucket bound exactly as its `le` label value
 *     labels: {team: backend}      # added to the alerts
 *     annotations: {runbook_url: https://…}   # added to the alerts
 * ```
 *
 * Errors are {@link ConfigError}s with file:line:column, as the other config files.
 */
import { ConfigError, loadYamlFile, type YNode } from '../../config/yaml.js';
import { isValidLabelName } from '../../model/labels.js';

/** The window placeholder of `events` queries. */
export const WINDOW_PLACEHOLDER = '{{.window}}';

/** How good and total events are counted. */
export type SliConfig =
  | { kind: 'events'; good: string; total: string }
  | { kind: 'latency'; metric: string; matchers: string; le: string };

/** One SLO. */
export interface SloConfig {
  service: string;
  name: string;
  /** `objective` as written (percent), e.g. `99.9`. */
  objectivePercent: string;
  /** `objective` as a ratio in decimal text, exact (`99.9` → `0.999`). */
  objectiveRatio: string;
  /** `window` as written (`30d`); the error budget's compliance window. */
  window: string;
  sli: SliConfig;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Where the entry is, for errors found later (generated expressions). */
  node: YNode;
}

/** A parsed SLO file. */
export interface SloFile {
  file: string;
  slos: SloConfig[];
}

const FILE_FIELDS = ['slos'];
const SLO_FIELDS = ['service', 'name', 'objective', 'window', 'sli', 'labels', 'annotations'];
const SLI_FIELDS = ['events', 'latency'];
const EVENTS_FIELDS = ['good', 'total'];
const LATENCY_FIELDS = ['metric', 'matchers', 'le'];

/**
 * A percentage written in decimal (`99.9`) as the same number divided by 100, in decimal text
 * (`0.999`), without binary rounding. Returns null when `s` is not a plain decimal in (0, 100).
 */
export function percentToRatio(s: string): string | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return null;
  const int = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = m[2] ?? '';
  if (int.length > 2 || Number(s) <= 0 || Number(s) >= 100) return null;
  const digits = (int.padStart(2, '0') + frac).replace(/0+$/, '');
  return `0.${digits}`;
}

function required(n: YNode | undefined, parent: YNode, field: string): string {
  const v = n?.str() ?? '';
  if (v.trim() === '') throw (n ?? parent).error(`${field} must be set`);
  return v;
}

function parseSli(n: YNode | undefined, parent: YNode): SliConfig {
  if (!n || n.isNull) throw parent.error('sli must be set (events or latency)');
  const s = n.map(SLI_FIELDS, 'sli');
  if (!!s.events === !!s.latency) throw n.error('exactly one of sli.events and sli.latency must be set');
  if (s.events) {
    const e = s.events.map(EVENTS_FIELDS, 'events');
    const good = required(e.good, s.events, 'good');
    const total = required(e.total, s.events, 'total');
    for (const [q, node] of [
      [good, e.good!],
      [total, e.total!],
    ] as const) {
      if (!q.includes(WINDOW_PLACEHOLDER)) throw node.error(`the query must use ${WINDOW_PLACEHOLDER} as its range, e.g. rate(x[${WINDOW_PLACEHOLDER}])`);
    }
    return { kind: 'events', good, total };
  }
  const l = s.latency!.map(LATENCY_FIELDS, 'latency');
  return {
    kind: 'latency',
    metric: required(l.metric, s.latency!, 'metric'),
    matchers: l.matchers?.str() ?? '',
    le: required(l.le, s.latency!, 'le'),
  };
}

function parseSlo(n: YNode): SloConfig {
  const s = n.map(SLO_FIELDS, 'slo');
  const objective = required(s.objective, n, 'objective');
  const ratio = percentToRatio(objective);
  if (ratio === null) throw s.objective!.error(`objective must be a percentage between 0 and 100 (exclusive), got ${JSON.stringify(objective)}`);
  const window = s.window && !s.window.isNull ? s.window.str() : '30d';
  if (s.window && !s.window.isNull) s.window.duration();
  const labels = s.labels?.stringMap() ?? {};
  for (const k of Object.keys(labels)) if (!isValidLabelName(k)) throw s.labels!.error(`invalid label name: ${k}`);
  return {
    service: required(s.service, n, 'service'),
    name: required(s.name, n, 'name'),
    objectivePercent: objective,
    objectiveRatio: ratio,
    window,
    sli: parseSli(s.sli, n),
    labels,
    annotations: s.annotations?.stringMap() ?? {},
    node: n,
  };
}

/**
 * Reads an SLO file.
 * @throws {ConfigError} for an unreadable file, bad YAML, unknown fields, missing or bad values,
 *   and a service/name pair given twice.
 */
export function loadSloFile(file: string): SloFile {
  const root = loadYamlFile(file);
  const top = root.map(FILE_FIELDS, 'slo file');
  const slos = (top.slos?.seq() ?? []).map(parseSlo);
  const seen = new Set<string>();
  for (const s of slos) {
    const k = `${s.service}\u0000${s.name}`;
    if (seen.has(k)) throw s.node.error(`SLO ${JSON.stringify(s.name)} of service ${JSON.stringify(s.service)} is defined twice`);
    seen.add(k);
  }
  return { file, slos };
}
