/**
 * Parameters of Loki's label, series and index-stats APIs: the time range (`start`, `end`,
 * `since`) and stream selectors (`match[]`, `query`), parsed as Loki's `loghttp` package does.
 * Times use LogQL's {@link parseLokiTime}; selectors LogQL's parser, so messages are Loki's.
 */
import type { Matcher } from '../model/matcher.js';
import { parseDuration } from '../model/time.js';
import { LokiParamError, parseLokiTime } from '../logs/logql/api.js';
import { LogQLParseError } from '../logs/logql/errors.js';
import { parseLogQL } from '../logs/logql/parser.js';
import type { LogTime } from '../logs/types.js';

export { LokiParamError };

/**
 * `start`/`end` (and `since`) of a request, as Loki's `bounds`: `end` defaults to now, `start` to
 * `end − since`, `since` to `defaultSinceMs`.
 * @throws {LokiParamError} for unparsable values or `end` before `start`.
 */
export function lokiBounds(q: URLSearchParams, defaultSinceMs: number, nowMs: number): { start: LogTime; end: LogTime } {
  const end = parseLokiTime(q.get('end'), { ms: nowMs, nanos: 0 });
  let since = defaultSinceMs;
  const sinceText = q.get('since') ?? '';
  if (sinceText !== '') {
    try {
      since = parseDuration(sinceText);
    } catch {
      throw new LokiParamError(`cannot parse "${sinceText}" to a valid duration`);
    }
  }
  const start = parseLokiTime(q.get('start'), { ms: end.ms - since, nanos: end.nanos });
  if (end.ms < start.ms || (end.ms === start.ms && end.nanos < start.nanos)) {
    throw new LokiParamError('end timestamp must not be before or equal to start time');
  }
  return { start, end };
}

/**
 * The matchers of a stream selector (`{app="x", env=~"p.*"}`; a pipeline after it is ignored, as
 * Loki's `ParseMatchers`). LogQL's rule applies: at least one matcher must not match the empty
 * value.
 * @throws {LokiParamError} with LogQL's parse error message.
 */
export function parseStreamSelector(text: string): Matcher[] {
  let expr;
  try {
    expr = parseLogQL(text);
  } catch (e) {
    if (e instanceof LogQLParseError) throw new LokiParamError(e.message);
    throw e;
  }
  if (expr.kind !== 'log') throw new LokiParamError(`only stream selectors are allowed here, got a metric query: ${text}`);
  return [...expr.matchers];
}
