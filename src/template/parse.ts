/**
 * Parser for Go `text/template`: turns the lexer's tokens into parse trees, one per template
 * (the top-level text plus one per `{{define}}` / `{{block}}`), with Go's grammar and Go's parse
 * error messages (`template: NAME:LINE: …`).
 */
import { parseGoFloat } from '../model/gofloat.js';
import { parseGoIntLiteral } from '../model/goint.js';
import { goQuote, goUnquote, UnquoteError } from '../model/goquote.js';
import { TemplateError } from './error.js';
import { lex, Tok, type Token } from './lexer.js';
import {
  isEmptyTree,
  nodeString,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type Tree,
} from './nodes.js';

/** An `{{end}}` or `{{else}}` met while parsing a list. */
type EndOrElse = { type: 'end'; pos: number; line: number } | { type: 'else'; pos: number; line: number };

const MAX_PAREN_DEPTH = 10000; // Go's maxStackDepth: nesting of parenthesised pipelines.

/**
 * Parses `text` as template `name`. Returns every tree defined by the text, keyed by name (the
 * top-level one under `name`). `hasFunction` tells which identifiers are functions.
 * @throws {TemplateError} with Go's message on any syntax error.
 */
export function parseTemplates(name: string, text: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const tokens = lex(text, !hasFunction('break'), !hasFunction('continue'));
  const p = new Parser(name, text, tokens, hasFunction, treeSet);
  p.parseTop();
  return treeSet;
}

class Parser {
  private idx = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private parenDepth = 0;
  private actionLine = 0;

  constructor(
    private readonly parseName: string,
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly hasFunction: (name: string) => boolean,
    private readonly treeSet: Map<string, Tree>,
  ) {}

  // Token stream.

