/**
 * Alertmanager API v2 without HTTP: `web/` forwards `/api/v2/*` here. Endpoints, parameters,
 * response shapes, status codes and error texts follow Alertmanager 0.25 (so `amtool` works):
 *
 * | method, path              | answer                                                          |
 * |---------------------------|-----------------------------------------------------------------|
 * | GET /status               | cluster (disabled), versionInfo, config.original, uptime        |
 * | GET /receivers            | `[{name}]` in config order                                      |
 * | GET /alerts               | `filter=` matchers, `active/silenced/inhibited`, `receiver=` regex; sorted by fingerprint |
 * | POST /alerts              | 200; 400 with the joined validation errors                      |
 * | GET /alerts/groups        | aggregation groups, same filters                                |
 * | GET, POST /silences       | list (`filter=`), create/update → `{silenceID}`                 |
 * | GET, DELETE /silence/{id} | one silence (404 when unknown); expire                          |
 */
import type { AlertmanagerConfig } from '../config/alertmanager/types.js';
import type { Alert } from './alert.js';
import {
  ApiError,
  gettableAlert,
  gettableSilence,
  isUUID,
  queryBool,
  readPostableAlerts,
  readPostableSilence,
  validationError,
  type PostedAlert,
} from './api-models.js';
import type { GroupView } from './dispatcher.js';
import { compareAlertLabels, labelSetBefore } from './labelset.js';
import { AmMatcher, MatcherParseError, compileAmRegex, parseMatcher } from './matcher.js';
import type { Route } from './route.js';
import { SilenceError, silenceState, type Silences } from './silences.js';
import type { AlertStore, Marker } from './store.js';
import { formatRFC3339Millis } from './alert.js';

/** A request forwarded by `web/`; `path` is what follows `/api/v2`. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (a string is parsed here); undefined when the request had none. */
  body: unknown;
  /** Media type of a non-empty body, lower-cased (`application/octet-stream` when unnamed). */
  contentType?: string;
  /** Go's JSON syntax error for a body that did not decode (e.g. `unexpected EOF`). */
  bodyError?: string;
}

/** An API response: status and JSON body (`undefined` for an empty body). */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the API reads from and writes to the running Alertmanager. */
export interface ApiBackend {
  config(): AlertmanagerConfig;
  route(): Route;
  /** Rendered config for `/status` (secrets hidden). */
  configText(): string;
  store: AlertStore;
  marker: Marker;
  silences: Silences;
  groups(): GroupView[];
  /** Re-evaluates inhibition and silencing of an alert (updates the marker). */
  refreshStatus(a: Alert): void;
  /** Stores posted alerts; resolves to the joined validation errors of rejected ones, or null. */
  receive(alerts: PostedAlert[]): Promise<string | null>;
  now(): number;
  /** ms: when the Alertmanager started. */
  startTime: number;
}

/** Version reported by `GET /status`. */
export const VERSION_INFO = {
  branch: 'lookout',
  buildDate: '',
  buildUser: 'lookout',
  goVersion: `node${process.versions.node}`,
  revision: 'lookout',
  version: '0.25.0',
};

function parseFilter(query: URLSearchParams): AmMatcher[] {
  try {
    return query.getAll('filter').map(parseMatcher);
  } catch (e) {
    if (e instanceof MatcherParseError) throw new ApiError(400, e.message);
    throw e;
  }
}

function receiverFilter(query: URLSearchParams): ((r: string) => boolean) | null {
  const p = query.get('receiver');
  if (p === null) return null;
  try {
    const re = compileAmRegex(p);
    return (r) => re.test(r);
  } catch (e) {
    throw new ApiError(400, `failed to parse receiver param: ${(e as Error).message}`);
  }
}

/** Upstream `matchFilterLabels`: a matcher with an empty value is satisfied by a missing label (`=`, `=~`) or by a present one (`!=`, `!~`). */
function matchFilterLabels(matchers: readonly AmMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const v = labels[m.name];
    const present = v !== undefined;
    if (m.type === '!~' || m.type === '!=') {
      if (m.value === '' && present) continue;
    } else if (m.value === '' && !present) continue;
    if (!m.matches(v ?? '')) return false;
  }
  return true;
}

