/**
 * Typed calls to the Alertmanager API v2 that Lookout serves under `/api/v2` (shapes as Alertmanager's
 * OpenAPI spec; times are RFC 3339 strings).
 */
import { ApiError, type Metric } from './api';
import type { Matcher } from './matchers';

export type { Matcher };

export interface GettableAlert {
  labels: Metric;
  annotations: Metric;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  generatorURL?: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AlertGroup {
  labels: Metric;
  receiver: { name: string };
  alerts: GettableAlert[];
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  updatedAt: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

export interface PostableSilence {
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** Calls `/api/v2/<path>`; throws ApiError with the server's message (Alertmanager answers errors as a JSON string or text). */
export async function amFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`/api/v2/${path}`, {
    ...init,
    headers: init.body ? { 'Content-Type': 'application/json' } : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(errorMessage(text) || `${res.status} ${res.statusText}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function errorMessage(body: string): string {
  if (!body.startsWith('"') && !body.startsWith('{')) return body;
  const parsed = JSON.parse(body) as string | { message?: string };
  return typeof parsed === 'string' ? parsed : (parsed.message ?? body);
}
