/**
 * Content negotiation of a scrape, as Prometheus 3.x: the `Accept` header built from
 * `scrape_protocols`, and the choice of parser from the response's `Content-Type` with
 * `fallback_scrape_protocol` for missing or unknown types.
 */
import { SCRAPE_PROTOCOL_HEADERS, type EscapingScheme, type ScrapeProtocol } from '../config/prometheus.js';
import type { ExpositionFormat } from '../exposition/index.js';

/**
 * The `Accept` header for the configured protocols, most preferred first with descending
 * `q` weights and `*\/*` last, as upstream `acceptHeader`; the 1.0.0 text formats carry
 * `escaping=<scheme>`. `PrometheusProto` is left out: Lookout has no protobuf parser, so asking
 * for it would make targets answer in a format it cannot read.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[], escaping: EscapingScheme): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const p of protocols) {
    if (p === 'PrometheusProto') continue;
    let v = SCRAPE_PROTOCOL_HEADERS[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += `;escaping=${escaping}`;
    vals.push(`${v};q=0.${weight}`);
    weight--;
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

function protocolFormat(p: ScrapeProtocol): ExpositionFormat | null {
  if (p === 'PrometheusProto') return null;
  return p.startsWith('OpenMetrics') ? 'openmetrics' : 'text';
}

/**
 * The parser for a response, as upstream `textparse.extractMediaType`: `text/plain` → text,
 * `application/openmetrics-text` → OpenMetrics; a missing, unparsable or unknown type uses the
 * fallback protocol, or fails without one.
 * @throws {Error} with upstream's message, e.g. `non-compliant scrape target sending blank
 * Content-Type and no fallback_scrape_protocol specified for target`
 */
export function formatForContentType(contentType: string, fallback: ScrapeProtocol | ''): ExpositionFormat {
  const fb = fallback === '' ? null : protocolFormat(fallback);
  const useFallback = (err: string): ExpositionFormat => {
    if (fallback === '') throw new Error(err);
    if (fb === null) throw new Error(`fallback_scrape_protocol ${fallback} is not supported by Lookout (no protobuf parser)`);
    return fb;
  };
  if (contentType.trim() === '') {
    return useFallback('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  }
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) {
    return useFallback(`cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target`);
  }
  if (mediaType === 'text/plain') return 'text';
  if (mediaType === 'application/openmetrics-text') return 'openmetrics';
  if (mediaType === 'application/vnd.google.protobuf') {
    throw new Error('received protobuf exposition format, which Lookout cannot parse');
  }
  return useFallback(`received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`);
}
