/**
 * Promtail's `pipeline_stages`: the stages `json`, `regex`, `labels`, `static_labels`, `timestamp`,
 * `output` and `match`, with promtail's field names and semantics. A pipeline runs per log line
 * over an {@link PipelineEntry}: the line, the labels it will be stored under, the "extracted map"
 * (promtail's name for values stages hand each other; it starts with the target's labels) and the
 * entry's time.
 *
 * Any other stage (`docker`, `cri`, `template`, `metrics`, `drop`, …) is refused at config time
 * with a {@link ConfigError} naming file:line.
 */
import { RE2JS } from 're2js';
import type { ConfigError, YNode } from '../../config/yaml.js';
import { isValidLabelName } from '../../model/labels.js';
import { Matcher, type MatchType } from '../../model/matcher.js';
import { goUnquote } from '../../model/goquote.js';
import { loadLocation, UTC, type GoLocation } from '../../template/gotime.js';
import type { LogTime } from '../types.js';
import { compileJsonPath, JmesPathError, type JsonPath } from './jmespath.js';
import { compileTimestampFormat, TimestampFormatError, type TimestampParser } from './timestamp.js';

/** The mutable state of one line going through a pipeline. */
export interface PipelineEntry {
  line: string;
  /** Stream labels being built (name → value); values are never empty. */
  readonly labels: Map<string, string>;
  /** Promtail's extracted map, every value as text (objects and arrays as JSON). */
  readonly extracted: Map<string, string>;
  /** The entry's time; null until a `timestamp` stage sets it (the read time is used then). */
  time: LogTime | null;
}

/** One compiled stage: returns false when the entry is dropped (a `match` stage with `action: drop`). */
export type Stage = (e: PipelineEntry) => boolean;

/** A compiled pipeline: runs each stage in order; false when the entry is dropped. */
export interface Pipeline {
  /** True when there are no stages (callers then skip building a {@link PipelineEntry}). */
  readonly empty: boolean;
  run(e: PipelineEntry): boolean;
}

/** Streams whose last parsed time a `timestamp` stage remembers for `fudge` (the map is cleared when full). */
const LAST_KNOWN_STREAMS = 10_000;

const SUPPORTED = ['json', 'regex', 'labels', 'static_labels', 'timestamp', 'output', 'match'];

/**
 * Compiles a `pipeline_stages` list (each item a one-key mapping such as `- json: {...}`).
 * @throws {ConfigError} at the offending line for an unknown or unsupported stage or a bad field
 */
export function compilePipeline(node: YNode | undefined): Pipeline {
  const stages = (node?.seq() ?? []).map(compileStage);
  return {
    empty: stages.length === 0,
    run(e) {
      for (const s of stages) if (!s(e)) return false;
      return true;
    },
  };
}

function compileStage(item: YNode): Stage {
  const entries = Object.entries(item.map(null, 'stage'));
  if (entries.length !== 1) throw item.error(`a pipeline stage is a mapping with exactly one key (the stage type), got ${entries.length}`);
  const [type, body] = entries[0]!;
  switch (type) {
    case 'json':
      return jsonStage(body);
    case 'regex':
      return regexStage(body);
    case 'labels':
      return labelsStage(body);
    case 'static_labels':
      return staticLabelsStage(body);
    case 'timestamp':
      return timestampStage(body);
    case 'output':
      return outputStage(body);
    case 'match':
      return matchStage(body);
    default:
      throw body.error(`pipeline stage "${type}" is not supported by Lookout (supported: ${SUPPORTED.join(', ')})`);
  }
}

/** Text of a JSON value as promtail hands it on: strings as they are, everything else as JSON. */
function jsonText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function wrap<T>(node: YNode, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof JmesPathError || e instanceof TimestampFormatError) throw node.error(e.message);
    throw e;
  }
}

function jsonStage(node: YNode): Stage {
  const m = node.map(['expressions', 'source', 'drop_malformed'], 'stages.JSONConfig');
  const exprs = m.expressions ? Object.entries(m.expressions.stringMap()) : [];
  if (exprs.length === 0) throw node.error('json stage: expressions are required');
  const paths: [string, JsonPath][] = exprs.map(([name, expr]) => [name, wrap(m.expressions!, () => compileJsonPath(expr || name))]);
  const source = m.source?.str() ?? '';
  const dropMalformed = m.drop_malformed?.bool() ?? false;
  return (e) => {
    const text = source ? e.extracted.get(source) : e.line;
    if (text === undefined) return true;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return !dropMalformed;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return !dropMalformed;
    for (const [name, path] of paths) {
      const v = path.get(doc);
      if (v !== undefined && v !== null) e.extracted.set(name, jsonText(v));
    }
    return true;
  };
}

function regexStage(node: YNode): Stage {
  const m = node.map(['expression', 'source'], 'stages.RegexConfig');
  const expr = m.expression?.str() ?? '';
  if (!expr) throw node.error('regex stage: expression is required');
  let re: RE2JS;
  try {
    // Go's regexp defaults (`.` does not match a newline), unanchored, as promtail.
    re = RE2JS.compile(expr, 0);
  } catch (e) {
    throw m.expression!.error(`could not compile regular expression: ${(e as Error).message}`);
  }
  const names = Object.keys(re.namedGroups());
  if (names.length === 0) throw m.expression!.error('regex stage: the expression has no named capture groups');
  const source = m.source?.str() ?? '';
  return (e) => {
    const text = source ? e.extracted.get(source) : e.line;
    if (text === undefined) return true;
    const match = re.matcher(text);
    if (!match.find()) return true;
    for (const n of names) {
      const v = match.group(n);
      if (v !== null) e.extracted.set(n, v);
    }
    return true;
  };
}

