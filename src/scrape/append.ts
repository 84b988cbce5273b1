/**
 * Appending one scrape body to storage — the ingest hot path, as upstream `scrapeLoop.append`.
 *
 * Per sample line: one lookup of the line's key bytes in the scrape cache, one float parse and one
 * `Appender.append`. In the text format the key bytes of the same line in the last scrape are
 * offered to the parser as a hint: a line with exactly those bytes skips the label scan and finds
 * its cache entry without a lookup; no string is made for a known series. Labels are only parsed, merged with the target labels and metric
 * relabeled for series the cache does not know. Series exposed in the previous scrape but not in
 * this one get a staleness marker at the scrape timestamp. {@link ScrapeAppend} does this in
 * resumable slices so a huge body need not hold the event loop.
 */
import { createParser, EntryType, EXCERPT_MAX_BYTES, textExcerpt, type ExpositionFormat, type ExpositionParser } from '../exposition/index.js';
import { isValidMetricName, LabelsBuilder, METRIC_NAME, toGoString, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { relabelBuilder, type RelabelConfig } from '../config/relabel.js';
import { isValidLabelNameFor, type NameValidationScheme } from '../config/prometheus/values.js';
import { ExemplarResult } from '../tsdb/exemplars.js';
import { AppendResult, type Appender } from '../tsdb/types.js';
import { NO_ENTRY, type ScrapeCache } from './cache.js';
import type { ScrapeMetrics } from './metrics.js';

/** Samples more than this far in the future are out of bounds (upstream `maxAheadTime`: 10m). */
export const MAX_AHEAD_MS = 10 * 60_000;

/** Error of a scrape that was parsed but must not be stored (limits, bad labels, parse errors). */
export class AppendError extends Error {
  override name = 'AppendError';
  constructor(
    message: string,
    /** Which limit was hit, for the self-metrics. */
    readonly limit: 'sample' | 'label' | null = null,
  ) {
    super(message);
  }
}

/** Per-loop settings of {@link appendScrape} (from the scrape config and target). */
export interface AppendOptions {
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  /** 0 = no limit. */
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  validationScheme: NameValidationScheme;
  /** Target labels without `__` ones, sorted. */
  targetLabels: Labels;
  metricRelabelConfigs: readonly RelabelConfig[];
}

/** Counts reported as `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`, `scrape_series_added`. */
export interface AppendStats {
  total: number;
  added: number;
  seriesAdded: number;
}

/**
 * Merges target labels into a scraped label set and applies metric relabeling, as upstream
 * `mutateSampleLabels`: with `honor_labels` scraped labels win; otherwise target labels win and
 * clashing scraped labels are kept as `exported_<name>` (more `exported_` prefixes while taken).
 * @returns the final labels, or null when relabeling drops the series
 */
export function mutateSampleLabels(scraped: Labels, opts: AppendOptions): Labels | null {
  const lb = new LabelsBuilder(scraped);
  const t = opts.targetLabels;
  if (opts.honorLabels) {
    for (let i = 0; i < t.length; i += 2) if (lb.get(t[i]!) === '') lb.set(t[i]!, t[i + 1]!);
  } else {
    const conflicts: [string, string][] = [];
    for (let i = 0; i < t.length; i += 2) {
      const existing = lb.get(t[i]!);
      if (existing !== '') conflicts.push([t[i]!, existing]);
      lb.set(t[i]!, t[i + 1]!);
    }
    conflicts.sort((a, b) => a[0].length - b[0].length);
    for (const [name, value] of conflicts) {
      let n = name;
      for (;;) {
        n = 'exported_' + n;
        if (lb.get(n) === '') {
          lb.set(n, value);
          break;
        }
      }
    }
  }
  return relabelBuilder(lb, opts.metricRelabelConfigs) ? lb.labels() : null;
}

/** Checks `label_limit`, `label_name_length_limit`, `label_value_length_limit`; message as upstream or null. */
function labelLimitError(ls: Labels, o: AppendOptions): string | null {
  if (o.labelLimit === 0 && o.labelNameLengthLimit === 0 && o.labelValueLengthLimit === 0) return null;
  let metric = '';
  for (let i = 0; i < ls.length; i += 2) if (ls[i] === METRIC_NAME) metric = ls[i + 1]!;
  const m = metric.slice(0, 50);
  if (o.labelLimit > 0 && ls.length / 2 > o.labelLimit) {
    return `label_limit exceeded (metric: ${m}, number of labels: ${ls.length / 2}, limit: ${o.labelLimit})`;
  }
  for (let i = 0; i < ls.length; i += 2) {
    const n = ls[i]!;
    const v = ls[i + 1]!;
    const nl = Buffer.byteLength(n);
    if (o.labelNameLengthLimit > 0 && nl > o.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${m}, label name: ${n.slice(0, 50)}, length: ${nl}, limit: ${o.labelNameLengthLimit})`;
    }
    const vl = Buffer.byteLength(v);
    if (o.labelValueLengthLimit > 0 && vl > o.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${m}, label name: ${n.slice(0, 50)}, value: ${JSON.stringify(v.slice(0, 50))}, length: ${vl}, limit: ${o.labelValueLengthLimit})`;
    }
  }
  return null;
}

