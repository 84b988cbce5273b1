/**
 * Executor for parsed Go templates, following `text/template`'s `exec.go`: pipelines, variables
 * (`$x :=`, `$x =`, `$`), field chains, methods, function calls with Go's argument checks,
 * if/with/range (with `else`, `break`, `continue`), template invocation without dynamic scoping,
 * and Go's execution error messages with `name:line:col` locations.
 */
import { goQuote } from '../model/goquote.js';
import { TemplateError } from './error.js';
import { sprint } from './fmt.js';
import { acceptsValue, BUILTINS, GO_FUNC, paramTypeName, type ParamType, type TemplateFunc } from './funcs.js';
import {
  nodeString,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './nodes.js';
import { findMethod, goTypeName, hasField, isTrue, kindOf, mapIndex, sortedEntries } from './values.js';

/** Marks "no value from a previous pipeline stage" (Go's `missingVal`). */
const MISSING: unique symbol = Symbol('missing');
type Value = unknown;
type Final = Value | typeof MISSING;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

/** Maximum depth of nested `{{template}}` calls (Go uses 100000; JavaScript stacks are smaller). */
const MAX_EXEC_DEPTH = 1000;

/** What the executor needs from a template set. */
export interface ExecEnv {
  /** The tree of a defined template, if any. */
  lookup(name: string): Tree | undefined;
  /** A user function by name (checked before builtins). */
  func(name: string): TemplateFunc | undefined;
  /**
   * Applied to the printed text of every action's value (`value` is the unprinted value), as
   * Go's `html/template` escapes action output; absent for `text/template`.
   */
  escape?(value: unknown, printed: string): string;
}

interface Variable {
  name: string;
  value: Value;
}

/** Executes `tree` with `data` as dot and returns the output. Throws {@link TemplateError}. */
export function execute(env: ExecEnv, tree: Tree, data: unknown): string {
  const s = new State(env, tree, [{ name: '$', value: data }], 0);
  s.walk(data, tree.root);
  return s.out.join('');
}

class State {
  out: string[] = [];
  private node: Node | ArgNode | CommandNode | null = null;

  constructor(
    private readonly env: ExecEnv,
    private tree: Tree,
    private vars: Variable[],
    private readonly depth: number,
  ) {}

  // Errors.

  private errorf(msg: string): never {
    const name = this.tree.name;
    if (!this.node) throw new TemplateError(`template: ${name}: ${msg}`, name);
    const pos = this.node.pos;
    const before = this.tree.text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = Buffer.byteLength(before.slice(nl + 1));
    let line = 1;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
    const location = `${this.tree.parseName}:${line}:${col}`;
    throw new TemplateError(
      `template: ${location}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${msg}`,
      this.tree.parseName,
      line,
      col,
    );
  }

  private at(node: Node | ArgNode | CommandNode): void {
    this.node = node;
  }

  // Variables.

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  // Statements.

  walk(dot: Value, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out.push(node.text);
        return;
    }
  }

  private walkIfOrWith(dot: Value, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: Value, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: Value, elem: Value): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.vars[this.vars.length - 2]!.value = index;
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      let iterated = false;
      try {
        switch (kindOf(val)) {
          case 'slice': {
            const arr = val as unknown[];
            for (let i = 0; i < arr.length; i++) {
              iterated = true;
              one(BigInt(i), arr[i]);
            }
            break;
          }
          case 'map':
            for (const [k, v] of sortedEntries(val as object)) {
              iterated = true;
              one(k, v);
            }
            break;
          case 'invalid':
            break;
          default:
            this.errorf(`range can't iterate over ${sprint([val])}`);
        }
      } catch (e) {
        if (e !== BREAK) throw e;
      }
      if (!iterated && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: Value, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.lookup(t.name);
    if (!tree) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const s = new State(this.env, tree, [{ name: '$', value: newDot }], this.depth + 1);
    s.walk(newDot, tree.root);
    this.out.push(...s.out);
  }

  private printValue(node: Node, v: Value): void {
    this.at(node);
    if (v === undefined || v === null) {
      this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    const printed = typeof v === 'string' ? v : sprint([v]);
    this.out.push(this.env.escape ? this.env.escape(v, printed) : printed);
  }

  // Expressions.

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[] | null, final: Final): void {
    if (args && (args.length > 1 || final !== MISSING)) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
    }
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Final): Value {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const hexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) {
      if (n.int >= 1n << 63n || n.int < -(1n << 63n)) this.errorf(`${n.text} overflows int`);
      return n.int;
    }
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: Value, field: FieldNode, args: readonly ArgNode[] | null, final: Final): Value {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Value, chain: ChainNode, args: readonly ArgNode[] | null, final: Final): Value {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, v: VariableNode, args: readonly ArgNode[] | null, final: Final): Value {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Value,
    receiver: Value,
    node: ArgNode,
    ident: readonly string[],
    args: readonly ArgNode[] | null,
    final: Final,
  ): Value {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(
    dot: Value,
    name: string,
    node: ArgNode,
    args: readonly ArgNode[] | null,
    final: Final,
    receiver: Value,
  ): Value {
    if (receiver === undefined || receiver === null) return undefined;
    if (typeof receiver === 'object') {
      const method = findMethod(receiver, name);
      if (method) return this.evalCall(dot, method, false, node, name, args, final);
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    const kind = kindOf(receiver);
    if (kind === 'struct' && hasField(receiver as object, name)) {
      if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return (receiver as Record<string, unknown>)[name];
    }
    if (kind === 'map') {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return mapIndex(receiver as object, name);
    }
    this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(
    dot: Value,
    node: IdentifierNode,
    cmd: CommandNode | IdentifierNode,
    args: readonly ArgNode[] | null,
    final: Final,
  ): Value {
    this.at(node);
    const name = node.ident;
    const user = this.env.func(name);
    const fn = user ?? BUILTINS[name];
    if (!fn) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, fn, !user, cmd, name, args, final);
  }

  private evalCall(
    dot: Value,
    fn: TemplateFunc,
    isBuiltin: boolean,
    node: ArgNode | CommandNode,
    name: string,
    argNodes: readonly ArgNode[] | null,
    final: Final,
  ): Value {
    const args = argNodes ? argNodes.slice(1) : [];
    const spec = fn[GO_FUNC];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (spec) {
      const fixed = spec.params.length;
      if (spec.variadic) {
        if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${args.length}`);
      } else if (numIn !== fixed) {
        this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
      }
    }
    const typeAt = (i: number): ParamType =>
      spec ? (i < spec.params.length ? spec.params[i]! : spec.variadic ?? 'any') : 'any';

    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Value;
      for (const a of args) {
        v = this.evalArg(dot, 'any', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: Value[] = args.map((a, i) => this.evalArg(dot, typeAt(i), a));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(args.length)));
    const passed = spec ? argv : argv.map((v) => (typeof v === 'bigint' ? Number(v) : v));
    try {
      if (isBuiltin && name === 'call') return this.callFunction(passed);
      return fn(...passed);
    } catch (e) {
      if (e === BREAK || e === CONTINUE) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The builtin `call`: calls its first argument with the rest. */
  private callFunction(argv: Value[]): Value {
    const [f, ...rest] = argv;
    if (f === undefined || f === null) throw new Error('call of nil');
    if (typeof f !== 'function') {
      throw new Error(`non-function of type ${goTypeName(f)}`);
    }
    const spec = (f as TemplateFunc)[GO_FUNC];
    const passed = spec ? rest : rest.map((v) => (typeof v === 'bigint' ? Number(v) : v));
    return (f as (...a: unknown[]) => unknown)(...passed);
  }

  private validateType(value: Value, typ: ParamType): Value {
    if (value === undefined || value === null) {
      if (typ === 'any' || typeof typ !== 'string' || typ === '[]string') return undefined;
      this.errorf(`invalid value; expected ${paramTypeName(typ)}`);
    }
    if (!acceptsValue(typ, value)) {
      this.errorf(`wrong type for value; expected ${paramTypeName(typ)}; got ${goTypeName(value)}`);
    }
    return value;
  }

  private evalArg(dot: Value, typ: ParamType, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'any' || typeof typ !== 'string' || typ === '[]string') return undefined;
        this.errorf(`cannot assign nil to ${paramTypeName(typ)}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'any':
        if (n.type === 'bool') return n.value;
        if (n.type === 'string') return n.text;
        return this.idealConstant(n);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${paramTypeName(typ)}`);
  }
}
