/**
 * PromQL features that upstream keeps behind `--enable-feature=<name>` flags, as Prometheus's
 * `cmd/prometheus/main.go` (`setFeatureListOptions`), `parser.Options` and `promql.EngineOpts`
 * define them. The parser and the engine take a {@link PromQLFeatures}; `lookout server` builds one
 * from its `--enable-feature` flags with {@link featuresFromFlags}, starting from upstream's
 * defaults ({@link DEFAULT_FEATURES}); the conformance runner and tools use {@link ALL_FEATURES}.
 */
import type { Expr, Pos } from './ast.js';
import { walk } from './ast.js';

/** Switches of the PromQL parser and engine (all optional; absent = off). */
export interface PromQLFeatures {
  /**
   * `promql-experimental-functions`: the functions marked experimental in the function table
   * (`info`, `sort_by_label`, `mad_over_time`, `double_exponential_smoothing`, `ts_of_*_over_time`,
   * `start()`/`end()`/`range()`/`step()`, …) and the `limitk`/`limit_ratio` aggregations.
   * Refused otherwise with `function "<name>" is not enabled` /
   * `<op>() is experimental and must be enabled with --enable-feature=promql-experimental-functions`.
   */
  experimentalFunctions?: boolean;
  /**
   * `promql-duration-expr`: arithmetic durations (`[5m * 2]`, `offset (1h + step())`, `step()`,
   * `range()`, `min_of`/`max_of`, parenthesised durations). Upstream now enables it permanently
   * (the flag is a no-op), so it is on in {@link DEFAULT_FEATURES}. Refused otherwise with
   * `experimental duration expression is not enabled`.
   */
  durationExpressions?: boolean;
  /**
   * `promql-extended-range-selectors`: the `anchored` and `smoothed` selector modifiers. Refused
   * otherwise with `anchored modifier is experimental and not enabled` (or `smoothed …`).
   */
  extendedRangeSelectors?: boolean;
  /**
   * `promql-binop-fill-modifiers`: `fill()`, `fill_left()`, `fill_right()` on binary operators.
   * Refused otherwise with `binop fill modifiers are experimental and not enabled`.
   */
  binopFillModifiers?: boolean;
  /**
   * `promql-delayed-name-removal`: functions and operators mark `__name__` (and `__type__`,
   * `__unit__`) for removal and the engine drops them when the query finishes, so label
   * functions and `by (__name__)` still see them. Off: they are dropped right away and a
   * function result holding two series with one label set fails with
   * `vector cannot contain metrics with the same labelset` (Prometheus 2.x behaviour).
   */
  delayedNameRemoval?: boolean;
  /**
   * `type-and-unit-labels`: the engine reads the `__type__` label to tell counters, so
   * `rate`/`increase` of a series whose `__type__` is not `counter` or `histogram` gets the info
   * annotation `metric might not be a counter, __type__ label is not set to "counter" or
   * "histogram"` instead of the name-suffix check.
   */
  typeAndUnitLabels?: boolean;
  /**
   * `promql-per-step-stats`: a query asked for with `stats=all` also reports its samples per
   * step (`totalQueryableSamplesPerStep`). The engine itself does not read it; the API does.
   */
  perStepStats?: boolean;
}

/** Upstream `prometheus` defaults: duration expressions on (permanently), everything else off. */
export const DEFAULT_FEATURES: Readonly<PromQLFeatures> = Object.freeze({ durationExpressions: true });

/**
 * Every PromQL feature the upstream conformance harness (`promqltest`) turns on for the `.test`
 * files. It leaves `type-and-unit-labels` off in the engine, and its files depend on that:
 * `expect no_info` on `rate()` of a `_total` series without `__type__` (functions.test) would get
 * the `__type__` info annotation with it on. Selecting and grouping by `__type__`/`__unit__`
 * labels works either way; the feature only changes how `rate`/`increase` tell counters.
 */
export const ALL_FEATURES: Readonly<PromQLFeatures> = Object.freeze({
  experimentalFunctions: true,
  durationExpressions: true,
  extendedRangeSelectors: true,
  binopFillModifiers: true,
  delayedNameRemoval: true,
  typeAndUnitLabels: false,
});

/** `--enable-feature` names that switch a PromQL feature, and the switch. */
export const PROMQL_FEATURE_FLAGS: ReadonlyMap<string, keyof PromQLFeatures> = new Map([
  ['promql-experimental-functions', 'experimentalFunctions'],
  ['promql-duration-expr', 'durationExpressions'],
  ['promql-extended-range-selectors', 'extendedRangeSelectors'],
  ['promql-binop-fill-modifiers', 'binopFillModifiers'],
  ['promql-delayed-name-removal', 'delayedNameRemoval'],
  ['type-and-unit-labels', 'typeAndUnitLabels'],
  ['promql-per-step-stats', 'perStepStats'],
]);

/** The outcome of {@link featuresFromFlags}: the features and what to log about each name. */
export interface FeatureFlagResult {
  features: PromQLFeatures;
  /** Names that switched a feature on (upstream logs each at info level). */
  enabled: string[];
  /**
   * Names with a warning, as `[name, message]`: upstream's no-op notices (`promql-duration-expr`,
   * `native-histograms`, …) and unknown names (`Unknown option for --enable-feature`).
   */
  warnings: [string, string][];
}

/** Upstream names that are no-ops now, with upstream's warning. */
const NO_OPS: ReadonlyMap<string, string> = new Map([
  ['promql-duration-expr', 'This option for --enable-feature is now permanently enabled and therefore a no-op.'],
  ['ooo-native-histograms', 'This option for --enable-feature is now permanently enabled and therefore a no-op.'],
  [
    'native-histograms',
    'This option for --enable-feature is a no-op. To scrape native histograms, set the scrape_native_histograms scrape config setting to true.',
  ],
]);

