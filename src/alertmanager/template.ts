/**
 * Notification templates, as Alertmanager's `template` package: the data a notification template
 * sees (`.Receiver`, `.Status`, `.Alerts`, `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`,
 * `.ExternalURL`; each alert's `.Labels`, `.Annotations`, `.StartsAt`, …), the `KV` methods
 * (`SortedPairs`, `Remove`, `Names`, `Values`), the default templates (`slack.default.*`,
 * `pagerduty.default.*`, `email.default.subject`, `__subject`, …) and user template files.
 *
 * The default template texts (`default-templates.ts`) are Lookout's own, written to produce the
 * same output as Alertmanager 0.25's defaults.
 *
 * Fields rendered as HTML (e-mail `html`, Telegram with `parse_mode: HTML`, Pushover with
 * `html: true`) execute with Go `html/template`'s escaping of every action's output (`safeHtml`
 * values excepted), as upstream's `ExecuteHTMLString`. Lookout applies the HTML-text escaping
 * in every context; Go additionally filters and normalises URLs in `href`/`src` attributes
 * (`#ZgotmplZ` for a non-http(s)/mailto scheme, percent-encoding of spaces and non-ASCII).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, type AlertmanagerConfig } from '../config/alertmanager.js';
import { fileErrorText } from '../config/yaml.js';
import { globFiles } from '../config/prometheus/glob.js';
import { quoteMeta } from '../model/regex.js';
import { GoTime, Template, alertmanagerFuncs, defineMethods, goFunc } from '../template/index.js';
import { ZERO_TIME, alertStatus, type Alert } from './alert.js';
import { DEFAULT_TEMPLATES } from './default-templates.js';

/**
 * A label or annotation map (`{name: value}`, a Go map for templates, ranged in sorted key order)
 * with Alertmanager's `KV` methods as non-enumerable properties: `SortedPairs()` (by name,
 * `alertname` first), `Remove(names)`, `Names()`, `Values()`.
 */
export type KV = Record<string, string> & {
  SortedPairs(): Pairs;
  Remove(names: readonly string[]): KV;
  Names(): string[];
  Values(): string[];
};

/** Makes a {@link KV} holding a copy of `obj`'s entries (keys in sorted order). */
export function makeKV(obj: Readonly<Record<string, string>>): KV {
  const kv: Record<string, string> = {};
  for (const k of Object.keys(obj).sort()) kv[k] = obj[k]!;
  const sortedPairs = (): Pairs => {
    const keys = Object.keys(kv).filter((k) => k !== 'alertname').sort();
    if ('alertname' in kv) keys.unshift('alertname');
    return makePairs(keys.map((k) => new Pair(k, kv[k]!)));
  };
  return defineMethods(kv, {
    SortedPairs: sortedPairs,
    Remove: (names: readonly string[]) => {
      const drop = new Set(names);
      const out: Record<string, string> = {};
      for (const k of Object.keys(kv)) if (!drop.has(k)) out[k] = kv[k]!;
      return makeKV(out);
    },
    Names: () => sortedPairs().Names(),
    Values: () => sortedPairs().Values(),
  }) as KV;
}

/** One name/value pair of `KV.SortedPairs()`. */
export class Pair {
  constructor(
    readonly Name: string,
    readonly Value: string,
  ) {}
}

/** A slice of {@link Pair} with `Names()` and `Values()` methods. */
export type Pairs = Pair[] & { Names(): string[]; Values(): string[] };

function makePairs(ps: Pair[]): Pairs {
  return defineMethods(ps, { Names: () => ps.map((p) => p.Name), Values: () => ps.map((p) => p.Value) }) as Pairs;
}

/** One alert as templates see it (upstream `template.Alert`). */
export class TemplateAlert {
  constructor(
    readonly Status: string,
    readonly Labels: KV,
    readonly Annotations: KV,
    readonly StartsAt: GoTime,
    readonly EndsAt: GoTime,
    readonly GeneratorURL: string,
    readonly Fingerprint: string,
  ) {}
}

/** A slice of {@link TemplateAlert} with `Firing()` and `Resolved()` methods. */
export type TemplateAlerts = TemplateAlert[] & { Firing(): TemplateAlert[]; Resolved(): TemplateAlert[] };

function makeAlerts(as: TemplateAlert[]): TemplateAlerts {
  return defineMethods(as, {
    Firing: () => as.filter((a) => a.Status === 'firing'),
    Resolved: () => as.filter((a) => a.Status === 'resolved'),
  }) as TemplateAlerts;
}

/** The dot of a notification template (upstream `template.Data`). */
export class TemplateData {
  constructor(
    readonly Receiver: string,
    readonly Status: string,
    readonly Alerts: TemplateAlerts,
    readonly GroupLabels: KV,
    readonly CommonLabels: KV,
    readonly CommonAnnotations: KV,
    readonly ExternalURL: string,
  ) {}
}

function goTime(ms: number): GoTime {
  return ms === ZERO_TIME ? GoTime.zero() : GoTime.fromMs(ms);
}

