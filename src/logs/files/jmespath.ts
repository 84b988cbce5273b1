/**
 * The subset of JMESPath that promtail's `json` stage expressions use in practice: field names,
 * quoted field names and array indexes joined by dots — `level`, `request.method`, `"x-id"`,
 * `items[0].sku`, `tags[-1]`. Anything else (filters, projections, functions, pipes) is refused at
 * config time so that a config never silently extracts nothing.
 */

/** Thrown for an expression outside the supported subset. */
export class JmesPathError extends Error {
  override name = 'JmesPathError';
}

/** One step of a path: a field name or an array index (negative counts from the end). */
type Step = string | number;

/** A compiled path; `get` returns the value it selects, or undefined. */
export interface JsonPath {
  readonly source: string;
  get(doc: unknown): unknown;
}

/**
 * Compiles a dotted path expression.
 * @throws {JmesPathError} naming the expression for syntax outside the subset
 */
export function compileJsonPath(expr: string): JsonPath {
  const steps: Step[] = [];
  let i = 0;
  const fail = (): never => {
    throw new JmesPathError(`unsupported JMESPath expression ${JSON.stringify(expr)}: Lookout supports field names, "quoted names" and [index] joined by dots`);
  };
  let expectField = true;
  while (i < expr.length) {
    const c = expr[i]!;
    if (expectField) {
      if (c === '"') {
        let j = i + 1;
        let text = '';
        while (j < expr.length && expr[j] !== '"') {
          if (expr[j] === '\\') j++;
          text += expr[j] ?? '';
          j++;
        }
        if (j >= expr.length) fail();
        steps.push(text);
        i = j + 1;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
        if (!m) fail();
        steps.push(m![0]);
        i += m![0].length;
      }
      expectField = false;
    } else if (c === '.') {
      expectField = true;
      i++;
    } else if (c === '[') {
      const m = /^\[(-?\d+)\]/.exec(expr.slice(i));
      if (!m) fail();
      steps.push(Number(m![1]));
      i += m![0].length;
    } else fail();
  }
  if (expectField) fail();
  return {
    source: expr,
    get(doc) {
      let v: unknown = doc;
      for (const s of steps) {
        if (typeof s === 'number') {
          if (!Array.isArray(v)) return undefined;
          v = v[s < 0 ? v.length + s : s];
        } else {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
          v = Object.prototype.hasOwnProperty.call(v, s) ? (v as Record<string, unknown>)[s] : undefined;
        }
      }
      return v;
    },
  };
}
