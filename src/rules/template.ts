/**
 * Expansion of alerting-rule label and annotation templates, as Prometheus's
 * `template.NewTemplateExpander(...).Expand()`: the text is prefixed with
 * `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`,
 * named `__alert_<rule name>`, and executed with `.Labels`, `.ExternalLabels`, `.ExternalURL`,
 * `.Value` as data and Prometheus's functions (`query` runs at the evaluation time). A failure
 * yields the text `<error expanding template: …>` instead of the value, as upstream.
 *
 * Each distinct text is parsed once per rule and reused across evaluations.
 */
import { GO_TYPE, prometheusFuncs, Template } from '../template/index.js';
import type { QueryFunc } from './rule.js';

const DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** The data a rule template sees (Prometheus's `AlertTemplateData` struct). */
export class AlertTemplateData {
  readonly [GO_TYPE] = 'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }';
  constructor(
    /** Labels of the sample that produced the alert (including `__name__`). */
    readonly Labels: Record<string, string>,
    readonly ExternalLabels: Record<string, string>,
    readonly ExternalURL: string,
    /** Sample value. */
    readonly Value: number,
  ) {}
}

/** Expands one rule's templates; one instance per alerting rule. */
export class AlertTemplateExpander {
  private readonly parsed = new Map<string, Template | Error>();
  private current: { query: QueryFunc; t: number } | null = null;
  private readonly funcs;

  constructor(
    private readonly ruleName: string,
    externalURL: string,
  ) {
    this.funcs = prometheusFuncs({
      externalURL,
      query: (q) => {
        if (!this.current) throw new Error('query is only available during rule evaluation');
        return this.current.query(q, this.current.t).map((s) => {
          const labels: Record<string, string> = {};
          for (let i = 0; i < s.labels.length; i += 2) labels[s.labels[i]!] = s.labels[i + 1]!;
          return { labels, value: s.v };
        });
      },
    });
  }

  private get name(): string {
    return `__alert_${this.ruleName}`;
  }

  private template(text: string): Template | Error {
    let t = this.parsed.get(text);
    if (!t) {
      try {
        t = new Template(this.funcs).parse(this.name, DEFS + text);
      } catch (e) {
        t = e as Error;
      }
      this.parsed.set(text, t);
    }
    return t;
  }

  /**
   * Expands `text` with `data`; template `query` calls run `query` at `t` (ms).
   * @returns the output, or `<error expanding template: …>` (with `onError` called) on failure.
   */
  expand(text: string, data: AlertTemplateData, query: QueryFunc, t: number, onError?: (err: Error) => void): string {
    const tmpl = this.template(text);
    if (tmpl instanceof Error) {
      const err = new Error(`error parsing template ${this.name}: ${tmpl.message}`);
      onError?.(err);
      return `<error expanding template: ${err.message}>`;
    }
    this.current = { query, t };
    try {
      return tmpl.execute(this.name, data);
    } catch (e) {
      const err = new Error(`error executing template ${this.name}: ${(e as Error).message}`);
      onError?.(err);
      return `<error expanding template: ${err.message}>`;
    } finally {
      this.current = null;
    }
  }
}
