/**
 * Lookout's default notification templates: the names Alertmanager's `default.tmpl` and
 * `email.tmpl` define (`__subject`, `slack.default.title`, `opsgenie.default.description`,
 * `telegram.default.message`, `email.default.html`, …), which config fields reference by default
 * and user templates may call.
 *
 * The texts are Lookout's own. Every text template produces exactly the output of Alertmanager
 * 0.25's (0.27's for `msteams.*`, current upstream's for `msteamsv2.*`, `rocketchat.*` and `mattermost.*`) — down to the blank lines,
 * which users' parsers and tests see. `email.default.html` is Lookout's own design of an HTML
 * e-mail carrying the same content as upstream's (header with the alert count and group labels,
 * a link to the Alertmanager, firing then resolved alerts with labels, annotations and source
 * link); its markup differs from upstream's.
 */

const COMMON = `
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
{{ define "__md_pairs_list" }}{{ range . }}  - {{ .Name }} = {{ .Value }}
{{ end }}{{ end }}
{{ define "__text_alert_list_markdown" }}{{ range . }}
Labels:
{{ template "__md_pairs_list" .Labels.SortedPairs }}
Annotations:
{{ template "__md_pairs_list" .Annotations.SortedPairs }}
Source: {{ .GeneratorURL }}
{{ end }}
{{ end }}

{{ define "__lookout_annotation_values" }}{{ join " " .CommonAnnotations.SortedPairs.Values }}{{ end }}
{{ define "__lookout_sections_tight" -}}
  {{ if .Alerts.Firing }}Alerts Firing:
{{ template "__text_alert_list" .Alerts.Firing }}{{ end }}
{{ if .Alerts.Resolved }}Alerts Resolved:
{{ template "__text_alert_list" .Alerts.Resolved }}{{ end }}
{{- end }}
{{ define "__lookout_sections_spaced" -}}
  {{ if .Alerts.Firing }}
Alerts Firing:
{{ template "__text_alert_list" .Alerts.Firing }}
{{ end }}
{{ if .Alerts.Resolved }}
Alerts Resolved:
{{ template "__text_alert_list" .Alerts.Resolved }}
{{ end }}
{{ end }}
{{ define "__lookout_sections_markdown" -}}
  {{ if .Alerts.Firing }}
# Alerts Firing:
{{ template "__text_alert_list_markdown" .Alerts.Firing }}
{{ end }}
{{ if .Alerts.Resolved }}
# Alerts Resolved:
{{ template "__text_alert_list_markdown" .Alerts.Resolved }}
{{ end }}
{{ end }}
`;

const INTEGRATIONS = `
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

{{ define "opsgenie.default.message" }}{{ template "__subject" . }}{{ end }}
{{ define "opsgenie.default.description" }}{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_tight" . }}{{ end }}
{{ define "opsgenie.default.source" }}{{ template "__alertmanagerURL" . }}{{ end }}

{{ define "wechat.default.message" }}{{ template "__subject" . }}
{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_tight" . }}
AlertmanagerUrl:
{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "wechat.default.to_user" }}{{ end }}
{{ define "wechat.default.to_party" }}{{ end }}
{{ define "wechat.default.to_tag" }}{{ end }}
{{ define "wechat.default.agent_id" }}{{ end }}

{{ define "victorops.default.state_message" }}{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_tight" . }}{{ end }}
{{ define "victorops.default.entity_display_name" }}{{ template "__subject" . }}{{ end }}
{{ define "victorops.default.monitoring_tool" }}{{ template "__alertmanager" . }}{{ end }}

{{ define "pushover.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "pushover.default.message" }}{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_spaced" . }}{{ end }}
{{ define "pushover.default.url" }}{{ template "__alertmanagerURL" . }}{{ end }}

{{ define "sns.default.subject" }}{{ template "__subject" . }}{{ end }}
{{ define "sns.default.message" }}{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_spaced" . }}{{ end }}

{{ define "telegram.default.message" }}
{{ template "__lookout_sections_spaced" . }}{{ end }}

{{ define "discord.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "discord.default.message" }}
{{ template "__lookout_sections_spaced" . }}{{ end }}

{{ define "webex.default.message" }}{{ template "__lookout_annotation_values" . }}
{{ template "__lookout_sections_spaced" . }}{{ end }}

{{ define "msteams.default.summary" }}{{ template "__subject" . }}{{ end }}
{{ define "msteams.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "msteams.default.text" }}
{{ template "__lookout_sections_markdown" . }}{{ end }}

{{ define "msteamsv2.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "msteamsv2.default.text" }}
{{ template "__lookout_sections_markdown" . }}{{ end }}

{{ define "rocketchat.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "rocketchat.default.alias" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "rocketchat.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "rocketchat.default.emoji" }}{{ end }}
{{ define "rocketchat.default.iconurl" }}{{ end }}
{{ define "rocketchat.default.text" }}{{ end }}

{{ define "mattermost.default.color" }}{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}{{ end }}
{{ define "mattermost.default.username" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "mattermost.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "mattermost.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "mattermost.default.fallback" }}{{ template "mattermost.default.title" . }} | {{ template "mattermost.default.titlelink" . }}{{ end }}
{{ define "mattermost.default.text" }}
{{ template "__lookout_sections_markdown" . }}{{ end }}

{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
`;

