import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAlertmanagerConfig, matchRoutes, parseAlertmanagerConfig } from '../../../src/config/alertmanager.js';
import { Route } from '../../../src/alertmanager/route.js';

const parse = (text: string) => parseAlertmanagerConfig(text, '/etc/am/alertmanager.yml');
const err = (text: string): ConfigError => {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

const CASE11 = `
route:
  receiver: hipchat-test
  routes:
  - {matchers: ['notify="hipchat-test"'],     receiver: hipchat-test, continue: true}
  - {matchers: ['notify="hipchat"'],          receiver: hipchat,      continue: true}
  - {matchers: ['notify="hipchat-net"'],      receiver: hipchat-net,  continue: true}
  - {matchers: ['notify="hipchat-data"'],     receiver: hipchat-data, continue: true}
  - {matchers: ['notify_team="hipchat-data"'], receiver: hipchat-data, continue: true}
receivers: [{name: hipchat-test}, {name: hipchat}, {name: hipchat-net}, {name: hipchat-data}]
`;

describe('alertmanager.yml loader', () => {
  it('applies upstream defaults to an minimal config', () => {
    const c = parse('route: {receiver: r}\nreceivers: [{name: r}]\n');
    expect(c.global.resolve_timeout).toBe(300_000);
    expect(c.global.smtp_hello).toBe('localhost');
    expect(c.global.smtp_require_tls).toBe(true);
    expect(c.global.pagerduty_url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(c.global.slack_app_url).toBe('https://slack.com/api/chat.postMessage');
    expect(c.global.http_config.followRedirects).toBe(true);
    expect(c.templates).toEqual([]);
    const r = new Route(c.route);
    expect(r.opts).toMatchObject({ receiver: 'r', groupWait: 30_000, groupInterval: 300_000, repeatInterval: 14_400_000, groupByAll: false });
    expect([...r.opts.groupBy]).toEqual([]);
  });

  it('routes with continue on siblings (case 11)', () => {
    const c = parse(CASE11);
    expect(matchRoutes(c, { notify_team: 'hipchat-data', notify: 'hipchat' })).toEqual(['hipchat', 'hipchat-data']);
    expect(matchRoutes(c, { notify: 'none' })).toEqual(['hipchat-test']);
  });

  it('rejects continue on the root route (case 11)', () => {
    const e = err(CASE11.replace('  receiver: hipchat-test\n  routes:', '  receiver: hipchat-test\n  continue: true\n  routes:'));
    expect(e.message).toBe('/etc/am/alertmanager.yml:4:13: route.continue: cannot have continue in root route');
  });

  it('takes quoted commas and regexes in config matchers (case 12)', () => {
    const c = parse(`route:
  receiver: default
  routes:
    - matchers: ['tags="gum,latency"', 'severity=~"crit.*"']
      receiver: tagged
receivers: [{name: default}, {name: tagged}]
`);
    expect(matchRoutes(c, { tags: 'gum,latency', severity: 'critical' })).toEqual(['tagged']);
    expect(matchRoutes(c, { tags: 'gum', severity: 'critical' })).toEqual(['default']);
  });

  it('applies the 0.25 quoting rules (case 13)', () => {
    const e = err(`route:
  receiver: default
  routes:
    - matchers: ['foo="bar']
      receiver: default
receivers: [{name: default}]
`);
    expect(e.message).toBe('/etc/am/alertmanager.yml:4:18: route.routes[0].matchers[0]: matcher value contains unescaped double quote: "bar');
    const c = parse(`route:
  receiver: default
  routes:
    - matchers: ["label = 'atlas-test'"]
      receiver: day-incident
receivers: [{name: default}, {name: day-incident}]
`);
    expect(matchRoutes(c, { label: 'atlas-test' })).toEqual(['default']);
    expect(matchRoutes(c, { label: "'atlas-test'" })).toEqual(['day-incident']);
  });

  it("groups by all labels with group_by: ['...'] and rejects mixing it (case 14)", () => {
    const c = parse("route: {receiver: r, group_by: ['...']}\nreceivers: [{name: r}]\n");
    expect(c.route.group_by_all).toBe(true);
    expect(c.route.group_by).toBeUndefined();
    expect(new Route(c.route).groupLabels({ a: '1', b: '2' })).toEqual({ a: '1', b: '2' });
    expect(err("route: {receiver: r, group_by: ['...', alertname]}\nreceivers: [{name: r}]\n").message).toBe(
      '/etc/am/alertmanager.yml:1:32: route.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time',
    );
  });

  it('inherits route options and lets children override them', () => {
    const c = parse(`route:
  receiver: a
  group_by: [alertname]
  group_wait: 10s
  repeat_interval: 1h
  routes:
    - match: {team: x}
      group_by: [cluster]
      group_interval: 1m
      routes:
        - match_re: {severity: 'crit.*'}
          receiver: b
          group_by: ['...']
receivers: [{name: a}, {name: b}]
`);
    const root = new Route(c.route);
    const child = root.routes[0]!;
    const grand = child.routes[0]!;
    expect(child.opts).toMatchObject({ receiver: 'a', groupWait: 10_000, groupInterval: 60_000, repeatInterval: 3_600_000 });
    expect([...child.opts.groupBy]).toEqual(['cluster']);
    expect(grand.opts).toMatchObject({ receiver: 'b', groupByAll: true, groupInterval: 60_000 });
    expect(grand.key).toBe('{}/{team="x"}/{severity=~"crit.*"}');
    expect(root.match({ team: 'x', severity: 'critical' })).toEqual([grand]);
    expect(root.match({ team: 'x', severity: 'warning' })).toEqual([child]);
  });

  it('rejects unknown fields like strict YAML unmarshalling, with file:line', () => {
    expect(err('route: {receiver: r, recevier: x}\nreceivers: [{name: r}]\n').message).toBe(
      '/etc/am/alertmanager.yml:1:22: route.recevier: field recevier not found in type config.plain',
    );
    expect(err('route: {receiver: r}\nreceivers:\n  - name: r\n    webhook_configs: [{url: "http://x", foo: 1}]\n').message).toBe(
      '/etc/am/alertmanager.yml:4:41: receivers[0].webhook_configs[0].foo: field foo not found in type webhook.plain',
    );
  });

  it('reports upstream validation errors', () => {
    const cases: [string, string][] = [
      ['receivers: [{name: r}]\n', 'no routes provided'],
      ['route: {}\nreceivers: [{name: r}]\n', 'root route must specify a default receiver'],
      ['route: {receiver: r, match: {a: b}}\nreceivers: [{name: r}]\n', 'root route must not have any matchers'],
      ['route: {receiver: x}\nreceivers: [{name: r}]\n', 'undefined receiver "x" used in route'],
      ['route: {receiver: r}\nreceivers: [{name: r}, {name: r}]\n', 'notification config name "r" is not unique'],
      ['route: {receiver: r}\nreceivers: [{}]\n', 'missing name in receiver'],
      ['route: {receiver: r, group_interval: 0s}\nreceivers: [{name: r}]\n', 'group_interval cannot be zero'],
      ['route: {receiver: r, repeat_interval: 0s}\nreceivers: [{name: r}]\n', 'repeat_interval cannot be zero'],
      ['route: {receiver: r, group_by: [a, a]}\nreceivers: [{name: r}]\n', 'duplicated label "a" in group_by'],
      ['route: {receiver: r, group_by: [a-b]}\nreceivers: [{name: r}]\n', 'invalid label name "a-b" in group_by list'],
      ['route: {receiver: r, group_wait: 5x}\nreceivers: [{name: r}]\n', 'not a valid duration string: "5x"'],
      ['route: {receiver: r, routes: [{match_re: {a: "("}}]}\nreceivers: [{name: r}]\n', 'error parsing regexp: missing closing ): `^(?:()$`'],
      ['route: {receiver: r, routes: [{mute_time_intervals: [x]}]}\nreceivers: [{name: r}]\n', 'undefined time interval "x" used in route'],
      ['route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{}]}]\n', 'one of url or url_file must be configured'],
      ['route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "ftp://x"}]}]\n', 'invalid URL: unsupported scheme "ftp" for URL'],
      ['route: {receiver: r}\nreceivers: [{name: r, pagerduty_configs: [{}]}]\n', 'missing service or routing key in PagerDuty config'],
      ['route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b}]}]\n', 'no global SMTP smarthost set'],
      ['route: {receiver: r}\nreceivers: [{name: r, email_configs: [{}]}]\n', 'missing to address in email config'],
      ['route: {receiver: r}\ninhibit_rules: [{equal: [a-b]}]\nreceivers: [{name: r}]\n', 'invalid label name "a-b" in equal list'],
      ['route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals: [{time_intervals: []}]\n', 'missing name in time interval'],
      [
        'route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals: [{name: t, time_intervals: [{weekdays: [funday]}]}]\n',
        'funday is not a valid weekday',
      ],
      [
        'route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals: [{name: t, time_intervals: [{times: [{start_time: "10:00", end_time: "09:00"}]}]}]\n',
        'start time cannot be equal or greater than end time',
      ],
      ['route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals: [{name: t, time_intervals: [{location: Mars/Base}]}]\n', 'unknown time zone Mars/Base'],
      ['route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x", http_config: {bearer_token: a, bearer_token_file: b}}]}]\n', 'at most one of bearer_token & bearer_token_file must be configured'],
      ['', 'no route provided in config'],
    ];
    for (const [text, msg] of cases) expect(err(text).reason, text).toBe(msg);
  });

  it('applies global defaults and inheritance to receivers', () => {
    const c = parse(`global:
  slack_api_url: https://hooks.slack.com/services/X
  smtp_smarthost: mail:25
  smtp_from: am@example.org
  smtp_auth_password: pw
  http_config:
    basic_auth: {username: u, password: p}
route: {receiver: r}
receivers:
  - name: r
    slack_configs: [{channel: '#a'}, {app_token: xoxb-1}]
    pagerduty_configs: [{service_key: sk, details: {extra: '{{ .Status }}'}}]
    email_configs: [{to: x@example.org}, {to: y@example.org, auth_password_file: pw.txt}]
    webhook_configs: [{url: 'http://hook/', http_config: {authorization: {credentials: t}}}]
`);
    const r = c.receivers[0]!;
    const [s1, s2] = r.slack_configs;
    expect(s1!.api_url).toBe('https://hooks.slack.com/services/X');
    expect(s1!.send_resolved).toBe(false);
    expect(s1!.title).toBe('{{ template "slack.default.title" . }}');
    expect(s1!.http_config.basicAuth).toEqual({ username: 'u', usernameFile: '', password: 'p', passwordFile: '' });
    expect(s2!.api_url).toBe('https://slack.com/api/chat.postMessage');
    expect(s2!.http_config.authorization).toEqual({ type: 'Bearer', credentials: 'xoxb-1', credentialsFile: '' });
    const pd = r.pagerduty_configs[0]!;
    expect(pd.send_resolved).toBe(true);
    expect(pd.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(pd.source).toBe('{{ template "pagerduty.default.client" . }}');
    expect(Object.keys(pd.details).sort()).toEqual(['extra', 'firing', 'num_firing', 'num_resolved', 'resolved']);
    expect(r.email_configs.map((e) => [e.smarthost, e.from, e.auth_password, e.auth_password_file])).toEqual([
      ['mail:25', 'am@example.org', 'pw', ''],
      ['mail:25', 'am@example.org', '', '/etc/am/pw.txt'],
    ]);
    const wh = r.webhook_configs[0]!;
    expect(wh.send_resolved).toBe(true);
    expect(wh.http_config.authorization).toEqual({ type: 'Bearer', credentials: 't', credentialsFile: '' });
    expect(wh.http_config.basicAuth).toBeNull();
  });

  it('parses inhibit rules, time intervals and template paths', () => {
    const c = parse(`route:
  receiver: r
  routes: [{receiver: r, matchers: [a=b], active_time_intervals: [office], mute_time_intervals: [old]}]
receivers: [{name: r}]
templates: ['tmpl/*.tmpl', '/abs/x.tmpl']
inhibit_rules:
  - source_match: {severity: critical}
    target_match_re: {severity: 'warn.*'}
    target_matchers: ['team="a"']
    equal: [alertname]
mute_time_intervals:
  - name: old
    time_intervals: [{years: ['2020:2021']}]
time_intervals:
  - name: office
    time_intervals:
      - times: [{start_time: '09:00', end_time: '17:30'}]
        weekdays: ['monday:friday']
        days_of_month: ['1:5', '-3:-1']
        months: ['january:march', '12']
        location: Europe/Berlin
`);
    expect(c.templates).toEqual(['/etc/am/tmpl/*.tmpl', '/abs/x.tmpl']);
    const ir = c.inhibit_rules[0]!;
    expect(ir.source_matchers.map(String)).toEqual(['severity="critical"']);
    expect(ir.target_matchers.map(String)).toEqual(['severity=~"warn.*"', 'team="a"']);
    expect(ir.equal).toEqual(['alertname']);
    expect(c.time_intervals.get('old')).toEqual([{ years: [{ begin: 2020, end: 2021 }] }]);
    expect(c.time_intervals.get('office')).toEqual([
      {
        times: [{ startMinute: 540, endMinute: 1050 }],
        weekdays: [{ begin: 1, end: 5 }],
        days_of_month: [
          { begin: 1, end: 5 },
          { begin: -3, end: -1 },
        ],
        months: [
          { begin: 1, end: 3 },
          { begin: 12, end: 12 },
        ],
        location: 'Europe/Berlin',
      },
    ]);
  });

  it('loads from a file and reports unreadable files as ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amcfg-'));
    const f = join(dir, 'am.yml');
    writeFileSync(f, 'route: {receiver: r}\nreceivers: [{name: r}]\n');
    expect(loadAlertmanagerConfig(f).receivers.map((r) => r.name)).toEqual(['r']);
    expect(() => loadAlertmanagerConfig(join(dir, 'missing.yml'))).toThrow(ConfigError);
  });
});
