/**
 * Parse trees of Go templates: the node types Go's `text/template/parse` defines, Go's rendering
 * of nodes for error messages, and the empty-tree test.
 */
import { goQuote } from '../model/goquote.js';

/** A parsed template: its name, the name of the text it came from, the source text and the body. */
export interface Tree {
  name: string;
  /** Name of the top-level template being parsed when this tree was defined (for error locations). */
  parseName: string;
  /** Source text the node positions refer to. */
  text: string;
  root: ListNode;
}

/** A sequence of nodes (a template body or branch). Positions are offsets into {@link Tree.text}. */
export interface ListNode {
  type: 'list';
  pos: number;
  nodes: Node[];
}
/** Literal text. */
export interface TextNode {
  type: 'text';
  pos: number;
  text: string;
}
/** `{{pipeline}}`: prints the value unless the pipeline declares variables. */
export interface ActionNode {
  type: 'action';
  pos: number;
  line: number;
  pipe: PipeNode;
}
/** `{{if}}`, `{{range}}`, `{{with}}` with optional `{{else}}` list. */
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
/** `{{template "name" pipeline}}` (also produced by `{{block}}`). */
export interface TemplateNode {
  type: 'template';
  pos: number;
  line: number;
  name: string;
  pipe: PipeNode | null;
}
/** `{{break}}` / `{{continue}}` inside `{{range}}`. */
export interface LoopControlNode {
  type: 'break' | 'continue';
  pos: number;
  line: number;
}
/** Statement-level nodes. */
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;

/** `$x := cmd | cmd …` (or `$x = …`): commands chained by `|`, with declared variables. */
export interface PipeNode {
  type: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
/** One command: an operand followed by arguments. */
export interface CommandNode {
  type: 'command';
  pos: number;
  args: ArgNode[];
}
/** `.A.B`: field chain on dot. */
export interface FieldNode {
  type: 'field';
  pos: number;
  ident: string[];
}
/** `$x` or `$x.A.B`: a variable and optional field chain (`ident[0]` is the variable). */
export interface VariableNode {
  type: 'variable';
  pos: number;
  ident: string[];
}
/** A function name. */
export interface IdentifierNode {
  type: 'identifier';
  pos: number;
  ident: string;
}
/** `(pipeline).A.B` or `fn.A`: a field chain on another operand. */
export interface ChainNode {
  type: 'chain';
  pos: number;
  node: ArgNode;
  field: string[];
}
/** `.` (the cursor). */
export interface DotNode {
  type: 'dot';
  pos: number;
}
/** `nil`. */
export interface NilNode {
  type: 'nil';
  pos: number;
}
/** `true` / `false`. */
export interface BoolNode {
  type: 'bool';
  pos: number;
  value: boolean;
}
/** A quoted or raw string literal (`quoted` as written, `text` unquoted). */
export interface StringNode {
  type: 'string';
  pos: number;
  quoted: string;
  text: string;
}
/** A number literal with every Go interpretation that succeeded (as Go's `NumberNode`). */
export interface NumberNode {
  type: 'number';
  pos: number;
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  int: bigint;
  float: number;
}
/** Operands of a command. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | IdentifierNode
  | ChainNode
  | DotNode
  | NilNode
  | BoolNode
  | StringNode
  | NumberNode
  | PipeNode;

/** Go's rendering of a node, used in execution error messages (`at <.Labels.foo>`). */
export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return goQuote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with':
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${n.elseList ? `{{else}}${nodeString(n.elseList)}` : ''}{{end}}`;
    case 'template':
      return `{{template ${goQuote(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map((d) => d.ident.join('.')).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return '.' + n.ident.join('.');
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.ident;
    case 'chain':
      return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + '.' + n.field.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
  }
}

/** Whether a tree holds nothing but whitespace (Go's `parse.IsEmptyTree`). */
export function isEmptyTree(n: Node): boolean {
  if (n.type === 'list') return n.nodes.every(isEmptyTree);
  if (n.type === 'text') return n.text.trim() === '';
  return false;
}
