/**
 * YAML reading with positions, shared by every config loader (prometheus.yml, rule files,
 * alertmanager.yml). A {@link YNode} wraps one YAML node with its file, line, column and dotted
 * field path; typed accessors throw {@link ConfigError}s that name all of them, e.g.
 * `config/prometheus.yml:12:5: scrape_configs[0].scrape_interval: not a valid duration string: "5x"`.
 *
 * Unknown mapping keys are errors, as upstream's strict YAML unmarshalling
 * ("field X not found in type Y").
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { parseDuration, TimeParseError } from '../model/time.js';

/** A configuration error located at file:line:column and a field path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

/** One YAML node with its location. Aliases (`*name`) are resolved to their anchored node. */
export class YNode {
  private readonly node: Node | null;

  constructor(
    readonly file: string,
    /** Dotted path of the field, e.g. `scrape_configs[0].job_name`; `''` for the document root. */
    readonly path: string,
    node: Node | null,
    private readonly lines: LineCounter,
    private readonly fallbackOffset: number,
    /** The document, for resolving aliases; without it aliases stay unresolved. */
    private readonly doc?: Document,
  ) {
    this.node = doc ? resolveAlias(node, doc) : node;
  }

  /** 1-based line of the node (of its parent key when the value is missing). */
  get line(): number {
    return this.lines.linePos(this.offset).line;
  }

  /** 1-based column of the node. */
  get column(): number {
    return this.lines.linePos(this.offset).col;
  }

  private get offset(): number {
    return this.node?.range?.[0] ?? this.fallbackOffset;
  }

  /** True for a missing value or an explicit YAML null / empty value. */
  get isNull(): boolean {
    return this.node === null || (isScalar(this.node) && this.node.value === null);
  }

  /** A {@link ConfigError} located at this node. */
  error(reason: string): ConfigError {
    return new ConfigError(this.file, this.line, this.column, this.path, reason);
  }

  /**
   * The entries of a mapping, keyed by name. Keys not in `allowed` are rejected with
   * `field <key> not found in type <typeName>` at the key's position. A null node gives `{}`.
   */
  map(allowed: readonly string[] | null, typeName = 'config'): Record<string, YNode> {
    if (this.isNull) return {};
    const n = this.node;
    if (!isMap(n)) throw this.error(`expected a mapping, got ${describe(n)}`);
    const out: Record<string, YNode> = Object.create(null);
    const merged: YNode[] = [];
    for (const pair of n.items) {
      const k = pair.key as Node | null;
      const keyOffset = k?.range?.[0] ?? this.offset;
      if (isScalar(k) && isMergeKey(k.value) && this.doc) {
        const v = new YNode(this.file, this.path, (pair.value as Node | null) ?? null, this.lines, keyOffset, this.doc);
        merged.push(...(isSeq(v.node) ? v.seq() : [v]));
        continue;
      }
      const name = isScalar(k) ? this.scalarText(k.value, undefined, keyOffset) : '';
      if (allowed && !allowed.includes(name)) {
        const pos = this.lines.linePos(keyOffset);
        throw new ConfigError(this.file, pos.line, pos.col, this.child(name), `field ${name} not found in type ${typeName}`);
      }
      out[name] = new YNode(this.file, this.child(name), (pair.value as Node | null) ?? null, this.lines, keyOffset, this.doc);
    }
    // YAML merge keys (`<<: *base`): merged entries fill in keys the mapping does not set itself.
    for (const m of merged) {
      for (const [name, v] of Object.entries(m.map(allowed, typeName))) {
        if (!(name in out)) out[name] = new YNode(this.file, this.child(name), v.node, this.lines, v.offset, this.doc);
      }
    }
    return out;
  }

  /** The items of a sequence (null gives `[]`). */
  seq(): YNode[] {
    if (this.isNull) return [];
    const n = this.node;
    if (!isSeq(n)) throw this.error(`expected a list, got ${describe(n)}`);
    return n.items.map(
      (item, i) => new YNode(this.file, `${this.path}[${i}]`, (item as Node | null) ?? null, this.lines, this.offset, this.doc),
    );
  }

  /** A scalar as a string (numbers and booleans in their YAML source spelling). */
  str(): string {
    const n = this.node;
    if (this.isNull) return '';
    if (!isScalar(n)) throw this.error(`expected a string, got ${describe(n)}`);
    return this.scalarText(n.value, n.source, this.offset);
  }

