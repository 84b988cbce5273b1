/**
 * A compiled LogQL pipeline: the stages of a log selector turned once into closures that run per
 * entry over one reused {@link EntryState} (no object per entry unless a stage changes labels).
 * Semantics follow Loki's `log` package: parsed labels that collide with stream labels get the
 * suffix `_extracted`; a failing parser or label filter sets `__error__` (`JSONParserErr`,
 * `LogfmtParserErr`, `LabelFilterErr`, `TemplateFormatErr`, `SampleExtractionErr`) and
 * `__error_details__`, after which only `__error__` string filters can drop the entry.
 */
import { compareStrings, EMPTY_LABELS, get as getLabel, has as hasLabel, type Labels } from '../../model/labels.js';
import { parseGoFloat } from '../../model/gofloat.js';
import { RegexSyntaxError } from '../../model/regex.js';
import { Template, TemplateError } from '../../template/index.js';
import type { CmpOp, LabelFilter, Stage, Unwrap } from './ast.js';
import { LogQLParseError } from './errors.js';
import {
  compilePattern,
  extractJson,
  extractJsonPaths,
  extractLogfmt,
  parseJsonPath,
  unpackJson,
  type LabelSink,
} from './extract.js';
import { compileLineRegex } from './regex.js';
import { logqlFuncs, type CurrentEntry } from './template-funcs.js';
import { parseBytes, parseGoDurationSeconds } from './units.js';

