/**
 * Go `text/template` for Lookout: one implementation shared by alerting rules (annotations,
 * labels) and the Alertmanager (notification templates).
 *
 * ```ts
 * const t = new Template({ toUpper: (s: string) => s.toUpperCase() });
 * t.parse('alert', '{{ define "x" }}{{ .Labels.job | toUpper }}{{ end }}{{ template "x" . }}');
 * t.execute('alert', { Labels: { job: 'api' } }); // "API"
 * ```
 *
 * Data model (see `values.ts`): plain objects and `Map`s are Go maps (ranged in sorted key
 * order, a missing key reads as the zero value), arrays are slices, class instances are structs
 * whose function properties are methods, numbers are float64 and bigints are Go ints.
 * Semantics and messages follow Go's `text/template` with `missingkey=zero` (the option
 * Prometheus and Alertmanager use).
 */
import { goQuote } from '../model/goquote.js';
import { TemplateError } from './error.js';
import { execute, type ExecEnv } from './exec.js';
import { BUILTINS, type TemplateFunc } from './funcs.js';
import { isEmptyTree, type Tree } from './nodes.js';
import { parseTemplates } from './parse.js';

export { TemplateError } from './error.js';
export { sprint, sprintf, sprintln } from './fmt.js';
export { GO_FUNC, goFunc, htmlEscape, jsEscape, queryEscape, type GoFuncSpec, type ParamType } from './funcs.js';
export { formatFloat } from './strconv.js';
export { defineMethods, GO_TYPE, isTrue } from './values.js';
export { GoDuration, GoLocation, GoMonth, GoTime, GoWeekday, loadLocation, UTC } from './gotime.js';
export { prometheusFuncs, QuerySample, type PrometheusFuncsOptions, type TemplateQueryFunc } from './prometheus-funcs.js';
export { alertmanagerFuncs, type AlertmanagerFuncsOptions } from './alertmanager-funcs.js';

/** Functions available to templates, by name. See `funcs.ts` for how arguments are passed. */
export type FuncMap = Record<string, (...args: any[]) => unknown>;

/** A set of named templates sharing one function map (Go's `*template.Template` and its associates). */
export class Template {
  private readonly funcs: Record<string, TemplateFunc>;
  private readonly trees = new Map<string, Tree>();
  private firstName: string | null = null;

  /**
   * @param funcs functions added to Go's builtins; a name here hides a builtin of the same name.
   * @param escape applied to the printed text of every action's value (`value` unprinted): how
   *   Alertmanager's HTML templates escape output, as Go's `html/template` does in HTML text and
   *   quoted attributes. Absent: plain `text/template`.
   */
  constructor(
    funcs?: FuncMap,
    private readonly escape?: (value: unknown, printed: string) => string,
  ) {
    this.funcs = Object.assign(Object.create(null), funcs ?? {});
  }

  /**
   * Parses `text` as template `name`; its `{{define "x"}}` and `{{block "x"}}` bodies become named
   * templates too. A later definition of a name replaces an earlier one, except that a text with
   * nothing but definitions and whitespace does not replace an existing template of its own
   * name (Go's rule). Nothing is changed when the text has an error.
   * @throws {TemplateError} Go's parse error, e.g. `template: x:1: unexpected "}" in operand`.
   */
  parse(name: string, text: string): this {
    const set = parseTemplates(name, text, (n) => this.hasFunction(n));
    for (const [n, tree] of set) {
      const old = this.trees.get(n);
      if (old && isEmptyTree(tree.root)) continue;
      this.trees.set(n, tree);
    }
    if (this.firstName === null) this.firstName = name;
    return this;
  }

  /**
   * Executes template `name` with `data` as dot (and `$`) and returns the output.
   * @throws {TemplateError} when `name` is not defined or execution fails (Go's message, e.g.
   *   `template: x:1:3: executing "x" at <.Foo>: can't evaluate field Foo in type string`).
   */
  execute(name: string, data: unknown): string {
    const tree = this.trees.get(name);
    if (!tree) {
      throw new TemplateError(`template: no template ${goQuote(name)} associated with template ${goQuote(this.firstName ?? name)}`);
    }
    return execute(this.env(null), tree, data);
  }

  /**
   * Parses and executes `text` (as an unnamed template) with access to every defined template,
   * without changing this set: Alertmanager's `ExecuteTextString`. An empty text gives `''`.
   * @throws {TemplateError} on parse or execution errors.
   */
  executeText(text: string, data: unknown): string {
    if (text === '') return '';
    const local = parseTemplates('', text, (n) => this.hasFunction(n));
    return execute(this.env(local), local.get('')!, data);
  }

  /** Whether a template of that name is defined. */
  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** Names of the defined templates, sorted. */
  names(): string[] {
    return [...this.trees.keys()].sort();
  }

  /** A copy with the same templates and functions; parsing into the copy leaves this one unchanged. */
  clone(): Template {
    const t = new Template(this.funcs, this.escape);
    for (const [n, tree] of this.trees) t.trees.set(n, tree);
    t.firstName = this.firstName;
    return t;
  }

  private hasFunction(name: string): boolean {
    return name in this.funcs || Object.prototype.hasOwnProperty.call(BUILTINS, name);
  }

  private env(local: Map<string, Tree> | null): ExecEnv {
    return {
      lookup: (name) => local?.get(name) ?? this.trees.get(name),
      func: (name) => this.funcs[name],
      escape: this.escape,
    };
  }
}