function labelName(node: YNode, name: string): string {
  if (!isValidLabelName(name)) throw node.error(`invalid label name ${JSON.stringify(name)}`);
  return name;
}

function labelsStage(node: YNode): Stage {
  const pairs = Object.entries(node.map(null, 'stages.LabelsConfig')).map(([name, v]) => [labelName(node, name), v.str() || name] as const);
  if (pairs.length === 0) throw node.error('labels stage: at least one label is required');
  return (e) => {
    for (const [name, source] of pairs) {
      const v = e.extracted.get(source);
      if (v !== undefined && v !== '') e.labels.set(name, v);
    }
    return true;
  };
}

function staticLabelsStage(node: YNode): Stage {
  const pairs = Object.entries(node.stringMap()).map(([name, v]) => [labelName(node, name), v] as const);
  return (e) => {
    for (const [name, v] of pairs) {
      if (v === '') e.labels.delete(name);
      else e.labels.set(name, v);
    }
    return true;
  };
}

function timestampStage(node: YNode): Stage {
  const m = node.map(['source', 'format', 'fallback_formats', 'location', 'action_on_failure'], 'stages.TimestampConfig');
  const source = m.source?.str() ?? '';
  if (!source) throw node.error('timestamp stage: source is required');
  const format = m.format?.str() ?? '';
  if (!format) throw node.error('timestamp stage: format is required');
  let location: GoLocation = UTC;
  if (m.location && !m.location.isNull) {
    try {
      location = loadLocation(m.location.str());
    } catch (e) {
      throw m.location.error((e as Error).message);
    }
  }
  const parsers: TimestampParser[] = [format, ...(m.fallback_formats?.strings() ?? [])].map((f) =>
    wrap(m.format!, () => compileTimestampFormat(f, location)),
  );
  const action = m.action_on_failure?.str() || 'fudge';
  if (action !== 'fudge' && action !== 'skip') throw m.action_on_failure!.error(`invalid action_on_failure ${JSON.stringify(action)} (fudge or skip)`);
  // `fudge`: an unparsable time becomes the stream's last known time plus 1 ns, as promtail (which
  // keys its last known times by the entry's label set at this stage).
  const last = new Map<string, LogTime>();
  const streamKey = (e: PipelineEntry) => [...e.labels].sort((a, b) => (a[0] < b[0] ? -1 : 1)).join('\xff');
  return (e) => {
    const v = e.extracted.get(source);
    if (v === undefined) return true;
    for (const p of parsers) {
      const t = p.parse(v);
      if (t) {
        e.time = t;
        if (action === 'fudge') {
          if (last.size >= LAST_KNOWN_STREAMS) last.clear();
          last.set(streamKey(e), t);
        }
        return true;
      }
    }
    const k = action === 'fudge' ? streamKey(e) : '';
    const prev = last.get(k);
    if (prev) {
      const t = prev.nanos < 999_999 ? { ms: prev.ms, nanos: prev.nanos + 1 } : { ms: prev.ms + 1, nanos: 0 };
      last.set(k, t);
      e.time = t;
    }
    return true;
  };
}

function outputStage(node: YNode): Stage {
  const m = node.map(['source'], 'stages.OutputConfig');
  const source = m.source?.str() ?? '';
  if (!source) throw node.error('output stage: source is required');
  return (e) => {
    const v = e.extracted.get(source);
    if (v !== undefined) e.line = v;
    return true;
  };
}

function matchStage(node: YNode): Stage {
  const m = node.map(['selector', 'stages', 'action', 'pipeline_name', 'drop_counter_reason'], 'stages.MatcherConfig');
  if (!m.selector) throw node.error('match stage: selector is required');
  const matchers = parseSelector(m.selector);
  const action = m.action?.str() || 'keep';
  if (action !== 'keep' && action !== 'drop') throw m.action!.error(`invalid action ${JSON.stringify(action)} (keep or drop)`);
  if (action === 'keep' && !m.stages) throw node.error('match stage: stages are required with action keep');
  const inner = compilePipeline(m.stages);
  return (e) => {
    for (const mt of matchers) if (!mt.matches(e.labels.get(mt.name) ?? '')) return true;
    return action === 'drop' ? false : inner.run(e);
  };
}

/**
 * A LogQL stream selector `{name op "value", …}` (no line filters or parsers: promtail allows them
 * in `match` selectors; Lookout refuses them).
 * @throws {ConfigError}
 */
function parseSelector(node: YNode): Matcher[] {
  const text = node.str().trim();
  const fail = (why: string): ConfigError => node.error(`invalid selector ${JSON.stringify(text)}: ${why}`);
  if (!text.startsWith('{') || !text.endsWith('}')) throw fail('Lookout supports stream selectors {name="value", …} only');
  const body = text.slice(1, -1);
  const out: Matcher[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const mm = re.exec(body);
    if (!mm) throw fail(`unexpected text at ${JSON.stringify(body.slice(pos, pos + 20))}`);
    let value: string;
    try {
      value = mm[3]!.startsWith('`') ? mm[3]!.slice(1, -1) : goUnquote(mm[3]!);
      out.push(new Matcher(mm[2] as MatchType, mm[1]!, value));
    } catch (e) {
      throw fail((e as Error).message);
    }
    pos = re.lastIndex;
    if (mm[4] === '' && pos < body.length) throw fail('expected ","');
  }
  if (out.length === 0) throw fail('at least one matcher is required');
  return out;
}
