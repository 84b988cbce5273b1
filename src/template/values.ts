/**
 * How JavaScript values look to a Go template. Go's reflection kinds are mapped as:
 *
 * | JavaScript                                   | Go kind   | Go type name (messages)            |
 * |----------------------------------------------|-----------|------------------------------------|
 * | `undefined`, `null`                          | invalid   | `<nil>` (prints `<no value>`)      |
 * | boolean                                      | bool      | `bool`                             |
 * | bigint                                       | int       | `int`                              |
 * | number                                       | float64   | `float64`                          |
 * | string                                       | string    | `string`                           |
 * | array                                        | slice     | `[]string` / `[]interface {}`      |
 * | `Map`, plain object (`{}` or null prototype) | map       | `map[string]string` / `map[string]interface {}` |
 * | function                                     | func      | `func`                             |
 * | any other object (class instance)            | struct    | its {@link GO_TYPE} or class name  |
 *
 * Integer literals in templates, `len` results and range indexes are bigints (Go `int`); every
 * JavaScript number is a float64, as Prometheus's `$value`. A map whose values are all strings
 * behaves as Go's `map[string]string`: a missing key reads as `""` (Go's zero value under
 * `missingkey=zero`, which Prometheus and Alertmanager set); other maps give "no value".
 * A property holding a function is a method: `.Labels.SortedPairs` calls it with its receiver.
 * A map's entries are its enumerable own keys, so give a map methods (as Alertmanager's `KV`
 * has) with {@link defineMethods}, which adds them as non-enumerable properties.
 */

/** Property that gives an object its Go type name in error messages, e.g. `time.Time`. */
export const GO_TYPE: unique symbol = Symbol.for('lookout.template.goType');

/** The Go reflection kinds the template engine distinguishes. */
export type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'func' | 'struct';

/** Go kind of a JavaScript value (see the module table). */
export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'object':
      if (v === null) return 'invalid';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Map) return 'map';
      return isPlainObject(v) ? 'map' : 'struct';
    default:
      return 'struct';
  }
}

/** Whether `v` is an object literal or a null-prototype object (a Go map for templates). */
export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function allStrings(values: Iterable<unknown>): boolean {
  for (const x of values) if (typeof x !== 'string') return false;
  return true;
}

/** Go type name of a value, as Go error messages spell it (`float64`, `map[string]string`, …). */
export function goTypeName(v: unknown): string {
  if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
    const named = (v as { [GO_TYPE]?: unknown })[GO_TYPE];
    if (typeof named === 'string') return named;
  }
  switch (kindOf(v)) {
    case 'invalid':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'slice':
      return allStrings(v as unknown[]) && (v as unknown[]).length > 0 ? '[]string' : '[]interface {}';
    case 'map':
      return allStrings(mapValues(v as object)) ? 'map[string]string' : 'map[string]interface {}';
    case 'struct': {
      const ctor = (v as object).constructor;
      return ctor && ctor.name ? `*${ctor.name}` : 'struct';
    }
  }
}

/** Values of a template map (plain object or `Map`). */
function mapValues(m: object): unknown[] {
  if (m instanceof Map) return [...m.values()];
  return Object.keys(m).map((k) => (m as Record<string, unknown>)[k]);
}

/** Number of entries of a template map. */
export function mapSize(m: object): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** Entries of a template map sorted by key as Go's `fmtsort` (numbers numerically, strings by code unit). */
export function sortedEntries(m: object): [unknown, unknown][] {
  const entries: [unknown, unknown][] =
    m instanceof Map ? [...m.entries()] : Object.keys(m).map((k) => [k, (m as Record<string, unknown>)[k]]);
  return entries.sort((a, b) => compareKeys(a[0], b[0]));
}

function compareKeys(a: unknown, b: unknown): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A map lookup with Go's `missingkey=zero` result: `""` for string-valued maps, else `undefined`. */
export function mapIndex(m: object, key: unknown): unknown {
  if (m instanceof Map) {
    if (m.has(key)) return m.get(key);
    return allStrings(m.values()) ? '' : undefined;
  }
  const k = typeof key === 'bigint' ? key.toString() : (key as string);
  if (Object.prototype.hasOwnProperty.call(m, k)) return (m as Record<string, unknown>)[k];
  return allStrings(mapValues(m)) ? '' : undefined;
}

/**
 * Go template truth (`if`, `with`, `and`, `or`, `not`): false for nil, false, 0, empty string,
 * empty slice or map; true for structs, functions and everything else. NaN is true (it is not 0).
 */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
      return (v as bigint) !== 0n;
    case 'float':
      return (v as number) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return mapSize(v as object) > 0;
    default:
      return true;
  }
}

/**
 * Looks up a method (a function-valued property that is not one of JavaScript's own `Object`,
 * `Map` or `Array` methods) on a struct, map or slice value; returns it bound to the receiver,
 * or null.
 */
export function findMethod(receiver: object, name: string): ((...args: unknown[]) => unknown) | null {
  if (name in Object.prototype) return null;
  const fn = (receiver as Record<string, unknown>)[name];
  if (typeof fn !== 'function') return null;
  // JavaScript's own Map/Array methods (`get`, `keys`, `map`, …) are not Go methods.
  if (fn === (Map.prototype as unknown as Record<string, unknown>)[name]) return null;
  if (fn === (Array.prototype as unknown as Record<string, unknown>)[name]) return null;
  return (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(receiver, args);
}

/** Whether a struct value has a (non-method) field `name`, own or inherited (getters count). */
export function hasField(receiver: object, name: string): boolean {
  return !(name in Object.prototype) && name in receiver;
}

/**
 * Adds `methods` to `target` as non-enumerable properties, so a plain object stays a Go map
 * (ranging, `len` and printing see only its entries) and templates can still call
 * `.Labels.SortedPairs`. Returns `target`.
 */
export function defineMethods<T extends object>(target: T, methods: Record<string, (...args: any[]) => unknown>): T {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(target, name, { value: fn, enumerable: false, configurable: true, writable: true });
  }
  return target;
}
