/**
 * LogQL errors, worded as Loki's `logqlmodel` reports them. A parse error reads
 * `parse error at line 1, col 5: syntax error: unexpected IDENTIFIER` (line and column 1-based,
 * the column counting characters of the line, as Go's `text/scanner` which Loki's lexer uses), or
 * `parse error : <reason>` for a semantic error without a position (Loki's line 0, col 0).
 * The HTTP API answers both with status 400 and the message as plain text.
 */

/** A query that does not parse or is not valid LogQL; `line`/`col` are 0 when there is no position. */
export class LogQLParseError extends Error {
  /**
   * @param reason the message after the position, e.g. `syntax error: unexpected }`.
   * @param line 1-based line of the offending token, 0 for none.
   * @param col 1-based column (characters) of the offending token, 0 for none.
   * @param offset UTF-16 index of the offending token in the query, -1 for none.
   */
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly col: number,
    readonly offset: number,
  ) {
    super(line === 0 && col === 0 ? `parse error : ${reason}` : `parse error at line ${line}, col ${col}: ${reason}`);
    this.name = 'LogQLParseError';
  }
}

/**
 * An evaluation failure the user caused (Loki answers 400): a pipeline error left in a metric
 * query's series (Loki's `ErrPipeline`), a limit exceeded, or an invalid parameter.
 */
export class LogQLExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogQLExecError';
  }
}

/** A query that ran past its deadline (Loki answers 504 with this text). */
export class LogQLTimeoutError extends Error {
  constructor() {
    super('Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.');
    this.name = 'LogQLTimeoutError';
  }
}

/** 1-based `{line, col}` (col in characters) of UTF-16 index `index` in `text`. */
export function positionOf(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      col = 1;
    } else if (c < 0xdc00 || c > 0xdfff) col++;
  }
  return { line, col };
}
