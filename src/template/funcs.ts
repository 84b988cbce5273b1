/**
 * Template functions: how a JavaScript function declares its Go signature, and Go's builtin
 * functions (`and or not len index slice print printf println html js urlquery call eq ne lt le
 * gt ge`) with Go's semantics and error messages.
 *
 * A function may carry a {@link GoFuncSpec} (attach it with {@link goFunc}): the executor then
 * checks the argument count and types as Go does (`wrong number of args for X: want 1 got 2`,
 * `wrong type for value; expected string; got float64`) and passes arguments as they are (bigint
 * for Go ints). A plain function gets every argument evaluated as `interface{}` with bigints
 * turned into numbers, so ordinary JavaScript code never sees a bigint.
 * A function reports an error by throwing; execution stops with `error calling NAME: message`.
 */
import { isPrint } from '../model/goquote.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { goTypeName, isTrue, kindOf, mapIndex, mapSize } from './values.js';

/** A Go parameter type: basic names are checked by kind, others by their `test`. */
export type ParamType =
  | 'any'
  | 'string'
  | 'int'
  | 'float64'
  | 'bool'
  | '[]string'
  | { readonly name: string; test(v: unknown): boolean };

/** Go signature of a template function: fixed parameter types, and the type of `...` arguments. */
export interface GoFuncSpec {
  readonly params: readonly ParamType[];
  readonly variadic?: ParamType;
}

/** Symbol under which a function's {@link GoFuncSpec} is stored. */
export const GO_FUNC: unique symbol = Symbol.for('lookout.template.goFunc');

/** A template function, optionally carrying its Go signature. */
export type TemplateFunc = ((...args: any[]) => unknown) & { [GO_FUNC]?: GoFuncSpec };

/** Attaches a Go signature to `fn` (see the module doc) and returns `fn`. */
export function goFunc<F extends (...args: any[]) => unknown>(spec: GoFuncSpec, fn: F): F {
  (fn as TemplateFunc)[GO_FUNC] = spec;
  return fn;
}

/** Name of a parameter type for messages. */
export function paramTypeName(t: ParamType): string {
  return typeof t === 'string' ? (t === 'any' ? 'interface {}' : t) : t.name;
}

/** Whether `v` (never nil) can be passed as a parameter of type `t`. */
export function acceptsValue(t: ParamType, v: unknown): boolean {
  switch (t) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'bigint';
    case 'float64':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case '[]string':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    default:
      return t.test(v);
  }
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

function indexArg(index: unknown, cap: number): number {
  if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  if (typeof index !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
  return Number(index);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    if (item === undefined || item === null) throw new Error('index of nil pointer');
    if (typeof item === 'string') {
      const bytes = utf8.encode(item);
      const x = indexArg(ix, bytes.length);
      if (x === bytes.length) throw new Error('reflect: string index out of range');
      item = BigInt(bytes[x]!);
    } else if (Array.isArray(item)) {
      const x = indexArg(ix, item.length);
      if (x === item.length) throw new Error('reflect: slice index out of range');
      item = item[x];
    } else if (kindOf(item) === 'map') {
      if (ix === undefined || ix === null) throw new Error('value is nil; should be of type string');
      if (!(item instanceof Map) && typeof ix !== 'string') {
        throw new Error(`value has type ${goTypeName(ix)}; should be string`);
      }
      item = mapIndex(item as object, ix);
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8.encode(item).length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return utf8d.decode(utf8.encode(item).subarray(idx[0], idx[1]));
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): bigint {
  if (item === undefined || item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return BigInt(utf8.encode(item).length);
  if (Array.isArray(item)) return BigInt(item.length);
  if (kindOf(item) === 'map') return BigInt(mapSize(item as object));
  throw new Error(`len of type ${goTypeName(item)}`);
}

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

const BAD_COMPARISON = 'incompatible types for comparison';

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg1 !== null && arg !== undefined && arg !== null) throw new Error(BAD_COMPARISON);
    } else if (k1 !== 'invalid') {
      truth = arg1 === arg;
    } else {
      const nil1 = arg1 === undefined || arg1 === null;
      const nil2 = arg === undefined || arg === null;
      if (nil1 || nil2) truth = nil1 === nil2;
      else {
        if (kindOf(arg1) !== kindOf(arg)) throw new Error(`non-comparable types ${sprint([arg1])}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${sprint([arg])}`);
        const k = kindOf(arg);
        if (k === 'slice' || k === 'map' || k === 'func') {
          throw new Error(`non-comparable type ${sprint([arg])}: ${goTypeName(arg)}`);
        }
        truth = arg1 === arg;
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error(BAD_COMPARISON);
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  return (a as number) < (b as number);
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

/** `fmt.Sprint` of the arguments, or the single string argument as is (Go's `evalArgs`). */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

/** Go `template.HTMLEscapeString`. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]!);
}
const HTML_ESCAPES: Record<string, string> = {
  '\0': '\uFFFD',
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

/** Go `template.JSEscapeString`. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** Go `url.QueryEscape`: unreserved bytes kept, space as `+`, everything else `%XX`. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const any = 'any' as const;

/**
 * Go's builtin template functions. `and`, `or` (short-circuit) and `call` are evaluated by the
 * executor itself; their entries here only carry the signature.
 */
export const BUILTINS: Record<string, TemplateFunc> = {
  and: goFunc({ params: [any], variadic: any }, () => undefined),
  or: goFunc({ params: [any], variadic: any }, () => undefined),
  call: goFunc({ params: [any], variadic: any }, () => undefined),
  not: goFunc({ params: [any] }, (v: unknown) => !isTrue(v)),
  len: goFunc({ params: [any] }, length),
  index: goFunc({ params: [any], variadic: any }, index),
  slice: goFunc({ params: [any], variadic: any }, slice),
  print: goFunc({ params: [], variadic: any }, (...a: unknown[]) => sprint(a)),
  println: goFunc({ params: [], variadic: any }, (...a: unknown[]) => sprintln(a)),
  printf: goFunc({ params: ['string'], variadic: any }, (f: string, ...a: unknown[]) => sprintf(f, a)),
  html: goFunc({ params: [], variadic: any }, (...a: unknown[]) => htmlEscape(evalArgs(a))),
  js: goFunc({ params: [], variadic: any }, (...a: unknown[]) => jsEscape(evalArgs(a))),
  urlquery: goFunc({ params: [], variadic: any }, (...a: unknown[]) => queryEscape(evalArgs(a))),
  eq: goFunc({ params: [any], variadic: any }, eq),
  ne: goFunc({ params: [any, any] }, (a: unknown, b: unknown) => !eq(a, b)),
  lt: goFunc({ params: [any, any] }, lt),
  le: goFunc({ params: [any, any] }, le),
  gt: goFunc({ params: [any, any] }, (a: unknown, b: unknown) => !le(a, b)),
  ge: goFunc({ params: [any, any] }, (a: unknown, b: unknown) => !lt(a, b)),
};