/** The API v2 handler. */
export class ApiV2 {
  constructor(private readonly b: ApiBackend) {}

  /** Answers one request; never throws. */
  async handle(req: ApiRequest): Promise<ApiResponse> {
    try {
      return await this.route(req);
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, body: e.body };
      return { status: 500, body: e instanceof Error ? e.message : String(e) };
    }
  }

  private route(req: ApiRequest): ApiResponse | Promise<ApiResponse> {
    const path = req.path.replace(/\/+$/, '') || '/';
    const allow = (methods: string[]) => {
      if (!methods.includes(req.method.toUpperCase())) {
        throw validationError(405, `method ${req.method.toUpperCase()} is not allowed, but [${methods.join(',')}] are`, 405);
      }
      if (req.contentType !== undefined && req.contentType !== 'application/json') {
        throw validationError(415, `unsupported media type ${JSON.stringify(req.contentType)}, only [application/json] are allowed`, 415);
      }
      return req.method.toUpperCase();
    };
    const body = (noun: 'alerts' | 'silence') => {
      if (req.bodyError !== undefined) throw validationError(400, `parsing ${noun} body from "" failed, because ${req.bodyError}`, 400);
      if (req.body === undefined) throw validationError(602, `${noun} in body is required`);
      return typeof req.body === 'string' ? parseJSONBody(req.body, noun) : req.body;
    };
    if (path === '/status') {
      allow(['GET']);
      return this.status();
    }
    if (path === '/receivers') {
      allow(['GET']);
      return { status: 200, body: this.b.config().receivers.map((r) => ({ name: r.name })) };
    }
    if (path === '/alerts') return allow(['POST', 'GET']) === 'GET' ? this.getAlerts(req.query) : this.postAlerts(body('alerts'));
    if (path === '/alerts/groups') {
      allow(['GET']);
      return this.getGroups(req.query);
    }
    if (path === '/silences') return allow(['POST', 'GET']) === 'GET' ? this.getSilences(req.query) : this.postSilence(body('silence'));
    const m = /^\/silence\/([^/]+)$/.exec(path);
    if (m) {
      const method = allow(['DELETE', 'GET']);
      const id = decodeURIComponent(m[1]!);
      if (!isUUID(id)) throw validationError(601, `silenceID in path must be of type uuid: ${JSON.stringify(id)}`);
      return method === 'GET' ? this.getSilence(id) : this.deleteSilence(id);
    }
    throw validationError(404, `path /api/v2${req.path} was not found`, 404);
  }

  private status(): ApiResponse {
    return {
      status: 200,
      body: {
        cluster: { peers: [], status: 'disabled' },
        config: { original: this.b.configText() },
        uptime: formatRFC3339Millis(this.b.startTime),
        versionInfo: VERSION_INFO,
      },
    };
  }

  private alertFilter(query: URLSearchParams): (a: Alert, now: number) => boolean {
    const matchers = parseFilter(query);
    const silenced = queryBool(query.get('silenced'), true);
    const inhibited = queryBool(query.get('inhibited'), true);
    const active = queryBool(query.get('active'), true);
    return (a, now) => {
      if (a.endsAt < now) return false;
      this.b.refreshStatus(a);
      const st = this.b.marker.status(a.fingerprint);
      if (!active && st.state === 'active') return false;
      if (!silenced && st.silencedBy.length > 0) return false;
      if (!inhibited && st.inhibitedBy.length > 0) return false;
      return matchFilterLabels(matchers, a.labels);
    };
  }

  private getAlerts(query: URLSearchParams): ApiResponse {
    const filter = this.alertFilter(query);
    const rf = receiverFilter(query);
    const now = this.b.now();
    const route = this.b.route();
    const out: Record<string, unknown>[] = [];
    for (const a of this.b.store.list()) {
      const receivers = route.match(a.labels).map((r) => r.opts.receiver);
      if (rf && !receivers.some(rf)) continue;
      if (!filter(a, now)) continue;
      out.push(gettableAlert(a, this.b.marker.status(a.fingerprint), receivers));
    }
    out.sort((x, y) => ((x.fingerprint as string) < (y.fingerprint as string) ? -1 : 1));
    return { status: 200, body: out };
  }

  private async postAlerts(body: unknown): Promise<ApiResponse> {
    const err = await this.b.receive(readPostableAlerts(body));
    if (err !== null) return { status: 400, body: err };
    return { status: 200, body: undefined };
  }

  private getGroups(query: URLSearchParams): ApiResponse {
    const filter = this.alertFilter(query);
    const rf = receiverFilter(query);
    const now = this.b.now();
    const receiversByFp = new Map<string, string[]>();
    const groups: { view: GroupView; alerts: Alert[] }[] = [];
    for (const view of this.b.groups()) {
      if (rf && !rf(view.receiver)) continue;
      const alerts = view.alerts.filter((a) => filter(a, now));
      if (alerts.length === 0) continue;
      for (const a of alerts) receiversByFp.set(a.fingerprint, [...(receiversByFp.get(a.fingerprint) ?? []), view.receiver]);
      groups.push({ view, alerts: alerts.sort((x, y) => compareAlertLabels(x.labels, y.labels)) });
    }
    groups.sort((x, y) => {
      const a = x.view.labels;
      const b = y.view.labels;
      if (!labelSetBefore(a, b) && !labelSetBefore(b, a)) return x.view.receiver < y.view.receiver ? -1 : x.view.receiver > y.view.receiver ? 1 : 0;
      return labelSetBefore(a, b) ? -1 : 1;
    });
    const body = groups.map(({ view, alerts }) => ({
      alerts: alerts.map((a) => gettableAlert(a, this.b.marker.status(a.fingerprint), [...(receiversByFp.get(a.fingerprint) ?? [])].sort())),
      labels: Object.fromEntries(Object.keys(view.labels).sort().map((k) => [k, view.labels[k]!])),
      receiver: { name: view.receiver },
    }));
    return { status: 200, body };
  }

  private getSilences(query: URLSearchParams): ApiResponse {
    const matchers = parseFilter(query);
    const now = this.b.now();
    const order: Record<string, number> = { active: 1, pending: 2, expired: 3 };
    const list = this.b.silences
      .list()
      .filter((s) =>
        matchers.every((m) => s.matchers.some((sm) => sm.name === m.name && sm.value === m.value && sm.isRegex === m.isRegex && sm.isEqual === m.isEqual)),
      )
      .map((s) => ({ s, state: silenceState(s, now) }));
    list.sort((a, b) => {
      if (a.state !== b.state) return order[a.state]! - order[b.state]!;
      if (a.state === 'active') return a.s.endsAt - b.s.endsAt;
      if (a.state === 'pending') return a.s.startsAt - b.s.startsAt;
      return b.s.endsAt - a.s.endsAt;
    });
    return { status: 200, body: list.map(({ s, state }) => gettableSilence(s, state)) };
  }

  private postSilence(body: unknown): ApiResponse {
    const sil = readPostableSilence(body);
    const now = this.b.now();
    if (sil.startsAt >= sil.endsAt) return { status: 400, body: 'Failed to create silence: start time must be before end time' };
    if (sil.endsAt < now) return { status: 400, body: "Failed to create silence: end time can't be in the past" };
    try {
      return { status: 200, body: { silenceID: this.b.silences.set(sil) } };
    } catch (e) {
      if (e instanceof SilenceError) return { status: e.notFound ? 404 : 400, body: e.message };
      throw e;
    }
  }

  private getSilence(id: string): ApiResponse {
    const s = this.b.silences.get(id);
    if (!s) return { status: 404, body: undefined };
    return { status: 200, body: gettableSilence(s, silenceState(s, this.b.now())) };
  }

  private deleteSilence(id: string): ApiResponse {
    try {
      this.b.silences.expire(id);
    } catch (e) {
      if (e instanceof SilenceError) return { status: 500, body: e.message };
      throw e;
    }
    return { status: 200, body: undefined };
  }
}

function parseJSONBody(s: string, noun: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw validationError(400, `parsing ${noun} body from "" failed, because ${(e as Error).message}`, 400);
  }
}