/** The label holding a pipeline error, as Loki's `logqlmodel.ErrorLabel`. */
export const ERROR_LABEL = '__error__';
/** The label holding a pipeline error's detail. */
export const ERROR_DETAILS_LABEL = '__error_details__';
const DUPLICATE_SUFFIX = '_extracted';
/** ANSI escape sequences (colours, cursor control) that `decolorize` removes. */
const ANSI_ESCAPE = /[\u001b\u009b][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

/**
 * The entry being processed: time, line and labels. Labels start as the stream's plus the
 * entry's structured metadata; they are copied into reused arrays only when a stage changes them.
 */
export class EntryState implements LabelSink {
  line = '';
  ms = 0;
  nanos = 0;
  private base: Labels = EMPTY_LABELS;
  private meta: Labels = EMPTY_LABELS;
  /** Current labels once loaded: `names[i] = values[i]` for i < n, unordered (reused arrays). */
  private readonly names_: string[] = [];
  private readonly values: string[] = [];
  private n = 0;
  private loaded = false;
  private dirty = false;

  /** Starts a new entry of a stream labelled `base` with structured metadata `meta`. */
  reset(base: Labels, meta: Labels, line: string, ms: number, nanos: number): void {
    this.base = base;
    this.meta = meta;
    this.line = line;
    this.ms = ms;
    this.nanos = nanos;
    this.loaded = false;
    this.dirty = false;
  }

  private load(): void {
    if (this.loaded) return;
    this.n = 0;
    for (let i = 0; i < this.base.length; i += 2) {
      this.names_[this.n] = this.base[i]!;
      this.values[this.n++] = this.base[i + 1]!;
    }
    for (let i = 0; i < this.meta.length; i += 2) this.store(this.meta[i]!, this.meta[i + 1]!);
    this.loaded = true;
  }

  private indexOf(name: string): number {
    const names = this.names_;
    for (let i = 0; i < this.n; i++) if (names[i] === name) return i;
    return -1;
  }

  private store(name: string, value: string): void {
    const i = this.indexOf(name);
    if (i >= 0) this.values[i] = value;
    else {
      this.names_[this.n] = name;
      this.values[this.n++] = value;
    }
  }

  /** The current value of label `name`, `''` when absent. */
  get(name: string): string {
    if (!this.loaded) {
      const v = getLabel(this.meta, name);
      return v !== '' ? v : getLabel(this.base, name);
    }
    const i = this.indexOf(name);
    return i >= 0 ? this.values[i]! : '';
  }

  /** Whether label `name` is present (with any value). */
  has(name: string): boolean {
    if (!this.loaded) return hasLabel(this.meta, name) || hasLabel(this.base, name);
    return this.indexOf(name) >= 0;
  }

  /**
   * Only these extracted labels are kept (Loki's parser hints: a metric query grouped `by` some
   * labels needs no others); null keeps all. Set once per query.
   */
  only: ReadonlySet<string> | null = null;

  /** Sets a label a parser extracted: `name_extracted` when the stream already has `name`. */
  set(name: string, value: string): void {
    if (name === '') return;
    if (hasLabel(this.base, name)) name += DUPLICATE_SUFFIX;
    if (this.only !== null && !this.only.has(name)) return;
    this.put(name, value);
  }

  /** Whether {@link set} would keep a label extracted as `name`. */
  wants(name: string): boolean {
    return this.only === null || this.only.has(name) || this.only.has(name + DUPLICATE_SUFFIX);
  }

  /** Sets label `name` as is (format stages). */
  put(name: string, value: string): void {
    this.load();
    this.store(name, value);
    this.dirty = true;
  }

  /** Removes label `name`. */
  del(name: string): void {
    this.load();
    const i = this.indexOf(name);
    if (i < 0) return;
    this.n--;
    this.names_[i] = this.names_[this.n]!;
    this.values[i] = this.values[this.n]!;
    this.dirty = true;
  }

  /** Whether a pipeline error is set. */
  hasErr(): boolean {
    return this.get(ERROR_LABEL) !== '';
  }

  /** Records a pipeline error (the first one wins, as Loki). */
  setErr(err: string, details: string): void {
    if (this.hasErr()) return;
    this.put(ERROR_LABEL, err);
    if (details !== '') this.put(ERROR_DETAILS_LABEL, details);
  }

  /** Names of the current labels (a new array). */
  names(): string[] {
    this.load();
    return this.names_.slice(0, this.n);
  }

  /** The current labels as a template's data: a map of name to value. */
  data(): Map<string, string> {
    this.load();
    const m = new Map<string, string>();
    for (let i = 0; i < this.n; i++) m.set(this.names_[i]!, this.values[i]!);
    return m;
  }

  /**
   * The current label set, sorted, empty values left out. Returns the stream's own label set
   * object when no stage changed labels and there is no metadata, so callers can cache by identity.
   */
  labels(): Labels {
    if (!this.dirty && this.meta.length === 0) return this.base;
    this.load();
    const order: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.values[i] !== '') order.push(i);
    order.sort((a, b) => compareStrings(this.names_[a]!, this.names_[b]!));
    const out: string[] = new Array(order.length * 2);
    for (let k = 0; k < order.length; k++) {
      out[2 * k] = this.names_[order[k]!]!;
      out[2 * k + 1] = this.values[order[k]!]!;
    }
    return out;
  }
}

/** One compiled stage: false drops the entry. */
export type StageFn = (s: EntryState) => boolean;

/** A compiled pipeline. */
export interface Pipeline {
  /** Runs every stage; false when a stage dropped the entry. */
  process(s: EntryState): boolean;
}

/**
 * Compiles `stages` once per query.
 * @throws {LogQLParseError} for an invalid template, regexp, pattern or JSON path (no position).
 */
export function compilePipeline(stages: readonly Stage[]): Pipeline {
  const fns = stages.map(compileStage);
  const n = fns.length;
  return {
    process(s) {
      for (let i = 0; i < n; i++) if (!fns[i]!(s)) return false;
      return true;
    },
  };
}

