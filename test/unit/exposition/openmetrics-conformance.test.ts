/**
 * The OpenMetrics parser test suite (`/work/shared/conformance/openmetrics/<case>/`): every case
 * must parse or be rejected as its `test.json` says. No case is skipped.
 *
 * Two parsers are held to it: `validateOpenMetrics` (full spec validation) must match every case;
 * the scrape parser (`createParser`, Prometheus-compatible and so more lenient) must accept every
 * good case and reject every bad case except those whose fault is semantic — Prometheus's own
 * OpenMetrics parser accepts exactly those too, and the list is pinned below.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, validateOpenMetrics } from '../../../src/exposition/index.js';
import { parseAll, seriesOf } from './helpers.js';
import { SHARED } from '../../support/shared.js';

const DIR = `${SHARED}/conformance/openmetrics`;

interface Case {
  name: string;
  body: Buffer;
  shouldParse: boolean;
}

const cases: Case[] = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const spec = JSON.parse(readFileSync(`${DIR}/${d.name}/test.json`, 'utf8')) as { file: string; shouldParse: boolean };
    return { name: d.name, body: readFileSync(`${DIR}/${d.name}/${spec.file}`), shouldParse: spec.shouldParse };
  });

/** Bad cases whose fault only full validation finds (value ranges, grouping, metadata rules…). */
const SEMANTIC_ONLY = new Set([
  'bad_clashing_names_0', 'bad_clashing_names_1',
  'bad_counter_values_1', 'bad_counter_values_2', 'bad_counter_values_3', 'bad_counter_values_4',
  'bad_counter_values_5', 'bad_counter_values_6', 'bad_counter_values_7', 'bad_counter_values_8',
  'bad_counter_values_10', 'bad_counter_values_11', 'bad_counter_values_12', 'bad_counter_values_13',
  'bad_counter_values_14', 'bad_counter_values_15', 'bad_counter_values_17', 'bad_counter_values_19',
  'bad_exemplar_complex_chars', 'bad_exemplars_6',
  'bad_exemplars_on_unallowed_metric_types_1', 'bad_exemplars_on_unallowed_metric_types_2',
  'bad_exemplars_on_unallowed_samples_0', 'bad_exemplars_on_unallowed_samples_1',
  'bad_exemplars_on_unallowed_samples_2', 'bad_exemplars_on_unallowed_samples_3',
  'bad_grouping_or_ordering_0', 'bad_grouping_or_ordering_2', 'bad_grouping_or_ordering_5',
  'bad_grouping_or_ordering_6', 'bad_grouping_or_ordering_7', 'bad_grouping_or_ordering_8',
  'bad_grouping_or_ordering_9',
  'bad_histograms_0', 'bad_histograms_1', 'bad_histograms_2', 'bad_histograms_7', 'bad_histograms_8',
  'bad_histograms_9', 'bad_histograms_10', 'bad_histograms_11', 'bad_histograms_12', 'bad_histograms_13',
  'bad_histograms_14',
  'bad_info_and_stateset_values_0', 'bad_info_and_stateset_values_1',
  'bad_metadata_in_wrong_place_0', 'bad_metadata_in_wrong_place_2',
  'bad_missing_or_extra_commas_2',
  'bad_missing_or_invalid_labels_for_a_type_1', 'bad_missing_or_invalid_labels_for_a_type_2',
  'bad_missing_or_invalid_labels_for_a_type_3', 'bad_missing_or_invalid_labels_for_a_type_4',
  'bad_missing_or_invalid_labels_for_a_type_5', 'bad_missing_or_invalid_labels_for_a_type_7',
  'bad_repeated_metadata_0', 'bad_repeated_metadata_1', 'bad_repeated_metadata_3',
  'bad_stateset_info_values_0', 'bad_stateset_info_values_1', 'bad_stateset_info_values_2',
  'bad_unit_6', 'bad_unit_7',
]);

function validates(body: Buffer): boolean {
  try {
    validateOpenMetrics(body);
    return true;
  } catch (e) {
    if (!(e instanceof ExpositionParseError)) throw e;
    return false;
  }
}

function scrapeParses(body: Buffer): boolean {
  try {
    parseAll(body, 'openmetrics');
    return true;
  } catch (e) {
    if (!(e instanceof ExpositionParseError)) throw e;
    return false;
  }
}

