import { describe, expect, it } from 'vitest';
import {
  classifyError,
  classifyStatus,
  DEFAULT_BACKOFF,
  parseRetryAfter,
  retryDelayMs,
  syncSettingsFromEnv,
} from '../actors/sync/index.js';

describe('delivery policy', () => {
  it('delivers on 2xx, retries 408/429/5xx, drops any other 4xx and every 3xx', () => {
    for (const s of [200, 201, 202, 204]) expect(classifyStatus(s, null, 0).kind).toBe('delivered');
    for (const s of [408, 429, 500, 502, 503, 504]) expect(classifyStatus(s, null, 0).kind).toBe('retry');
    for (const s of [400, 401, 403, 404, 409, 413, 422]) expect(classifyStatus(s, null, 0).kind).toBe('drop');
    for (const s of [301, 302, 307, 308]) expect(classifyStatus(s, null, 0)).toMatchObject({ kind: 'drop' });
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores garbage', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(classifyStatus(429, '3', now)).toEqual({ kind: 'retry', reason: 'HTTP 429', afterMs: 3000 });
  });

  it('treats network errors and timeouts as retryable', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(classifyError(refused)).toEqual({ kind: 'retry', reason: 'network error (ECONNREFUSED)' });
    expect(classifyError(new DOMException('t', 'TimeoutError'))).toEqual({
      kind: 'retry',
      reason: 'timed out',
    });
  });

  it('backs off exponentially with jitter, capped, and lets Retry-After win within its own cap', () => {
    const p = { baseMs: 1000, maxMs: 60_000, maxRetryAfterMs: 120_000 };
    expect(retryDelayMs(p, 1, () => 0)).toBe(500);
    expect(retryDelayMs(p, 1, () => 1)).toBe(1000);
    expect(retryDelayMs(p, 4, () => 0)).toBe(4000);
    expect(retryDelayMs(p, 4, () => 1)).toBe(8000);
    expect(retryDelayMs(p, 30, () => 1)).toBe(60_000);
    expect(retryDelayMs(p, 30, () => 0)).toBe(30_000);
    expect(retryDelayMs(p, 5, () => 0.5, 2500)).toBe(2500);
    expect(retryDelayMs(p, 5, () => 0.5, 86_400_000)).toBe(120_000);
    expect(DEFAULT_BACKOFF.maxMs).toBe(300_000);
  });
});

describe('Mission Control settings from the environment', () => {
  it('is off without a URL, and never invents a secret', () => {
    expect(syncSettingsFromEnv({})).toEqual({ ok: true, settings: {} });
    expect(syncSettingsFromEnv({ MISSION_CONTROL_SECRET: 'abcdef' })).toEqual({
      ok: true,
      settings: { secret: 'abcdef' },
    });
  });

  it('reads URL, secret and interval', () => {
    expect(
      syncSettingsFromEnv({
        MISSION_CONTROL_URL: 'https://board.example/api/trade',
        MISSION_CONTROL_SECRET: 's3cret!',
        MISSION_CONTROL_INTERVAL_S: '90',
      }),
    ).toEqual({
      ok: true,
      settings: { url: 'https://board.example/api/trade', secret: 's3cret!', intervalMs: 90_000 },
    });
    expect(
      syncSettingsFromEnv({ MISSION_CONTROL_URL: 'http://127.0.0.1:9/x', MISSION_CONTROL_SECRET: 'x' }).ok,
    ).toBe(true);
  });

  it('reports every problem: URL without secret, plain http to another host, a bad interval', () => {
    const r = syncSettingsFromEnv({
      MISSION_CONTROL_URL: 'http://board.example/api/trade',
      MISSION_CONTROL_INTERVAL_S: '0',
    });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^MISSION_CONTROL_URL: must use https:\/\//);
    expect(errors[1]).toMatch(/^MISSION_CONTROL_SECRET: is not set/);
    expect(errors[2]).toMatch(/^MISSION_CONTROL_INTERVAL_S: expected seconds between 1 and 86400, was "0"/);
    const bad = syncSettingsFromEnv({ MISSION_CONTROL_URL: 'not a url', MISSION_CONTROL_SECRET: 'x' });
    expect(bad.ok ? [] : bad.errors).toEqual(['MISSION_CONTROL_URL: is not a URL']);
  });
});