function common(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/**
 * Builds the template data for a notification, as upstream `Template.Data`: the receiver name is
 * passed through `regexp.QuoteMeta` (as upstream does), the status is `resolved` only when every
 * alert is resolved at `now`, common labels/annotations are those equal in all alerts.
 */
export function templateData(
  receiver: string,
  groupLabels: Readonly<Record<string, string>>,
  alerts: readonly Alert[],
  externalURL: string,
  now: number,
): TemplateData {
  const list = alerts.map(
    (a) =>
      new TemplateAlert(
        alertStatus(a, now),
        makeKV(a.labels),
        makeKV(a.annotations),
        goTime(a.startsAt),
        goTime(a.endsAt),
        a.generatorURL,
        a.fingerprint,
      ),
  );
  const firing = list.some((a) => a.Status === 'firing');
  return new TemplateData(
    quoteMeta(receiver),
    firing ? 'firing' : 'resolved',
    makeAlerts(list),
    makeKV(groupLabels),
    makeKV(common(alerts.map((a) => a.labels))),
    makeKV(common(alerts.map((a) => a.annotations))),
    externalURL,
  );
}

/** A `templates:` entry that could not be loaded: which one (index into the globs) and why. */
export class TemplateLoadError extends Error {
  override name = 'TemplateLoadError';
  constructor(
    message: string,
    /** Index of the glob in the list given to {@link NotificationTemplates}. */
    readonly index: number,
  ) {
    super(message);
  }
}

/**
 * The notification template set: defaults, then the user's template files (`templates:` globs,
 * later definitions replacing earlier ones, as Go's `ParseGlob`). Globs follow Go's
 * `filepath.Glob` (`config/prometheus/glob.ts`): a glob matching nothing adds nothing, a class
 * such as `[z-a]` simply matches nothing, an unclosed `[` is an error.
 */
export class NotificationTemplates {
  private parsed?: { tmpl: Template; html: Template };

  /**
   * @param globs template file globs (absolute, or relative to the working directory)
   * @param now clock (ms) for the `since` function
   * @throws {TemplateLoadError} when a glob is malformed (`syntax error in pattern: …`), a
   *   matched file cannot be read (`open F: permission denied`) or does not parse
   *   (`template: name.tmpl:3: …`)
   */
  constructor(
    private readonly globs: readonly string[],
    readonly externalURL: string,
    private readonly now: () => number = Date.now,
  ) {
    // Without template files nothing can fail: the defaults are parsed on first use, which keeps
    // ~30 ms of parsing off the server's startup. With files, errors surface here, at (re)load.
    if (globs.length > 0) this.parsed = this.parse();
  }

  private templates(): { tmpl: Template; html: Template } {
    return (this.parsed ??= this.parse());
  }

  private parse(): { tmpl: Template; html: Template } {
    const funcs = alertmanagerFuncs({ now: this.now });
    const tmpl = new Template(funcs);
    const html = new Template({ ...funcs, safeHtml: goFunc({ params: ['string'] }, (v: string) => new SafeHTML(v)) }, htmlTemplateEscape);
    tmpl.parse('default.tmpl', DEFAULT_TEMPLATES);
    html.parse('default.tmpl', DEFAULT_TEMPLATES);
    for (const [i, g] of this.globs.entries()) {
      try {
        for (const file of globFiles(g)) {
          let text: string;
          try {
            text = readFileSync(file, 'utf8');
          } catch (e) {
            throw new Error(fileErrorText(file, e));
          }
          tmpl.parse(basename(file), text);
          html.parse(basename(file), text);
        }
      } catch (e) {
        throw new TemplateLoadError(e instanceof Error ? e.message : String(e), i);
      }
    }
    return { tmpl, html };
  }

  /**
   * Executes a config field's text (e.g. `{{ template "slack.default.title" . }}`) with `data`.
   * @throws {TemplateError}
   */
  execute(text: string, data: TemplateData): string {
    return this.templates().tmpl.executeText(text, data);
  }

  /**
   * Executes a field rendered as HTML (upstream `ExecuteHTMLString`): every action's output is
   * escaped (`&`, `<`, `>`, `"`, `'`, `+`, NUL) unless it comes from `safeHtml`.
   * @throws {TemplateError}
   */
  executeHTML(text: string, data: TemplateData): string {
    return this.templates().html.executeText(text, data);
  }
}

/** A value of `safeHtml` in HTML templates (Go `template.HTML`): printed unescaped. */
export class SafeHTML {
  constructor(readonly html: string) {}
  /** Go `Stringer`, for printing. */
  String(): string {
    return this.html;
  }
}

const HTML_TEMPLATE_ESCAPES: Record<string, string> = {
  '\0': '\uFFFD',
  '"': '&#34;',
  '&': '&amp;',
  "'": '&#39;',
  '+': '&#43;',
  '<': '&lt;',
  '>': '&gt;',
};

/** Go `html/template`'s escaping of a value in HTML text and quoted attributes. */
export function htmlTemplateEscape(value: unknown, printed: string): string {
  if (value instanceof SafeHTML) return printed;
  return printed.replace(/[\0"&'+<>]/g, (c) => HTML_TEMPLATE_ESCAPES[c]!);
}

/**
 * Loads the notification templates of a loaded config, as Alertmanager does on (re)load and
 * `amtool check-config` does after the config checks.
 * @param configFile the config's file name, for errors
 * @throws {ConfigError} `F:line:col: templates[i]: failed to parse templates: …`, located at the
 *   failing `templates:` entry (line 0 when the config was not read from a file)
 */
export function loadNotificationTemplates(cfg: AlertmanagerConfig, configFile: string, externalURL: string, now?: () => number): NotificationTemplates {
  try {
    return new NotificationTemplates(cfg.templates, externalURL, now);
  } catch (e) {
    if (!(e instanceof TemplateLoadError)) throw e;
    const pos = cfg.templatePositions?.[e.index];
    throw new ConfigError(configFile, pos?.line ?? 0, pos?.column ?? 0, `templates[${e.index}]`, `failed to parse templates: ${e.message}`);
  }
}