/** Lookout's HTML e-mail (see the module comment); values are escaped when executed as HTML. */
const EMAIL_HTML = `
{{ define "email.default.html" }}<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width">
<title>{{ template "__subject" . }}</title>
</head>
<body style="margin:0;padding:24px 12px;background:#f6f7f9;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1d2330">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #dde1e8;border-radius:6px">
<tr><td style="padding:16px 20px;border-radius:6px 6px 0 0;color:#ffffff;font-size:16px;font-weight:600;background:{{ if eq .Status "firing" }}#c62828{{ else }}#1a8f4c{{ end }}">
{{- len .Alerts }} {{ if eq (len .Alerts) 1 }}alert{{ else }}alerts{{ end }} for{{ range .GroupLabels.SortedPairs }} {{ .Name }}={{ .Value }}{{ end -}}
</td></tr>
<tr><td style="padding:20px">
<p style="margin:0 0 20px"><a href="{{ template "__alertmanagerURL" . }}" style="display:inline-block;padding:8px 16px;border-radius:4px;background:#2459c9;color:#ffffff;font-weight:600;text-decoration:none">View in {{ template "__alertmanager" . }}</a></p>
{{- if .Alerts.Firing }}
<h2 style="margin:0 0 8px;font-size:15px;color:#c62828">[{{ len .Alerts.Firing }}] Firing</h2>
{{- range .Alerts.Firing }}{{ template "__lookout_email_alert" . }}{{ end }}
{{- end }}
{{- if .Alerts.Resolved }}
<h2 style="margin:0 0 8px;font-size:15px;color:#1a8f4c">[{{ len .Alerts.Resolved }}] Resolved</h2>
{{- range .Alerts.Resolved }}{{ template "__lookout_email_alert" . }}{{ end }}
{{- end }}
</td></tr>
<tr><td style="padding:12px 20px;border-top:1px solid #dde1e8;color:#6b7385;font-size:12px">Sent by {{ template "__alertmanager" . }} · <a href="{{ .ExternalURL }}" style="color:#6b7385">{{ .ExternalURL }}</a></td></tr>
</table>
</body>
</html>
{{ end }}
{{ define "__lookout_email_alert" }}
<div style="margin:0 0 16px;padding:12px;border:1px solid #dde1e8;border-radius:4px">
<strong>Labels</strong><br>
{{- range .Labels.SortedPairs }}
{{ .Name }} = {{ .Value }}<br>
{{- end }}
{{- if .Annotations }}
<strong>Annotations</strong><br>
{{- range .Annotations.SortedPairs }}
{{ .Name }} = {{ .Value }}<br>
{{- end }}
{{- end }}
{{- if .GeneratorURL }}
<a href="{{ .GeneratorURL }}">Source</a>
{{- end }}
</div>
{{- end }}
`;

/** All default templates, parsed before the user's template files. */
export const DEFAULT_TEMPLATES = COMMON + INTEGRATIONS + EMAIL_HTML;
