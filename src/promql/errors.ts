/**
 * PromQL errors, shaped as the Prometheus HTTP API reports them (`errorType` + `error`).
 *
 * Parse errors read `<line>:<col>: parse error: <reason>` where line and column are 1-based and
 * the column counts bytes of UTF-8 from the start of the line, as upstream `posrange.StartPosInput`.
 */

/** The API error classes a query can fail with. */
export type PromQLErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled';

/** A half-open range `[start, end)` of byte offsets into the query text. */
export interface PositionRange {
  start: number;
  end: number;
}

/** Error thrown by the parser (`bad_data`) and the engine (`execution`, …). */
export class PromQLError extends Error {
  /**
   * @param type API error type: `bad_data` for parse and type errors, `execution` for evaluation errors.
   * @param message the full message, e.g. `1:14: parse error: unexpected <op:+>`.
   * @param positionRange for parse errors: byte offsets into the query `[start, end)`.
   */
  constructor(
    readonly type: PromQLErrorType,
    message: string,
    readonly positionRange?: PositionRange,
  ) {
    super(message);
    this.name = 'PromQLError';
  }
}

/**
 * A parse failure at UTF-16 range `[start, end)` of the query; `parseExpr` turns it into a
 * {@link PromQLError}. Internal to the parser and type checker.
 */
export class ParseFailure extends Error {
  constructor(
    readonly start: number,
    readonly end: number,
    message: string,
  ) {
    super(message);
    this.name = 'ParseFailure';
  }
}

/** Number of UTF-8 bytes of `s` before UTF-16 index `index`. */
function byteOffset(s: string, index: number): number {
  let bytes = 0;
  const end = Math.min(index, s.length);
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes + Math.max(0, index - s.length);
}

/**
 * `line:col` of UTF-16 index `index` in `query`, as upstream `PositionRange.StartPosInput`: line is
 * 1-based, col is the byte distance from the last line break (so the first column is 1).
 */
export function lineCol(query: string, index: number): string {
  if (query === '') return 'unknown position';
  if (index < 0 || index > query.length) return 'invalid position';
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < index; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  const col = byteOffset(query, index) - (lastBreak < 0 ? -1 : byteOffset(query, lastBreak));
  return `${line}:${col}`;
}

/**
 * A parse error for the query: message `line:col: parse error: reason`, type `bad_data`, position
 * range converted to byte offsets. `start`/`end` are UTF-16 indexes into `query`.
 */
export function parseError(query: string, start: number, end: number, reason: string): PromQLError {
  return new PromQLError('bad_data', `${lineCol(query, start)}: parse error: ${reason}`, {
    start: byteOffset(query, start),
    end: byteOffset(query, end),
  });
}