  /**
   * Text of a scalar value: strings as they are, `!!binary` bytes decoded as UTF-8 (invalid UTF-8
   * is a {@link ConfigError}, as label names/values must be valid UTF-8 upstream), other values in
   * their source spelling.
   */
  private scalarText(value: unknown, source: string | undefined, offset: number): string {
    if (value instanceof Uint8Array) {
      try {
        return UTF8.decode(value);
      } catch {
        const pos = this.lines.linePos(offset);
        throw new ConfigError(this.file, pos.line, pos.col, this.path, 'invalid UTF-8 in !!binary value');
      }
    }
    return source !== undefined && typeof value !== 'string' ? String(source) : String(value);
  }

  /** A boolean (`true`/`false`). */
  bool(): boolean {
    const n = this.node;
    if (isScalar(n) && typeof n.value === 'boolean') return n.value;
    throw this.error(`expected a boolean, got ${describe(n)}`);
  }

  /** A finite number. */
  number(): number {
    const n = this.node;
    if (isScalar(n) && typeof n.value === 'number' && Number.isFinite(n.value)) return n.value;
    if (isScalar(n) && typeof n.value === 'string' && /^-?\d+(\.\d+)?$/.test(n.value)) return Number(n.value);
    throw this.error(`expected a number, got ${describe(n)}`);
  }

  /** A non-negative integer. */
  uint(): number {
    const v = this.number();
    if (!Number.isInteger(v) || v < 0) throw this.error(`expected a non-negative integer, got ${v}`);
    return v;
  }

  /** A Prometheus duration (`15s`, `1h30m`) in milliseconds. */
  duration(): number {
    const s = this.str();
    try {
      return parseDuration(s);
    } catch (e) {
      if (e instanceof TimeParseError) throw this.error(e.message);
      throw e;
    }
  }

  /** A list of strings. */
  strings(): string[] {
    return this.seq().map((n) => n.str());
  }

  /** A mapping of string to string (labels, annotations, headers). */
  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.map(null))) out[k] = v.str();
    return out;
  }

  private child(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a scalar key is the YAML 1.1 merge key `<<` (the parser gives it as a symbol). */
function isMergeKey(value: unknown): boolean {
  return typeof value === 'symbol' && value.description === '<<';
}

/** Follows aliases to the node they name (null for an unknown anchor). */
function resolveAlias(node: Node | null, doc: Document): Node | null {
  let n = node;
  for (let depth = 0; n && isAlias(n) && depth < 100; depth++) n = (n.resolve(doc) as Node | undefined) ?? null;
  return n;
}

function describe(n: Node | null): string {
  if (n === null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isAlias(n)) return 'an alias';
  if (isScalar(n)) return JSON.stringify(n.value);
  return 'an unknown node';
}

/**
 * Parses YAML text into its root {@link YNode}. YAML syntax errors and duplicate keys are thrown as
 * {@link ConfigError} with their position.
 * @param file name used in error messages
 * @param text file contents; read from `file` when omitted
 */
export function loadYaml(file: string, text?: string): YNode {
  const src = text ?? readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
  const err = doc.errors[0];
  if (err) {
    const pos = lines.linePos(err.pos[0]);
    throw new ConfigError(file, pos.line, pos.col, '', `yaml: ${err.message.split('\n')[0]}`);
  }
  return new YNode(file, '', (doc.contents as Node | null) ?? null, lines, 0, doc);
}

/**
 * Go's wording for a file that cannot be read: `open F: no such file or directory`,
 * `open F: permission denied`, `read F: is a directory`; other errors keep Node's message.
 */
export function fileErrorText(file: string, e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `open ${file}: no such file or directory`;
    case 'EACCES':
      return `open ${file}: permission denied`;
    case 'EISDIR':
      return `read ${file}: is a directory`;
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Reads a configuration file as UTF-8 text. A file that cannot be read throws a ConfigError at line 0
 * whose message is `FILE: ` + {@link fileErrorText} when `withFile` (as Prometheus words rule-file
 * errors), else the bare text (as Go's config loaders and promtool's unit-test loader word it).
 * @throws {ConfigError} for unreadable files.
 */
export function readConfigText(file: string, withFile: boolean): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = new ConfigError(file, 0, 0, '', fileErrorText(file, e));
    err.message = withFile ? `${file}: ${err.reason}` : err.reason;
    throw err;
  }
}

/**
 * Reads and parses a YAML file as {@link loadYaml}; unreadable files throw as {@link readConfigText}.
 * @throws {ConfigError} for unreadable files and YAML errors.
 */
export function loadYamlFile(file: string, withFile = true): YNode {
  return loadYaml(file, readConfigText(file, withFile));
}