function compileStage(st: Stage): StageFn {
  switch (st.kind) {
    case 'lineFilter':
      return compileLineFilter(st.op, st.values);
    case 'json': {
      if (st.params.length === 0) {
        return (s) => {
          const err = extractJson(s.line, s);
          if (err !== null) s.setErr('JSONParserErr', err);
          return true;
        };
      }
      const names = st.params.map((p) => p.name);
      const paths = st.params.map((p) => {
        try {
          return parseJsonPath(p.path);
        } catch (e) {
          throw new LogQLParseError((e as Error).message, 0, 0, -1);
        }
      });
      return (s) => {
        const err = extractJsonPaths(s.line, names, paths, s);
        if (err !== null) s.setErr('JSONParserErr', err);
        return true;
      };
    }
    case 'logfmt': {
      const { strict, keepEmpty } = st;
      if (st.params.length === 0) {
        return (s) => {
          const err = extractLogfmt(s.line, strict, keepEmpty, s);
          if (err !== null) s.setErr('LogfmtParserErr', err);
          return true;
        };
      }
      const wanted = new Map<string, string[]>();
      for (const p of st.params) wanted.set(p.path, [...(wanted.get(p.path) ?? []), p.name]);
      const pick: LabelSink & { target: EntryState | null } = {
        target: null,
        set(key, value) {
          const names = wanted.get(key);
          if (names) for (const n of names) this.target!.set(n, value);
        },
      };
      return (s) => {
        pick.target = s;
        const err = extractLogfmt(s.line, strict, keepEmpty, pick);
        if (err !== null) s.setErr('LogfmtParserErr', err);
        return true;
      };
    }
    case 'regexp': {
      let re;
      try {
        re = compileLineRegex(st.pattern);
      } catch (e) {
        throw new LogQLParseError(e instanceof RegexSyntaxError ? e.message : String(e), 0, 0, -1);
      }
      const entries = Object.entries(re.named);
      return (s) => {
        const g = re.exec(s.line);
        if (g) for (const [name, idx] of entries) s.set(name, g[idx] ?? '');
        return true;
      };
    }
    case 'pattern': {
      let p;
      try {
        p = compilePattern(st.pattern);
      } catch (e) {
        throw new LogQLParseError((e as Error).message, 0, 0, -1);
      }
      return (s) => {
        p.match(s.line, s);
        return true;
      };
    }
    case 'unpack':
      return (s) => {
        const r = unpackJson(s.line, s);
        if (r.error !== null) s.setErr('JSONParserErr', r.error);
        else s.line = r.line;
        return true;
      };
    case 'decolorize':
      return (s) => {
        if (s.line.indexOf('\u001b') >= 0 || s.line.indexOf('\u009b') >= 0) s.line = s.line.replace(ANSI_ESCAPE, '');
        return true;
      };
    case 'labelFilter':
      return compileLabelFilter(st.filter);
    case 'lineFormat': {
      const current: CurrentEntry = { line: '', ms: 0, nanos: 0 };
      const t = compileTemplate(st.template, current);
      return (s) => {
        current.line = s.line;
        current.ms = s.ms;
        current.nanos = s.nanos;
        try {
          s.line = t.execute('line', s.data());
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          s.setErr('TemplateFormatErr', e.message);
        }
        return true;
      };
    }
    case 'labelFormat': {
      const current: CurrentEntry = { line: '', ms: 0, nanos: 0 };
      const items = st.items.map((it) => ({ name: it.name, rename: it.rename, t: it.template !== undefined ? compileTemplate(it.template, current) : null }));
      return (s) => {
        current.line = s.line;
        current.ms = s.ms;
        current.nanos = s.nanos;
        const data = items.some((it) => it.t) ? s.data() : null;
        for (const it of items) {
          if (it.t) {
            try {
              s.put(it.name, it.t.execute('line', data));
            } catch (e) {
              if (!(e instanceof TemplateError)) throw e;
              s.setErr('TemplateFormatErr', e.message);
            }
          } else if (s.has(it.rename!)) {
            const v = s.get(it.rename!);
            s.del(it.rename!);
            s.put(it.name, v);
          }
        }
        return true;
      };
    }
    case 'drop': {
      const items = st.items;
      return (s) => {
        for (const it of items) {
          if (!s.has(it.name)) continue;
          if (!it.matcher || it.matcher.matches(s.get(it.name))) s.del(it.name);
        }
        return true;
      };
    }
    case 'keep': {
      const items = st.items;
      return (s) => {
        for (const name of s.names()) {
          let keep = false;
          for (const it of items) {
            if (it.name === name && (!it.matcher || it.matcher.matches(s.get(name)))) {
              keep = true;
              break;
            }
          }
          if (!keep) s.del(name);
        }
        return true;
      };
    }
  }
}

