/**
 * Query annotations (the API's `warnings` and `infos`), as upstream `util/annotations`: a set of
 * messages keyed by their text, rendered `PromQL warning: <msg> (<line>:<col>)` with the position
 * of the sub-expression they concern.
 */
import { lineCol } from '../errors.js';
import type { Pos } from '../ast.js';

/** Collects the warnings and infos of one query, without duplicates, in insertion order. */
export class Annotations {
  private readonly warnings = new Set<string>();
  private readonly infos = new Set<string>();

  /** @param source the query text (positions are rendered against it); undefined: no position. */
  constructor(private readonly source: string | undefined) {}

  private render(kind: 'warning' | 'info', msg: string, pos: Pos | null): string {
    const base = `PromQL ${kind}: ${msg}`;
    if (this.source === undefined || pos === null) return base;
    return `${base} (${lineCol(this.source, pos.start)})`;
  }

  /** Adds a warning about the expression at `pos`. */
  warn(msg: string, pos: Pos | null): void {
    this.warnings.add(this.render('warning', msg, pos));
  }

  /** Adds an info annotation about the expression at `pos`. */
  info(msg: string, pos: Pos | null): void {
    this.infos.add(this.render('info', msg, pos));
  }

  /** The rendered warnings. */
  warningList(): string[] {
    return [...this.warnings];
  }

  /** The rendered infos. */
  infoList(): string[] {
    return [...this.infos];
  }
}
