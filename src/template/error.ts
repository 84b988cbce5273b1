/**
 * The error type of the template engine. Messages are Go's, e.g.
 * `template: alert:1: function "humanise" not defined` (parse) or
 * `template: alert:1:12: executing "alert" at <.Foo>: can't evaluate field Foo in type …` (execution).
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    /** Template (parse) name the error refers to, `''` when none. */
    readonly template = '',
    /** 1-based line in that template's text, 0 when unknown. */
    readonly line = 0,
    /** 1-based column (UTF-16 units) for execution errors; 0 for parse errors, which Go reports by line only. */
    readonly column = 0,
  ) {
    super(message);
  }
}