  private next(): Token {
    const t = this.tokens[Math.min(this.idx, this.tokens.length - 1)]!;
    this.idx++;
    this.furthest = Math.max(this.furthest, this.idx);
    return t;
  }
  private backup(n = 1): void {
    this.idx -= n;
  }
  private peek(): Token {
    const t = this.next();
    this.backup();
    return t;
  }
  private nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.typ === Tok.Space);
    return t;
  }
  private peekNonSpace(): Token {
    const before = this.idx;
    const t = this.nextNonSpace();
    this.idx = before;
    while (this.tokens[this.idx]?.typ === Tok.Space) this.idx++;
    return t;
  }

  // Errors.

  private errorf(msg: string): never {
    const tok = this.tokens[Math.min(this.furthest, this.tokens.length) - 1] ?? this.tokens[0]!;
    throw new TemplateError(`template: ${this.parseName}:${tok.line}: ${msg}`, this.parseName, tok.line);
  }
  private unexpected(tok: Token, context: string): never {
    if (tok.typ === Tok.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== tok.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (tok.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(tok.val + extra);
    }
    this.errorf(`unexpected ${tokenString(tok)} in ${context}`);
  }
  private expect(typ: Tok, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }

  // Trees.

  private add(tree: Tree): void {
    const old = this.treeSet.get(tree.name);
    if (!old || isEmptyTree(old.root)) {
      this.treeSet.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${goQuote(tree.name)}`);
  }

  private newTree(name: string, root: ListNode): Tree {
    return { name, parseName: this.parseName, text: this.text, root };
  }

  parseTop(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Tok.EOF) {
      if (this.peek().typ === Tok.LeftDelim) {
        const mark = this.idx;
        this.next();
        if (this.nextNonSpace().typ === Tok.Define) {
          this.parseDefinition();
          continue;
        }
        this.idx = mark;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${n.type === 'end' ? '{{end}}' : '{{else}}'}`);
      root.nodes.push(n);
    }
    this.add(this.newTree(this.parseName, root));
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const tok = this.nextNonSpace();
    if (tok.typ !== Tok.String && tok.typ !== Tok.RawString) this.unexpected(tok, context);
    const name = this.unquote(tok.val);
    this.expect(Tok.RightDelim, context);
    const saved = this.vars;
    this.vars = ['$'];
    const { list, end } = this.itemList();
    this.vars = saved;
    if (end.type !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    this.add(this.newTree(name, list));
  }

  /** Go `strconv.Unquote` of a string or rune literal (a rune's `\x` escape is a rune; invalid UTF-8 becomes U+FFFD). */
  private unquote(lit: string): string {
    try {
      return goUnquote(lit, { runeLiteral: true, replaceInvalid: true });
    } catch (e) {
      if (e instanceof UnquoteError) this.errorf('invalid syntax');
      throw e;
    }
  }

  /** Parses nodes until `{{end}}` or `{{else}}`, which is returned separately. */
  private itemList(): { list: ListNode; end: EndOrElse } {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Tok.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, end: n };
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndOrElse {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case Tok.Text:
        return { type: 'text', pos: tok.pos, text: tok.val };
      case Tok.LeftDelim: {
        this.actionLine = tok.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(tok, 'input');
    }
  }

  private action(): Node | EndOrElse {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case Tok.Block:
        return this.blockControl();
      case Tok.Break:
      case Tok.Continue: {
        const word = tok.typ === Tok.Break ? 'break' : 'continue';
        const t = this.nextNonSpace();
        if (t.typ !== Tok.RightDelim) this.unexpected(t, `{{${word}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
        return { type: word, pos: tok.pos, line: tok.line };
      }
      case Tok.Else:
        return this.elseControl();
      case Tok.End:
        return { type: 'end', pos: this.expect(Tok.RightDelim, 'end').pos, line: tok.line };
      case Tok.If:
        return this.parseControl('if');
      case Tok.Range:
        return this.parseControl('range');
      case Tok.With:
        return this.parseControl('with');
      case Tok.Template:
        return this.templateControl();
    }
    this.backup();
    const t = this.peek();
    return { type: 'action', pos: t.pos, line: t.line, pipe: this.pipeline('command', Tok.RightDelim) };
  }

  private elseControl(): { type: 'else'; pos: number; line: number } {
    const peek = this.peekNonSpace();
    if (peek.typ === Tok.If || peek.typ === Tok.With) return { type: 'else', pos: peek.pos, line: peek.line };
    const tok = this.expect(Tok.RightDelim, 'else');
    return { type: 'else', pos: tok.pos, line: tok.line };
  }

  private parseControl(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Tok.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let { list, end } = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (end.type === 'else') {
        const pk = this.peek();
        if ((context === 'if' && pk.typ === Tok.If) || (context === 'with' && pk.typ === Tok.With)) {
          this.next();
          elseList = { type: 'list', pos: end.pos, nodes: [this.parseControl(context)] };
        } else {
          ({ list: elseList, end } = this.itemList());
          if (end.type !== 'end') this.errorf('expected end; found {{else}}');
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, context);
    const pipe = this.pipeline(context, Tok.RightDelim);
    const saved = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const { list, end } = this.itemList();
    this.vars = saved;
    this.rangeDepth = savedRange;
    if (end.type !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    this.add(this.newTree(name, list));
    return { type: 'template', pos: tok.pos, line: tok.line, name, pipe };
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== Tok.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Tok.RightDelim);
    }
    return { type: 'template', pos: tok.pos, line: tok.line, name, pipe };
  }

  private templateName(tok: Token, context: string): string {
    if (tok.typ !== Tok.String && tok.typ !== Tok.RawString) this.unexpected(tok, context);
    return this.unquote(tok.val);
  }

  private pipeline(context: string, end: Tok): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Tok.Variable) break;
      const mark = this.idx;
      this.next();
      const nx = this.peekNonSpace();
      if (nx.typ === Tok.Assign || nx.typ === Tok.Declare) {
        pipe.isAssign = nx.typ === Tok.Assign;
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        break;
      }
      if (nx.typ === Tok.Char && nx.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === Tok.Variable || t === Tok.RightDelim || t === Tok.RightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // Not a declaration: put the variable back.
      this.idx = mark;
      break;
    }
    for (;;) {
      const tok = this.nextNonSpace();
      switch (tok.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Tok.Bool:
        case Tok.CharConstant:
        case Tok.Complex:
        case Tok.Dot:
        case Tok.Field:
        case Tok.Identifier:
        case Tok.Number:
        case Tok.Nil:
        case Tok.RawString:
        case Tok.String:
        case Tok.Variable:
        case Tok.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(tok, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const t = pipe.cmds[i]!.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const tok = this.next();
      if (tok.typ === Tok.Space) continue;
      if (tok.typ === Tok.RightDelim || tok.typ === Tok.RightParen) this.backup();
      else if (tok.typ !== Tok.Pipe) this.unexpected(tok, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().typ !== Tok.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Tok.Field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | null {
    const tok = this.nextNonSpace();
    switch (tok.typ) {
      case Tok.Identifier:
        if (!this.hasFunction(tok.val)) this.errorf(`function ${goQuote(tok.val)} not defined`);
        return { type: 'identifier', pos: tok.pos, ident: tok.val };
      case Tok.Dot:
        return { type: 'dot', pos: tok.pos };
      case Tok.Nil:
        return { type: 'nil', pos: tok.pos };
      case Tok.Variable: {
        const ident = tok.val.split('.');
        if (!this.vars.includes(ident[0]!)) this.errorf(`undefined variable ${goQuote(ident[0]!)}`);
        return { type: 'variable', pos: tok.pos, ident };
      }
      case Tok.Field:
        return { type: 'field', pos: tok.pos, ident: tok.val.slice(1).split('.') };
      case Tok.Bool:
        return { type: 'bool', pos: tok.pos, value: tok.val === 'true' };
      case Tok.CharConstant:
      case Tok.Complex:
      case Tok.Number:
        return this.number(tok);
      case Tok.LeftParen: {
        if (this.parenDepth >= MAX_PAREN_DEPTH) this.errorf('max expression depth exceeded');
        this.parenDepth++;
        try {
          return this.pipeline('parenthesized pipeline', Tok.RightParen);
        } finally {
          this.parenDepth--;
        }
      }
      case Tok.String:
      case Tok.RawString:
        return { type: 'string', pos: tok.pos, quoted: tok.val, text: this.unquote(tok.val) };
    }
    this.backup();
    return null;
  }

  private number(tok: Token): NumberNode {
    const n: NumberNode = {
      type: 'number',
      pos: tok.pos,
      text: tok.val,
      isInt: false,
      isUint: false,
      isFloat: false,
      int: 0n,
      float: 0,
    };
    if (tok.typ === Tok.CharConstant) {
      const s = this.unquote(tok.val);
      const r = s.codePointAt(0);
      if (r === undefined || String.fromCodePoint(r) !== s) this.errorf(`malformed character constant: ${tok.val}`);
      return { ...n, isInt: true, isUint: true, isFloat: true, int: BigInt(r), float: r };
    }
    const text = tok.val;
    if (tok.typ === Tok.Complex || text.endsWith('i')) this.errorf(`complex numbers are not supported: ${goQuote(text)}`);
    const i = parseGoIntLiteral(text);
    if (i !== undefined) {
      const isInt = i >= -(1n << 63n) && i < 1n << 63n;
      const isUint = i >= 0n && i < 1n << 64n;
      if (isInt || isUint) return { ...n, isInt, isUint, isFloat: true, int: i, float: Number(i) };
    }
    const f = parseGoFloat(text);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
      const out = { ...n, isFloat: true, float: f };
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        out.isInt = true;
        out.int = BigInt(f);
        out.isUint = f >= 0;
      }
      return out;
    }
    this.errorf(`illegal number syntax: ${goQuote(text)}`);
  }
}

/** Rendering of a token in "unexpected X in Y" messages, as Go's `item.String`. */
function tokenString(t: Token): string {
  if (t.typ === Tok.EOF) return 'EOF';
  if (t.typ === Tok.Error) return t.val;
  if (t.typ > Tok.Keyword) return `<${t.val}>`;
  if (t.typ === Tok.LeftDelim || t.typ === Tok.RightDelim) return goQuote(t.val);
  if (t.val.length > 10) return goQuote(Array.from(t.val).slice(0, 10).join('')) + '...';
  return goQuote(t.val);
}