describe('OpenMetrics conformance corpus', () => {
  it('holds the 179 cases (39 good, 140 bad)', () => {
    expect(cases.length).toBe(179);
    expect(cases.filter((c) => c.shouldParse).length).toBe(39);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: full validation', (_name, c) => {
    expect(validates(c.body)).toBe(c.shouldParse);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: scrape parser', (name, c) => {
    expect(scrapeParses(c.body)).toBe(c.shouldParse || SEMANTIC_ONLY.has(name));
  });

  it('every semantic-only case exists and is a bad case', () => {
    for (const name of SEMANTIC_ONLY) expect(cases.find((c) => c.name === name)?.shouldParse).toBe(false);
  });
});

describe('OpenMetrics corpus values', () => {
  const body = (name: string) => cases.find((c) => c.name === name)!.body;

  it('escaping: label values and HELP decoded, unknown escapes kept', () => {
    const es = parseAll(body('escaping'), 'openmetrics');
    expect(es[1]).toEqual({ kind: 'help', line: 2, family: 'a', help: 'he\n\\l\\tp' });
    expect(es.slice(2).map((e) => (e.kind === 'series' ? e.labels[3] : ''))).toEqual([
      'b"a\nr',
      'b\\a\\z',
      'b"a\nr # ',
      'b\\a\\z # ',
    ]);
  });

  it('uint64 counter value and timestamps in seconds become ms', () => {
    expect(seriesOf(body('uint64_counter'), 'openmetrics')[0]!.value).toBe(9223372036854775808);
    expect(seriesOf(body('duplicate_timestamps_0'), 'openmetrics').map((s) => s.ts)).toEqual([0, 0, 0, 0, 0]);
    expect(seriesOf(body('info_timestamps'), 'openmetrics').map((s) => s.ts)).toEqual([1000, 0]);
  });

  it('exemplars with and without timestamps, wide characters and hashes', () => {
    const s = seriesOf(body('gaugehistogram_exemplars'), 'openmetrics');
    expect(s.map((x) => x.exemplar)).toEqual([
      { labels: ['a', 'b'], value: 0.5 },
      { labels: ['a', 'c'], value: 0.5 },
      { labels: ['a', 'd'], value: 4, timestamp: 123000 },
    ]);
    expect(s.map((x) => x.ts)).toEqual([123000, 123000, 123000]);
    const wide = seriesOf(body('exemplars_wide_chars'), 'openmetrics')[0]!;
    expect((wide.exemplar as { labels: string[] }).labels[1]).toBe(`☃${'3456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456'}78`);
    const hashes = seriesOf(body('exemplars_with_hash_in_label_values'), 'openmetrics');
    expect(hashes[2]!.labels).toEqual(['__name__', 'a_bucket', 'foo', 'bar # ', 'le', '+Inf']);
    expect(hashes[2]!.exemplar).toEqual({ labels: ['a', 'd', 'foo', 'bar # bar'], value: 4 });
  });

  it('le values are normalised for histograms only, as Prometheus does', () => {
    const h = seriesOf(body('histogram_noncanonical'), 'openmetrics').filter((s) => s.key.includes('_bucket'));
    expect(h.map((s) => s.labels[3])).toEqual([
      '0.0', '1e-11', '1e-10', '0.0001', '0.00011', '0.0011', '0.011', '1.0', '100000.0', '1e+10', '1e+11', '+Inf',
    ]);
    const gh = seriesOf(body('simple_gaugehistogram'), 'openmetrics');
    expect(gh[0]!.labels).toEqual(['__name__', 'a_bucket', 'le', '1.0']);
    expect(gh[0]!.key).toBe('a_bucket{le="1.0"}');
  });

  it('_created samples are series of their own with the creation time as value', () => {
    const s = seriesOf(body('counter_unit'), 'openmetrics');
    expect(s.map((x) => [x.labels[1], x.value])).toEqual([
      ['cc_seconds_total', 1],
      ['cc_seconds_created', 123.456],
    ]);
    expect(parseAll(body('counter_unit'), 'openmetrics')[2]).toEqual({ kind: 'unit', line: 3, family: 'cc_seconds', unit: 'seconds' });
  });

  it('no newline after # EOF is accepted; NaN and infinities parse', () => {
    expect(seriesOf(body('no_newline_after_eof'), 'openmetrics')[0]!.value).toBe(1);
    expect(seriesOf(body('nan'), 'openmetrics')[0]!.value).toBeNaN();
    expect(seriesOf(body('labels_and_infinite'), 'openmetrics').map((s) => s.value)).toEqual([Infinity, -Infinity]);
  });
});
