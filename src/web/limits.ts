/**
 * Limits that keep one bad client from taking the server down, shared by every HTTP endpoint:
 * bounded decompression of request bodies (zip-bomb safe), a counter of refusals per limit, and
 * the query runner wrapper that counts query timeouts and sample-limit refusals and exports
 * upstream's engine concurrency gauges.
 *
 * The limits themselves and their answers (status, message) are upstream's:
 * - request body over `BODY_LIMIT` (server.ts): 400 `http: POST too large` on `/api/v1`, else 413;
 * - decompressed body over its bound: {@link DecompressError} (`tooLarge`), the caller answers
 *   (413 is the natural status; remote write keeps Prometheus's 400 with snappy's message);
 * - query past `--query.timeout`: 503, errorType `timeout`; past `--query.max-samples`: 422,
 *   errorType `execution`, `query processing would load too many samples into memory in query
 *   execution`; concurrent queries over `--query.max-concurrency` wait in a queue (their timeout
 *   runs there), as upstream — they are not refused.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PromQLError } from '../promql/index.js';
import { snappyDecode, snappyDecodedLength, SnappyError } from '../remote/snappy.js';
import type { WriteLimitName } from '../remote/write-limits.js';
import type { QueryRequest } from './query-exec.js';

/**
 * The limits counted in `lookout_http_limit_refusals_total{limit}`: the remote-write receiver's
 * series and label limits ({@link WriteLimitName}) and Loki push's streams per request
 * (`loki_push_streams`) besides the body, decompression and query limits.
 */
export type LimitName = 'body_size' | 'decompressed_size' | 'query_timeout' | 'query_max_samples' | 'loki_push_streams' | WriteLimitName;

const REFUSALS = 'lookout_http_limit_refusals_total';

/**
 * Counts one refusal by `limit` in `lookout_http_limit_refusals_total{limit}` on `registry`
 * (created there on first use, so every module holding the registry shares one counter). Does
 * nothing without a registry.
 */
export function countLimitRefusal(registry: Registry | undefined, limit: LimitName): void {
  if (!registry) return;
  let c = registry.getSingleMetric(REFUSALS) as Counter<'limit'> | undefined;
  c ??= new Counter({
    name: REFUSALS,
    help: 'Requests refused because they went past a limit (body size, decompressed size, query timeout, query samples, series or labels per push).',
    labelNames: ['limit'],
    registers: [registry],
  });
  c.inc({ limit });
}

/** Thrown by {@link decompressBounded}; `tooLarge` tells a size refusal from corrupt data. */
export class DecompressError extends Error {
  override name = 'DecompressError';
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/**
 * Decodes a request body by its `Content-Encoding` without ever holding more than `maxBytes` of
 * output: `snappy` (block format) is refused from its length header before anything is
 * allocated; `gzip`/`x-gzip` and `deflate` stop zlib at `maxBytes` (`maxOutputLength`);
 * `identity` or no encoding returns `body` itself when it fits.
 * @param body the raw request body
 * @param encoding the `Content-Encoding` header (case-insensitive; undefined = identity)
 * @param maxBytes most decoded bytes accepted
 * @param registry counts a size refusal as `decompressed_size` when given
 * @throws {DecompressError} `decompressed body larger than <max> bytes` (tooLarge), or the
 *   decoder's reason for corrupt input (`snappy: corrupt input`, zlib's message), or
 *   `unsupported Content-Encoding: <x>`.
 */
export function decompressBounded(body: Uint8Array, encoding: string | undefined, maxBytes: number, registry?: Registry): Buffer {
  const tooLarge = (): DecompressError => {
    countLimitRefusal(registry, 'decompressed_size');
    return new DecompressError(`decompressed body larger than ${maxBytes} bytes`, true);
  };
  const enc = (encoding ?? '').trim().toLowerCase();
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  switch (enc) {
    case '':
    case 'identity':
      if (buf.length > maxBytes) throw tooLarge();
      return buf;
    case 'snappy': {
      if (snappyDecodedLength(buf) > maxBytes) throw tooLarge();
      try {
        const out = snappyDecode(buf, maxBytes);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      } catch (e) {
        if (e instanceof SnappyError) throw new DecompressError(e.message, false);
        throw e;
      }
    }
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      try {
        return enc === 'deflate' ? inflateSync(buf, { maxOutputLength: maxBytes }) : gunzipSync(buf, { maxOutputLength: maxBytes });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
        throw new DecompressError((e as Error).message, false);
      }
    default:
      throw new DecompressError(`unsupported Content-Encoding: ${encoding}`, false);
  }
}

/** What `/api/v1/query` and `/api/v1/query_range` call (see `ApiV1Deps.queryRunner`). */
export interface QueryRunner {
  run(req: QueryRequest): Promise<string>;
}

/**
 * Wraps a query runner (the worker pool) to count refusals — `query_timeout` for `timeout`
 * errors, `query_max_samples` for the samples limit — and to export upstream's
 * `prometheus_engine_queries` (queries running or waiting) and
 * `prometheus_engine_queries_concurrent_max` (`--query.max-concurrency`) on `registry`.
 * Results and errors pass through unchanged.
 */
export function countingQueryRunner(runner: QueryRunner, registry: Registry, maxConcurrency: number): QueryRunner {
  const queries = new Gauge({ name: 'prometheus_engine_queries', help: 'The current number of queries being executed or waiting.', registers: [registry] });
  new Gauge({ name: 'prometheus_engine_queries_concurrent_max', help: 'The max number of concurrent queries.', registers: [registry] }).set(maxConcurrency);
  return {
    async run(req) {
      queries.inc();
      try {
        return await runner.run(req);
      } catch (e) {
        if (e instanceof PromQLError && e.type === 'timeout') countLimitRefusal(registry, 'query_timeout');
        else if (e instanceof PromQLError && e.message.startsWith('query processing would load too many samples')) countLimitRefusal(registry, 'query_max_samples');
        throw e;
      } finally {
        queries.dec();
      }
    },
  };
}
