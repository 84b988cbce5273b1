import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO_TIME, makeAlert } from '../../../src/alertmanager/alert.js';
import { globFiles } from '../../../src/config/prometheus/glob.js';
import { NotificationTemplates, TemplateLoadError, makeKV, templateData } from '../../../src/alertmanager/template.js';
import { maskedConfigText } from '../../../src/alertmanager/config-text.js';

const alert = (labels: Record<string, string>, annotations: Record<string, string>, endsAt = ZERO_TIME) =>
  makeAlert({ labels, annotations, startsAt: Date.UTC(2024, 0, 1, 10), endsAt, updatedAt: 0, generatorURL: 'http://g', timeout: false });

const NOW = Date.UTC(2024, 0, 1, 12);
const data = templateData(
  'ops+team',
  { alertname: 'High' },
  [alert({ alertname: 'High', job: 'api', zone: 'a' }, { summary: 's', d: '1' }), alert({ alertname: 'High', job: 'api', zone: 'b' }, { summary: 's' }, NOW - 1)],
  'http://am:9093',
  NOW,
);
const t = new NotificationTemplates([], 'http://am:9093');

describe('template data', () => {
  it('builds upstream Data: quoted receiver, status, common labels and annotations', () => {
    expect(data.Receiver).toBe('ops\\+team');
    expect(data.Status).toBe('firing');
    expect({ ...data.CommonLabels }).toEqual({ alertname: 'High', job: 'api' });
    expect(Object.keys(data.CommonLabels)).toEqual(['alertname', 'job']);
    expect({ ...data.CommonAnnotations }).toEqual({ summary: 's' });
    expect(data.Alerts.map((a) => a.Status)).toEqual(['firing', 'resolved']);
    expect(data.Alerts.Firing().length).toBe(1);
    expect(data.Alerts.Resolved()[0]!.Labels.zone).toBe('b');
  });

  it('gives KV its methods: SortedPairs puts alertname first', () => {
    const kv = makeKV({ z: '1', alertname: 'X', b: '2', get: 'label named like a Map method' });
    expect(kv.SortedPairs().map((p) => `${p.Name}=${p.Value}`)).toEqual(['alertname=X', 'b=2', 'get=label named like a Map method', 'z=1']);
    expect(kv.Names()).toEqual(['alertname', 'b', 'get', 'z']);
    expect(kv.Values()).toEqual(['X', '2', 'label named like a Map method', '1']);
    expect(Object.keys(kv.Remove(['b', 'z', 'get']))).toEqual(['alertname']);
    expect(t.execute('{{ .get }} {{ len . }} {{ range $k, $v := . }}{{ $k }};{{ end }}', kv as never)).toBe('label named like a Map method 4 alertname;b;get;z;');
  });
});

describe('default templates (same texts as Alertmanager 0.25)', () => {
  it('renders subjects, links and alert lists', () => {
    const x = (s: string) => t.execute(s, data);
    expect(x('{{ template "__subject" . }}')).toBe('[FIRING:1] High (api)');
    expect(x('{{ template "slack.default.title" . }}')).toBe('[FIRING:1] High (api)');
    expect(x('{{ template "slack.default.titlelink" . }}')).toBe('http://am:9093/#/alerts?receiver=ops%5C%2Bteam');
    expect(x('{{ template "slack.default.fallback" . }}')).toBe('[FIRING:1] High (api) | http://am:9093/#/alerts?receiver=ops%5C%2Bteam');
    expect(x('{{ template "slack.default.username" . }}|{{ template "slack.default.text" . }}|{{ template "slack.default.color" . }}')).toBe(
      'Alertmanager||danger',
    );
    expect(x('{{ template "pagerduty.default.instances" .Alerts.Firing }}')).toBe(
      'Labels:\n - alertname = High\n - job = api\n - zone = a\nAnnotations:\n - d = 1\n - summary = s\nSource: http://g\n',
    );
    expect(x('{{ template "email.default.subject" . }}')).toBe('[FIRING:1] High (api)');
    expect(x('{{ .CommonLabels.job | toUpper }} {{ title "hello wORLD" }} {{ join "," (stringSlice "a" "b") }} {{ reReplaceAll "(a+)" "<$1>" "baab" }} {{ match "^ap" .CommonLabels.job }}')).toBe(
      'API Hello World a,b b<aa>b true',
    );
    expect(x('{{ (index .Alerts 0).StartsAt }}')).toBe('2024-01-01 10:00:00 +0000 UTC');
    expect(x('{{ (index .Alerts 0).StartsAt | date "15:04" }} {{ .CommonLabels | toJson }}')).toBe('10:00 {"alertname":"High","job":"api"}');
  });

  it('adds user templates from globs, later files overriding defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmpl-'));
    writeFileSync(join(dir, 'a.tmpl'), '{{ define "slack.default.title" }}custom {{ .Status }}{{ end }}');
    writeFileSync(join(dir, 'b.tmpl'), '{{ define "mine" }}[{{ len .Alerts }}]{{ end }}');
    writeFileSync(join(dir, 'c.txt'), '{{ define "ignored" }}{{ end }}');
    expect(globFiles(join(dir, '*.tmpl'))).toEqual([join(dir, 'a.tmpl'), join(dir, 'b.tmpl')]);
    expect(globFiles(join(dir, '[ab].t?pl')).length).toBe(2);
    expect(globFiles(join(dir, 'none-*'))).toEqual([]);
    const u = new NotificationTemplates([join(dir, '*.tmpl')], '');
    expect(u.execute('{{ template "slack.default.title" . }} {{ template "mine" . }}', data)).toBe('custom firing [2]');
    expect(() => u.execute('{{ template "ignored" . }}', data)).toThrow(/template "ignored" not defined/);
  });

  it('globs as Go: a reversed class matches nothing (Alertmanager starts), an unclosed one is an error naming its entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmpl-'));
    writeFileSync(join(dir, 'z.tmpl'), '{{ define "z" }}z{{ end }}');
    expect(() => new NotificationTemplates([join(dir, '[z-a]*.tmpl'), join(dir, 'missing.tmpl')], '')).not.toThrow();
    let err: unknown;
    try {
      new NotificationTemplates([join(dir, 'z.tmpl'), join(dir, '[a*.tmpl')], '');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateLoadError);
    expect(err).toMatchObject({ index: 1, message: `syntax error in pattern: ${join(dir, '[a*.tmpl')}` });
  });
});

describe('status config text', () => {
  it('hides secrets, including Slack URLs and PagerDuty keys but not other URLs', () => {
    const out = maskedConfigText(`global:
  smtp_auth_password: pw
  slack_api_url: http://hooks/secret
receivers:
  - name: r
    slack_configs: [{api_url: 'http://hooks/x'}]
    pagerduty_configs: [{routing_key: rk, url: 'http://pd'}]
    victorops_configs: [{routing_key: team, api_key: k}]
    webhook_configs: [{url: 'http://hook', http_config: {basic_auth: {username: u, password: p}}}]
`);
    expect(out.match(/<secret>/g)?.length).toBe(6);
    for (const leaked of [': pw', 'hooks/', 'rk', ': k ', ': p ']) expect(out).not.toContain(leaked);
    expect(out).toContain('routing_key: team');
    expect(out).toContain("url: 'http://hook'");
    expect(out).toContain('username: u');
  });
});
