import { describe, expect, it } from 'vitest';
import { HealthMonitor } from '../actors/health-monitor.js';
import { createLogging } from '../actors/log.js';

describe('health monitor', () => {
  it('raises each alert once (log + webhook), clears it when it goes away, and survives a failing webhook', async () => {
    let alerts: string[] = [];
    const posted: unknown[] = [];
    let fail = false;
    const logging = createLogging({ stdout: false });
    const m = new HealthMonitor({
      alerts: () => alerts,
      intervalMs: 60_000,
      log: logging.root,
      webhookUrl: 'http://127.0.0.1:9/alerts',
      fetch: (async (_url: string, init: RequestInit) => {
        if (fail) throw new Error('unreachable');
        posted.push(JSON.parse(String(init.body)));
        return new Response('ok');
      }) as typeof fetch,
    });
    expect(m.check()).toEqual([]);
    alerts = ['kraken is down: boom'];
    m.check();
    m.check(); // still down: not posted again
    alerts = ['kraken is down: boom', 'coinbase is stale: no cycle for 900 s'];
    fail = true;
    expect(m.check()).toHaveLength(2); // the webhook failing changes nothing
    alerts = [];
    expect(m.check()).toEqual([]);
    await m.stop();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      text: 'dualbot: kraken is down: boom',
      alerts: ['kraken is down: boom'],
    });
  });
});