function hasMetricName(ls: Labels): boolean {
  for (let i = 0; i < ls.length; i += 2) if (ls[i] === METRIC_NAME) return true;
  return false;
}

/**
 * Upstream `Labels.IsValid(scheme)`. Under `utf8` a name only has to be non-empty: parser output
 * and relabeling results are well-formed JS strings, i.e. valid UTF-8.
 */
function validLabelSet(ls: Labels, scheme: NameValidationScheme): boolean {
  for (let i = 0; i < ls.length; i += 2) {
    const n = ls[i]!;
    if (n === METRIC_NAME) {
      if (scheme === 'legacy' ? !isValidMetricName(ls[i + 1]!) : ls[i + 1]! === '') return false;
    } else if (scheme === 'legacy' ? !isValidLabelNameFor(scheme, n) : n === '') return false;
  }
  return true;
}

/**
 * Entries parsed between two looks at the clock in {@link ScrapeAppend.run}: small enough that a
 * slice overshoots its end by well under a millisecond, large enough that `performance.now()`
 * costs nothing measurable per sample.
 */
const ENTRIES_PER_CLOCK_CHECK = 256;

/**
 * Appending one scrape body, resumable: {@link run} parses and queues entries until the body is
 * done or a time budget runs out, so a caller can hand the event loop back between slices of a
 * huge body (the scrape loop does; {@link appendScrape} runs it in one go). Samples are queued on
 * `app` at `defTime` (ms; explicit timestamps win with `honor_timestamps`); at the end staleness
 * markers are queued for series that disappeared and the cache iteration ends. Per-sample storage
 * rejections (out of order, duplicate, out of bounds) are counted, not fatal. `stats` holds the
 * counts so far at any time.
 *
 * The cache and appender must not be used by anyone else until {@link run} has returned true or
 * thrown.
 */
export class ScrapeAppend {
  private readonly p: ExpositionParser | null;
  private readonly body: Buffer;
  private readonly maxTime: number;
  private sampleCount = 0;
  private sampleLimitHit = false;
  private outOfOrder = 0;
  private duplicates = 0;
  private outOfBounds = 0;
  private exemplarOutOfOrder = 0;
  private done = false;

  constructor(
    private readonly app: Appender,
    private readonly cache: ScrapeCache,
    body: Buffer,
    private readonly format: ExpositionFormat,
    private readonly defTime: number,
    private readonly opts: AppendOptions,
    private readonly metrics: ScrapeMetrics,
    private readonly stats: AppendStats,
  ) {
    stats.total = 0;
    stats.added = 0;
    stats.seriesAdded = 0;
    this.body = body;
    this.p = body.length === 0 ? null : createParser(body, format);
    this.maxTime = Date.now() + MAX_AHEAD_MS;
  }

