/**
 * Mission Control settings from the environment: `MISSION_CONTROL_URL`, `MISSION_CONTROL_SECRET` and
 * `MISSION_CONTROL_INTERVAL_S`. There is no default secret (the original fell back to one written in its
 * source, so anyone with the code could post to the board).
 */

export const DEFAULT_INTERVAL_S = 1800;
const MAX_INTERVAL_S = 86_400;

/** What `dualbot run` hands the runtime; everything optional, and no URL means sync is off. */
export interface SyncSettings {
  /** Where to POST (the original board used `https://<board>/api/trade`). */
  readonly url?: string;
  /** Sent as `X-Status-Secret`. */
  readonly secret?: string;
  /** Snapshot period (default 30 min). */
  readonly intervalMs?: number;
}

export type SettingsResult = { ok: true; settings: SyncSettings } | { ok: false; errors: string[] };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks a Mission Control URL: https, or plain http only to this machine (the secret header must not
 * cross a network in clear text). Returns the problem, or null when the URL is fine.
 */
export function urlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  if (u.protocol === 'http:')
    return 'must use https:// (plain http is allowed only to 127.0.0.1 or localhost, so the secret is never sent in clear text)';
  return `must be an https:// URL (was ${u.protocol})`;
}

/** The URL as safe to log: origin and path, without a query string or credentials that might hold a token. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Reads the settings from `env`. Every problem is reported at once, as `VAR: message`, so `dualbot run`
 * can refuse to start (exit 78) instead of trading while the board silently gets nothing.
 */
export function syncSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): SettingsResult {
  const errors: string[] = [];
  const url = env['MISSION_CONTROL_URL']?.trim() || undefined;
  const secret = env['MISSION_CONTROL_SECRET'] || undefined;
  const rawInterval = env['MISSION_CONTROL_INTERVAL_S']?.trim() || undefined;
  if (url !== undefined) {
    const p = urlProblem(url);
    if (p) errors.push(`MISSION_CONTROL_URL: ${p}`);
    if (secret === undefined)
      errors.push(
        'MISSION_CONTROL_SECRET: is not set but MISSION_CONTROL_URL is; set both, or unset MISSION_CONTROL_URL to turn sync off',
      );
  }
  let intervalMs: number | undefined;
  if (rawInterval !== undefined) {
    const s = Number(rawInterval);
    if (!(Number.isFinite(s) && s >= 1 && s <= MAX_INTERVAL_S))
      errors.push(
        `MISSION_CONTROL_INTERVAL_S: expected seconds between 1 and ${MAX_INTERVAL_S}, was "${rawInterval}"`,
      );
    else intervalMs = Math.round(s * 1000);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      ...(url !== undefined ? { url } : {}),
      ...(secret !== undefined ? { secret } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    },
  };
}
