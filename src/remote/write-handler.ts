/**
 * The remote-write receiver behind `POST /api/v1/write`, as Prometheus 2.42's
 * `storage/remote/write_handler.go`: the body is a snappy-compressed `WriteRequest`; every sample
 * of every series is appended through one appender; the first rejected sample rolls the whole
 * request back. Answers (text bodies end in a newline, as Go's `http.Error`):
 *
 * - 204 and an empty body on success;
 * - 400 `snappy: corrupt input` / protobuf errors for a body that does not decode;
 * - 400 `out of order sample`, `duplicate sample for timestamp`, `out of bounds` for samples the
 *   TSDB refuses (so senders do not retry them);
 * - 500 for anything else, e.g. `empty labelset: invalid sample`, a duplicate label name, a WAL
 *   write error (senders retry those).
 *
 * - 400 with Mimir's wording for a request past the receiver's size limits (write-limits.ts),
 *   checked before anything is appended.
 *
 * Labels are stored as sent, sorted by name, with empty-valued labels dropped (upstream
 * `WithoutEmpty`). Exemplars and metadata in the request are accepted and ignored.
 */
import type { Labels } from '../model/labels.js';
import { AppendResult, type Storage } from '../tsdb/types.js';
import { decodeWriteRequest, ProtoDecodeError } from './proto.js';
import { snappyDecode, SnappyError } from './snappy.js';
import { checkWriteLimits, DEFAULT_WRITE_LIMITS, type WriteLimitName, type WriteLimits } from './write-limits.js';

/** Default bound of a decoded write request (bytes): 32 MiB, as upstream's decode limit. */
export const DEFAULT_MAX_DECODED_BYTES = 32 << 20;

/** snappy's refusal of a block whose header announces more than the bound. */
const TOO_LARGE = 'snappy: decoded block is too large';

/** A plain HTTP answer for the web layer to send. */
export interface RemoteHTTPResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };

function text(status: number, msg: string): RemoteHTTPResponse {
  return { status, headers: { ...TEXT }, body: `${msg}\n` };
}

/** Upstream error texts of the append results answered with 400 (the sender must not retry them). */
const APPEND_ERRORS: Record<number, string> = {
  [AppendResult.OutOfOrder]: 'out of order sample',
  [AppendResult.Duplicate]: 'duplicate sample for timestamp',
  [AppendResult.OutOfBounds]: 'out of bounds',
};

/** Thrown by {@link seriesLabels} for a label set the TSDB cannot hold (upstream `ErrInvalidSample`). */
class InvalidSampleError extends Error {}

/**
 * Label strings `ls[from … to)` (name, value pairs as sent) → a valid sorted label set: empty values
 * dropped, sorted by name.
 * @throws {InvalidSampleError} for an empty set or a repeated name (upstream texts).
 */
export function seriesLabels(ls: readonly string[], from: number, to: number): Labels {
  const idx: number[] = [];
  for (let i = from; i < to; i += 2) if (ls[i + 1] !== '') idx.push(i);
  if (idx.length === 0) throw new InvalidSampleError('empty labelset: invalid sample');
  idx.sort((a, b) => (ls[a]! < ls[b]! ? -1 : ls[a]! > ls[b]! ? 1 : 0));
  const out: string[] = new Array(idx.length * 2);
  for (let k = 0; k < idx.length; k++) {
    const name = ls[idx[k]!]!;
    if (k > 0 && out[2 * k - 2] === name) throw new InvalidSampleError(`label name "${name}" is not unique: invalid sample`);
    if (name === '') throw new InvalidSampleError('label set has an empty label name: invalid sample');
    out[2 * k] = name;
    out[2 * k + 1] = ls[idx[k]! + 1]!;
  }
  return out;
}

/** Optional receiver settings of {@link handleRemoteWrite}. */
export interface RemoteWriteOptions {
  /** Size limits (default {@link DEFAULT_WRITE_LIMITS}). */
  limits?: WriteLimits;
  /**
   * Called once per refused request with the limit it went past: a {@link WriteLimitName}, or
   * `decompressed_size` when the snappy body decodes to more than `maxDecodedBytes`.
   */
  onRefusal?: (limit: WriteLimitName | 'decompressed_size') => void;
}

/**
 * Handles one remote-write request body (as received, snappy-compressed).
 * `maxDecodedBytes` bounds the decompressed size (default {@link DEFAULT_MAX_DECODED_BYTES}).
 * Never throws: every failure is an HTTP answer.
 */
export function handleRemoteWrite(storage: Storage, body: Uint8Array, maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES, opts: RemoteWriteOptions = {}): RemoteHTTPResponse {
  let req;
  try {
    req = decodeWriteRequest(snappyDecode(body, maxDecodedBytes));
  } catch (e) {
    if (e instanceof SnappyError && e.message === TOO_LARGE) opts.onRefusal?.('decompressed_size');
    if (e instanceof SnappyError || e instanceof ProtoDecodeError) return text(400, e.message);
    throw e;
  }
  const refused = checkWriteLimits(req, opts.limits ?? DEFAULT_WRITE_LIMITS);
  if (refused) {
    opts.onRefusal?.(refused.limit);
    return text(400, refused.message);
  }
  const app = storage.appender();
  try {
    for (let s = 0; s < req.series; s++) {
      const from = req.sampleStart[s]!;
      const to = req.sampleStart[s + 1]!;
      if (from === to) continue;
      const labels = seriesLabels(req.labels, req.labelStart[s]!, req.labelStart[s + 1]!);
      const ref = app.seriesRef(labels);
      for (let i = from; i < to; i++) {
        const r = app.append(ref, req.ts[i]!, req.vs[i]!);
        if (r === AppendResult.Ok) continue;
        app.rollback();
        const msg = APPEND_ERRORS[r];
        return msg ? text(400, msg) : text(500, 'unknown series');
      }
    }
    app.commit();
  } catch (e) {
    app.rollback();
    return text(500, (e as Error).message);
  }
  return { status: 204, headers: {}, body: '' };
}
