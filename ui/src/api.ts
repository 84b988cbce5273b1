/** Typed calls to Lookout's Prometheus-compatible HTTP API. Times in the API are float seconds. */

export type Metric = Record<string, string>;
export interface InstantSample { metric: Metric; value: [number, string] }
export interface RangeSeries { metric: Metric; values: [number, string][] }
export type QueryData =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

/** An error answered by the API (message as the server wrote it). */
export class ApiError extends Error {}

/**
 * GETs `/api/v1/<path>` and returns `data` with the response's `warnings` and `infos` (annotations of
 * Prometheus 3), throwing ApiError with the server's message on failure.
 */
export async function apiGet<T>(
  path: string,
  params: Record<string, string | number> = {},
): Promise<{ data: T; warnings: string[]; infos: string[] }> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`/api/v1/${path}${qs.size ? `?${qs}` : ''}`);
  let body: ApiResponse<T>;
  try {
    body = (await res.json()) as ApiResponse<T>;
  } catch {
    throw new ApiError(`${res.status} ${res.statusText}`);
  }
  if (body.status !== 'success') throw new ApiError(body.error ?? `${res.status} ${res.statusText}`);
  return { data: body.data as T, warnings: body.warnings ?? [], infos: body.infos ?? [] };
}

export interface Target {
  discoveredLabels: Metric;
  labels: Metric;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

export interface ActiveAlert {
  labels: Metric;
  annotations: Metric;
  state: 'pending' | 'firing';
  activeAt?: string;
  value: string;
}

export interface Rule {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  duration?: number;
  labels?: Metric;
  annotations?: Metric;
  alerts?: ActiveAlert[];
  state?: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
}

export interface RuleGroup {
  name: string;
  file: string;
  rules: Rule[];
  interval: number;
  evaluationTime: number;
  lastEvaluation: string;
}