  /**
   * Parses and queues entries until the body ends (then finishes the scrape and returns true) or
   * `until` (a `performance.now()` time in ms) has passed (returns false; call again to go on).
   * Returns true at once when already done.
   * @throws {AppendError} for parse errors, a missing metric name, invalid names, label limits, or
   * more than `sample_limit` samples (after reading the whole body, so counts are complete). The
   * caller must then roll back and call {@link appendFailed}.
   */
  run(until = Infinity): boolean {
    if (this.done) return true;
    const p = this.p;
    if (p === null) {
      this.done = true;
      appendFailed(this.app, this.cache, this.defTime);
      return true;
    }
    const { app, cache, opts, stats, defTime, maxTime, body } = this;
    // Texts of the last scrape's lines hint the parser at this scrape's (same format only).
    const hints = this.format === 'text' && cache.keyFormat === 'text';
    let sinceClock = 0;
    for (;;) {
      if (++sinceClock === ENTRIES_PER_CLOCK_CHECK) {
        sinceClock = 0;
        if (performance.now() >= until) return false;
      }
      const hint = hints ? cache.hintAt(stats.total) : NO_ENTRY;
      if (hint !== NO_ENTRY) p.expectSeriesKey(cache.keyBytes, cache.keyStart(hint), cache.keyEnd(hint));
      let et: number;
      try {
        et = p.next();
      } catch (e) {
        throw new AppendError((e as Error).message);
      }
      if (et === EntryType.EOF) break;
      if (et !== EntryType.Series) {
        if (et === EntryType.Type) cache.setType(p.family(), p.type());
        else if (et === EntryType.Help) cache.setHelp(p.family(), p.help());
        else if (et === EntryType.Unit) cache.setUnit(p.family(), p.unit());
        continue;
      }
      const pos = stats.total++;
      const v = p.value();
      const explicitTs = opts.honorTimestamps ? p.timestamp() : undefined;
      const t = explicitTs ?? defTime;
      // The common case: the line's key bytes equal the same line's of the last scrape (the parser
      // compared them); else one lookup by the key bytes. Dropped texts are entries too.
      let e = hint !== NO_ENTRY && p.seriesKeyMatched() ? cache.hit(hint, pos) : cache.get(body, p.seriesKeyStart(), p.seriesKeyEnd(), pos);
      // Final labels, built only for a new series or when the storage forgot a cached one (the
      // cache keeps no label set: ~300 bytes per series of arrays and strings the head already has).
      let labels: Labels | null = null;
      let alreadyScraped = false;
      if (e !== NO_ENTRY) {
        alreadyScraped = cache.seenInThisScrape(e);
        if (!alreadyScraped) cache.markSeen(e);
        if (cache.isDropped(e)) continue;
      } else {
        labels = lineLabels(p, opts);
        if (labels === null) {
          cache.addDropped(body, p.seriesKeyStart(), p.seriesKeyEnd(), pos);
          continue;
        }
        if (!hasMetricName(labels)) throw new AppendError('missing metric name (__name__ label)');
        if (!validLabelSet(labels, opts.validationScheme)) throw new AppendError(`invalid metric name or label names: ${labelsExcerpt(labels)}`);
        const limitErr = labelLimitError(labels, opts);
        if (limitErr) throw new AppendError(limitErr, 'label');
      }

      let result: number;
      let ref = e !== NO_ENTRY ? cache.refOf(e) : 0;
      if (alreadyScraped && explicitTs === undefined) {
        result = AppendResult.Duplicate;
      } else if (opts.sampleLimit > 0 && ++this.sampleCount > opts.sampleLimit) {
        this.sampleLimitHit = true;
        stats.added++;
        continue;
      } else if (t > maxTime) {
        result = AppendResult.OutOfBounds;
      } else {
        // A cached line passed relabeling before and relabels the same way now: never null here.
        if (ref === 0) ref = app.seriesRef((labels ??= lineLabels(p, opts)!));
        result = app.append(ref, t, v);
        if (result === AppendResult.UnknownSeries) {
          ref = app.seriesRef((labels ??= lineLabels(p, opts)!));
          result = app.append(ref, t, v);
        }
      }

      // As upstream, the line's exemplar is offered whatever became of the sample (its timestamp
      // defaults to the sample's); rejected exemplars never fail the scrape.
      if (ref !== 0 && app.appendExemplar !== undefined) {
        const ex = p.exemplar();
        if (ex !== null && app.appendExemplar(ref, ex.labels, ex.value, ex.timestamp ?? t, ex.timestamp !== undefined) === ExemplarResult.OutOfOrder) this.exemplarOutOfOrder++;
      }

      if (result === AppendResult.Ok) {
        const track = explicitTs === undefined || opts.trackTimestampsStaleness;
        if (e !== NO_ENTRY) {
          cache.setRef(e, ref);
        } else {
          e = cache.add(body, p.seriesKeyStart(), p.seriesKeyEnd(), ref, pos);
          if (!this.sampleLimitHit) stats.seriesAdded++;
        }
        if (track) cache.track(e);
      } else if (result === AppendResult.OutOfOrder) this.outOfOrder++;
      else if (result === AppendResult.Duplicate) this.duplicates++;
      else if (result === AppendResult.OutOfBounds) this.outOfBounds++;
      stats.added++;
    }
    this.done = true;
    const m = this.metrics;
    if (this.outOfOrder > 0) m.sampleOutOfOrder.inc(this.outOfOrder);
    if (this.duplicates > 0) m.sampleDuplicate.inc(this.duplicates);
    if (this.outOfBounds > 0) m.sampleOutOfBounds.inc(this.outOfBounds);
    if (this.exemplarOutOfOrder > 0) m.exemplarOutOfOrder.inc(this.exemplarOutOfOrder);
    if (this.sampleLimitHit) throw new AppendError('sample limit exceeded', 'sample');
    appendStaleMarkers(app, cache, defTime);
    cache.keyFormat = this.format;
    cache.iterDone(true);
    return true;
  }
}