/**
 * Feature names upstream accepts that concern parts Lookout does not implement (storage formats,
 * OTLP, the old UI, start timestamps, …): accepted and ignored with a warning.
 */
const UNSUPPORTED: ReadonlySet<string> = new Set([
  'auto-reload-config',
  'concurrent-rule-eval',
  'created-timestamp-zero-ingestion',
  'delayed-compaction',
  'extra-scrape-metrics',
  'fast-startup',
  'histograms-st-encoding',
  'memory-snapshot-on-shutdown',
  'metadata-wal-records',
  'old-ui',
  'otlp-deltatocumulative',
  'otlp-native-delta-ingestion',
  'search-api',
  'st-storage',
  'st-synthesis',
  'use-start-timestamps',
  'use-uncached-io',
  'xor2-encoding',
]);

/**
 * Feature names switched on outside PromQL: the server reads them from the flag itself
 * (`exemplar-storage`: the TSDB's exemplar storage). Accepted here without a warning.
 */
export const STORAGE_FEATURE_FLAGS: ReadonlySet<string> = new Set(['exemplar-storage']);

/**
 * Features from `--enable-feature` values, as upstream: each value is a comma-separated list, the
 * flag may be repeated, empty names are skipped, unknown names are warned about and ignored
 * (never an error). Starts from {@link DEFAULT_FEATURES}.
 */
export function featuresFromFlags(values: readonly string[]): FeatureFlagResult {
  const features: PromQLFeatures = { ...DEFAULT_FEATURES };
  const enabled: string[] = [];
  const warnings: [string, string][] = [];
  for (const value of values) {
    for (const name of value.split(',')) {
      if (name === '') continue;
      const noOp = NO_OPS.get(name);
      const key = PROMQL_FEATURE_FLAGS.get(name);
      if (STORAGE_FEATURE_FLAGS.has(name)) continue;
      if (noOp !== undefined) warnings.push([name, noOp]);
      else if (key !== undefined) {
        features[key] = true;
        enabled.push(name);
      } else if (UNSUPPORTED.has(name)) warnings.push([name, 'This option for --enable-feature is not supported by Lookout and is ignored.']);
      else warnings.push([name, 'Unknown option for --enable-feature']);
    }
  }
  return { features, enabled, warnings };
}

/** Experimental aggregations (upstream `IsExperimentalAggregator`). */
const EXPERIMENTAL_AGGREGATORS: ReadonlySet<string> = new Set(['limitk', 'limit_ratio']);

/** Whether the aggregation `op` needs `promql-experimental-functions`. */
export function isExperimentalAggregator(op: string): boolean {
  return EXPERIMENTAL_AGGREGATORS.has(op);
}

/** Upstream's parse error for an experimental function that is off. */
export function functionNotEnabled(name: string): string {
  return `function ${JSON.stringify(name)} is not enabled`;
}

/** Upstream's parse error for `limitk`/`limit_ratio` while experimental functions are off. */
export function aggregatorNotEnabled(op: string): string {
  return `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`;
}

/** Upstream's parse error for a duration expression while they are off. */
export const DURATION_EXPR_NOT_ENABLED = 'experimental duration expression is not enabled';

/** Upstream's parse error for a fill modifier while they are off. */
export const FILL_NOT_ENABLED = 'binop fill modifiers are experimental and not enabled';

/** Upstream's parse error for `anchored`/`smoothed` while extended range selectors are off. */
export function modifierNotEnabled(kind: 'anchored' | 'smoothed'): string {
  return `${kind} modifier is experimental and not enabled`;
}

/**
 * The first construct of an already parsed tree that `features` do not allow, as `{ pos, reason }`
 * with the parser's message, or null. For trees parsed elsewhere (rules parse once at load) and
 * handed to an engine with fewer features; the parser itself refuses them while parsing.
 */
export function disabledConstruct(e: Expr, features: PromQLFeatures): { pos: Pos; reason: string } | null {
  let found: { pos: Pos; reason: string } | null = null;
  const durations = (...ds: (unknown | null)[]) => !features.durationExpressions && ds.some((d) => d !== null);
  walk(e, (n) => {
    if (found) return;
    switch (n.type) {
      case 'Call':
        if (n.func.experimental && !features.experimentalFunctions) found = { pos: n.pos, reason: functionNotEnabled(n.func.name) };
        break;
      case 'AggregateExpr':
        if (isExperimentalAggregator(n.op) && !features.experimentalFunctions) found = { pos: n.pos, reason: aggregatorNotEnabled(n.op) };
        break;
      case 'BinaryExpr':
        if (n.matching && (n.matching.fillLeft !== null || n.matching.fillRight !== null) && !features.binopFillModifiers) {
          found = { pos: n.pos, reason: FILL_NOT_ENABLED };
        }
        break;
      case 'VectorSelector':
        if ((n.anchored || n.smoothed) && !features.extendedRangeSelectors) found = { pos: n.pos, reason: modifierNotEnabled(n.anchored ? 'anchored' : 'smoothed') };
        else if (durations(n.offsetExpr)) found = { pos: n.offsetExpr!.pos, reason: DURATION_EXPR_NOT_ENABLED };
        break;
      case 'MatrixSelector':
        if (durations(n.rangeExpr)) found = { pos: n.rangeExpr!.pos, reason: DURATION_EXPR_NOT_ENABLED };
        break;
      case 'SubqueryExpr': {
        const d = n.rangeExpr ?? n.stepExpr ?? n.offsetExpr;
        if (durations(d)) found = { pos: d!.pos, reason: DURATION_EXPR_NOT_ENABLED };
        break;
      }
      default:
        break;
    }
  });
  return found;
}
