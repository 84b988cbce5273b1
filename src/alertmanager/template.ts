/**
 * Notification templates, as Alertmanager's `template` package: the data a notification template
 * sees (`.Receiver`, `.Status`, `.Alerts`, `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`,
 * `.ExternalURL`; each alert's `.Labels`, `.Annotations`, `.StartsAt`, …), the `KV` methods
 * (`SortedPairs`, `Remove`, `Names`, `Values`), the default templates (`slack.default.*`,
 * `pagerduty.default.*`, `email.default.subject`, `__subject`, …) and user template files.
 *
 * The default template texts are Lookout's own, written to produce the same output as
 * Alertmanager 0.25's defaults.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, fileErrorText, type AlertmanagerConfig } from '../config/alertmanager.js';
import { globFiles } from '../config/prometheus/glob.js';
import { quoteMeta } from '../model/regex.js';
import { GoTime, Template, alertmanagerFuncs, defineMethods } from '../template/index.js';
import { ZERO_TIME, alertStatus, type Alert } from './alert.js';

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

/** Lookout's default notification templates (same output as Alertmanager 0.25's `default.tmpl`). */
export const DEFAULT_TEMPLATES = `
{{ define "__alertmanager" }}Alertmanager{{ end }}
{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ urlquery .Receiver }}{{ end }}
{{ define "__subject" -}}
  [{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}]
  {{- " " }}{{ join " " .GroupLabels.SortedPairs.Values }}
  {{- " " }}{{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ join " " (.CommonLabels.Remove .GroupLabels.Names).Values }}){{ end }}
{{- end }}
{{ define "__description" }}{{ end }}
{{ define "__pairs_list" }}{{ range . }} - {{ .Name }} = {{ .Value }}
{{ end }}{{ end }}
{{ define "__text_alert_list" }}{{ range . }}Labels:
{{ template "__pairs_list" .Labels.SortedPairs }}Annotations:
{{ template "__pairs_list" .Annotations.SortedPairs }}Source: {{ .GeneratorURL }}
{{ end }}{{ end }}

{{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.fallback" }}{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}{{ end }}
{{ define "slack.default.color" }}{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{ define "slack.default.text" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}

{{ define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end }}
{{ define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end }}

{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
`;

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
  private readonly tmpl: Template;

  /**
   * @param globs template file globs (absolute, or relative to the working directory)
   * @param now clock (ms) for the `since` function
   * @throws {TemplateLoadError} when a glob is malformed (`syntax error in pattern: …`), a
   *   matched file cannot be read (`open F: permission denied`) or does not parse
   *   (`template: name.tmpl:3: …`)
   */
  constructor(
    globs: readonly string[],
    readonly externalURL: string,
    now: () => number = Date.now,
  ) {
    this.tmpl = new Template(alertmanagerFuncs({ now }));
    this.tmpl.parse('default.tmpl', DEFAULT_TEMPLATES);
    for (const [i, g] of globs.entries()) {
      try {
        for (const file of globFiles(g)) {
          let text: string;
          try {
            text = readFileSync(file, 'utf8');
          } catch (e) {
            throw new Error(fileErrorText(file, e));
          }
          this.tmpl.parse(basename(file), text);
        }
      } catch (e) {
        throw new TemplateLoadError(e instanceof Error ? e.message : String(e), i);
      }
    }
  }

  /**
   * Executes a config field's text (e.g. `{{ template "slack.default.title" . }}`) with `data`.
   * @throws {TemplateError}
   */
  execute(text: string, data: TemplateData): string {
    return this.tmpl.executeText(text, data);
  }
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