/**
 * Parses `body` and queues its samples on `app` in one go: {@link ScrapeAppend} run to the end.
 * @throws {AppendError} as {@link ScrapeAppend.run}; the caller must then roll back and call
 * {@link appendFailed}. `stats` holds the counts either way.
 */
export function appendScrape(
  app: Appender,
  cache: ScrapeCache,
  body: Buffer,
  format: ExpositionFormat,
  defTime: number,
  opts: AppendOptions,
  metrics: ScrapeMetrics,
  stats: AppendStats,
): void {
  new ScrapeAppend(app, cache, body, format, defTime, opts, metrics, stats).run();
}

/**
 * The final label set of the parser's current series line: the scraped labels merged with the
 * target labels and metric-relabeled ({@link mutateSampleLabels}); null when relabeling drops it.
 * @throws {AppendError} when the line's labels do not parse
 */
function lineLabels(p: ExpositionParser, opts: AppendOptions): Labels | null {
  let scraped: Labels;
  try {
    scraped = p.labels();
  } catch (err) {
    throw new AppendError((err as Error).message);
  }
  return mutateSampleLabels(scraped, opts);
}

/**
 * A label set in Go's `{a="b", …}` form ({@link toGoString}) for an error message; a name or value
 * longer than {@link EXCERPT_MAX_BYTES} characters is shown as its start followed by
 * `... (N bytes)` ({@link textExcerpt}), so a series with a huge label does not make a huge message.
 */
function labelsExcerpt(ls: Labels): string {
  if (ls.every((s) => s.length <= EXCERPT_MAX_BYTES)) return toGoString(ls);
  return toGoString(ls.map((s) => (s.length <= EXCERPT_MAX_BYTES ? s : textExcerpt(s))));
}

/**
 * After a failed or empty scrape: queues staleness markers for the series of the previous scrape
 * that were not seen in this attempt, and ends the cache iteration without flushing it.
 */
export function appendFailed(app: Appender, cache: ScrapeCache, defTime: number): void {
  appendStaleMarkers(app, cache, defTime);
  cache.iterDone(false);
}

function appendStaleMarkers(app: Appender, cache: ScrapeCache, t: number): void {
  cache.forEachStale((ref) => {
    // Out-of-order and duplicate results are expected when a target comes back under a new
    // loop; an unknown ref means the storage already dropped the series. All are ignored.
    app.append(ref, t, STALE_NAN);
  });
}

