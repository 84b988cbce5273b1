/**
 * Head cardinality statistics for `/api/v1/status/tsdb`, as Prometheus 3.x computes them from the
 * head postings (`MemPostings.Stats` with `labels.SizeOfLabels` of the default string-labels build).
 */
import type { Head } from './head.js';

/** One `{name, value}` entry of a statistics list. */
export interface TSDBStat {
  name: string;
  value: number;
}

/** The `data` object of `/api/v1/status/tsdb` (field names as upstream). */
export interface TSDBStatus {
  headStats: {
    numSeries: number;
    /** Distinct label name/value pairs. */
    numLabelPairs: number;
    chunkCount: number;
    /** Oldest sample in the head (ms); +Infinity for an empty head (upstream prints math.MaxInt64). */
    minTime: number;
    /** Newest sample in the head (ms); −Infinity for an empty head (upstream prints math.MinInt64). */
    maxTime: number;
  };
  /** Series count per metric name (top `limit`). */
  seriesCountByMetricName: TSDBStat[];
  /** Distinct value count per label name (top `limit`). */
  labelValueCountByLabelName: TSDBStat[];
  /** Estimated bytes of label data per label name (top `limit`). */
  memoryInBytesByLabelName: TSDBStat[];
  /** Series count per `name=value` pair (top `limit`). */
  seriesCountByLabelValuePair: TSDBStat[];
}

/** Bytes of a uvarint encoding of `n`. */
function uvarintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    s++;
  }
  return s;
}

/** Keeps the `limit` entries with the largest values; ties broken by name for stable output. */
class TopN {
  private readonly items: TSDBStat[] = [];
  constructor(private readonly limit: number) {}

  push(name: string, value: number): void {
    const items = this.items;
    if (items.length === this.limit) {
      const last = items[items.length - 1]!;
      if (value < last.value || (value === last.value && name >= last.name)) return;
      items.pop();
    }
    let i = items.length;
    while (i > 0 && (items[i - 1]!.value < value || (items[i - 1]!.value === value && items[i - 1]!.name > name))) i--;
    items.splice(i, 0, { name, value });
  }

  get(): TSDBStat[] {
    return this.items;
  }
}

/**
 * Statistics of `head`, each list limited to the `limit` largest entries (sorted by value
 * descending, then name). Memory per label name is Σ over its values of
 * (uvarint(len name) + len name + uvarint(len value) + len value) × series, lengths in UTF-8 bytes,
 * as upstream's string-labels build estimates it.
 * @throws {RangeError} when `limit` is not a positive integer.
 */
export function headStatus(head: Head, limit = 10): TSDBStatus {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive number');
  const metrics = new TopN(limit);
  const valueCounts = new TopN(limit);
  const memory = new TopN(limit);
  const pairs = new TopN(limit);
  let numLabelPairs = 0;
  for (const [name, values] of head.postings.entries()) {
    valueCounts.push(name, values.size);
    numLabelPairs += values.size;
    const nameBytes = Buffer.byteLength(name, 'utf8');
    const nameSize = uvarintSize(nameBytes) + nameBytes;
    let size = 0;
    for (const [value, refs] of values) {
      const n = refs.length;
      if (name === '__name__') metrics.push(value, n);
      pairs.push(`${name}=${value}`, n);
      const valueBytes = Buffer.byteLength(value, 'utf8');
      size += (nameSize + uvarintSize(valueBytes) + valueBytes) * n;
    }
    memory.push(name, size);
  }
  return {
    headStats: {
      numSeries: head.numSeries(),
      numLabelPairs,
      chunkCount: head.numChunks(),
      minTime: head.minTime(),
      maxTime: head.maxTime(),
    },
    seriesCountByMetricName: metrics.get(),
    labelValueCountByLabelName: valueCounts.get(),
    memoryInBytesByLabelName: memory.get(),
    seriesCountByLabelValuePair: pairs.get(),
  };
}

/**
 * The JSON text of `status` as Prometheus writes the `data` field, including its int64 bounds for
 * an empty head (`9223372036854775807` / `-9223372036854775808`), which a JS number cannot carry.
 */
export function statusJSON(status: TSDBStatus): string {
  const h = status.headStats;
  const time = (t: number, empty: string): string => (Number.isFinite(t) ? String(t) : empty);
  return (
    `{"headStats":{"numSeries":${h.numSeries},"numLabelPairs":${h.numLabelPairs},"chunkCount":${h.chunkCount},` +
    `"minTime":${time(h.minTime, '9223372036854775807')},"maxTime":${time(h.maxTime, '-9223372036854775808')}},` +
    `"seriesCountByMetricName":${JSON.stringify(status.seriesCountByMetricName)},` +
    `"labelValueCountByLabelName":${JSON.stringify(status.labelValueCountByLabelName)},` +
    `"memoryInBytesByLabelName":${JSON.stringify(status.memoryInBytesByLabelName)},` +
    `"seriesCountByLabelValuePair":${JSON.stringify(status.seriesCountByLabelValuePair)}}`
  );
}
