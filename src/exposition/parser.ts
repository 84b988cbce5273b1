/**
 * Entry points of the exposition parsers: pick the format from a Content-Type header and create a
 * pull parser over a scrape body.
 */
import { OpenMetricsParser } from './omparse.js';
import { PromTextParser } from './promparse.js';
import type { ExpositionFormat, ExpositionParser } from './types.js';

export { EntryType, ExpositionParseError } from './types.js';
export type { Exemplar, ExpositionFormat, ExpositionParser, MetricType } from './types.js';

/**
 * `'openmetrics'` for `application/openmetrics-text` (any parameters, media type compared
 * case-insensitively), else `'text'` — also for a missing or unknown type, as Prometheus 2.x
 * falls back to the text parser.
 */
export function formatFromContentType(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined) return 'text';
  const semi = contentType.indexOf(';');
  const mediaType = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return mediaType === 'application/openmetrics-text' ? 'openmetrics' : 'text';
}

/**
 * A pull parser over a whole scrape body in the given format, accepting what Prometheus 3.x's
 * `textparse` accepts (see `promparse.ts` and `omparse.ts` for the exact syntax). OpenMetrics
 * `_created` lines come out as ordinary series, as in Prometheus without the
 * `created-timestamp-zero-ingestion` feature. Full OpenMetrics validation is
 * `validateOpenMetrics`, not this. The parser keeps a reference to `body`; do not modify it while
 * parsing.
 */
export function createParser(body: Buffer, format: ExpositionFormat): ExpositionParser {
  return format === 'openmetrics' ? new OpenMetricsParser(body) : new PromTextParser(body);
}
