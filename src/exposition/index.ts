/**
 * Exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0 text parsers (byte scanners in
 * the shape of Prometheus's `textparse`), a full OpenMetrics validator, and the text writer.
 */
export { createParser, formatFromContentType } from './parser.js';
export { EntryType, ExpositionParseError } from './types.js';
export type { Exemplar, ExpositionFormat, ExpositionParser, MetricType } from './types.js';
export { validateOpenMetrics } from './omvalidate.js';
export { TextWriter, formatValue } from './writer.js';
export { formatOpenMetricsFloat } from './float.js';
export { EXCERPT_MAX_BYTES, quoteExcerpt, quoteTextExcerpt, textExcerpt } from './excerpt.js';