function compileTemplate(text: string, current: CurrentEntry): Template {
  try {
    return new Template(logqlFuncs(current)).parse('line', text);
  } catch (e) {
    if (e instanceof TemplateError) throw new LogQLParseError(e.message, 0, 0, -1);
    throw e;
  }
}

function compileLineFilter(op: string, values: readonly string[]): StageFn {
  if (op === '|=' || op === '!=') {
    const neg = op === '!=';
    if (values.length === 1) {
      const v = values[0]!;
      return neg ? (s) => !s.line.includes(v) : (s) => s.line.includes(v);
    }
    return (s) => {
      for (const v of values) if (s.line.includes(v)) return !neg;
      return neg;
    };
  }
  if (op === '|>' || op === '!>') {
    const neg = op === '!>';
    const patterns = values.map((v) => compilePattern(v, false));
    const ignore: LabelSink = { set() {} };
    return (s) => {
      for (const p of patterns) if (p.match(s.line, ignore)) return !neg;
      return neg;
    };
  }
  const neg = op === '!~';
  const res = values.map((v) => compileLineRegex(v));
  return (s) => {
    for (const re of res) if (re.test(s.line)) return !neg;
    return neg;
  };
}

function compare(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

/** Names of the labels a label filter reads. */
export function filterLabelNames(f: LabelFilter, out: Set<string>): Set<string> {
  switch (f.kind) {
    case 'and':
    case 'or':
      filterLabelNames(f.left, out);
      filterLabelNames(f.right, out);
      break;
    case 'string':
      out.add(f.matcher.name);
      break;
    default:
      out.add(f.name);
  }
  return out;
}

/**
 * The extracted labels a metric query grouped by `byNames` can use, as Loki's parser hints: the
 * grouping labels, those read by label filters and `unwrap`, and the error labels. Null (keep
 * all) when a stage can move or print labels (formats, drop, keep, unpack).
 */
export function requiredLabels(stages: readonly Stage[], byNames: readonly string[], unwrap: Unwrap | undefined): Set<string> | null {
  const out = new Set<string>([...byNames, ERROR_LABEL, ERROR_DETAILS_LABEL]);
  for (const st of stages) {
    if (st.kind === 'lineFormat' || st.kind === 'labelFormat' || st.kind === 'drop' || st.kind === 'keep' || st.kind === 'unpack') return null;
    if (st.kind === 'labelFilter') filterLabelNames(st.filter, out);
  }
  if (unwrap) {
    out.add(unwrap.label);
    for (const f of unwrap.postFilters) filterLabelNames(f, out);
  }
  return out;
}

/** Compiles a label filter (also used after `unwrap`). */
export function compileLabelFilter(f: LabelFilter): StageFn {
  switch (f.kind) {
    case 'and': {
      const l = compileLabelFilter(f.left);
      const r = compileLabelFilter(f.right);
      return (s) => l(s) && r(s);
    }
    case 'or': {
      const l = compileLabelFilter(f.left);
      const r = compileLabelFilter(f.right);
      return (s) => l(s) || r(s);
    }
    case 'string': {
      const m = f.matcher;
      if (m.name === ERROR_LABEL) return (s) => m.matches(s.get(ERROR_LABEL));
      return (s) => s.hasErr() || m.matches(s.get(m.name));
    }
    default: {
      const { name, op, value, kind } = f;
      const parse = kind === 'numeric' ? parseGoFloat : kind === 'duration' ? parseGoDurationSeconds : parseBytes;
      return (s) => {
        if (s.hasErr()) return true;
        if (!s.has(name)) return false;
        const raw = s.get(name);
        const v = parse(raw);
        if (v === undefined) {
          s.setErr('LabelFilterErr', labelFilterDetail(kind, raw));
          return true;
        }
        return compare(op, v, value);
      };
    }
  }
}

function labelFilterDetail(kind: string, raw: string): string {
  if (kind === 'numeric') return `strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`;
  if (kind === 'duration') return `time: invalid duration ${JSON.stringify(raw)}`;
  return `strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`;
}
