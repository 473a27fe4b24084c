import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogging } from '../actors/log.js';
import { createRuntime, type Runtime } from '../actors/runtime.js';
import { adminCall } from '../cli/ops.js';
import { loadBotConfig } from '../config/index.js';
import { BOT, fixture, PASSING, run } from './helpers/promotion.js';
import { waitFor } from './helpers/runtime.js';

const TOKEN = 'promote-test-admin-token-0123456789';

describe('promote against a running runtime', () => {
  let rt: Runtime | undefined;
  afterAll(async () => rt?.stop());

  it('restarts only the promoted bot, through the admin API and its graceful path', async () => {
    const f = await fixture(PASSING);
    // The runtime runs the paper bot (replayed in real time, so it takes no candle during the test and its
    // record stays what the gates read) and a second bot that must not be touched.
    const paper = await loadBotConfig(path.join(f.botDir, 'config.yaml'));
    const other = { ...paper, id: 'other' };
    rt = createRuntime({
      home: f.home,
      logging: createLogging({ stdout: false, logDir: path.join(f.home, 'logs') }),
      http: { host: '127.0.0.1', port: 0 },
      adminToken: TOKEN,
    });
    await rt.start([paper, other]);
    const r0 = rt;
    await waitFor(
      () => (r0.snapshot().bots.every((b) => b.status === 'running') ? true : undefined),
      10_000,
      'bots running',
    );
    const url = r0.url!;

    const res = await run(f, { restart: (bot) => adminCall(url, bot, 'restart', TOKEN) });
    expect(res.out).not.toContain('FAIL');
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/restart paper: .*"ok":true/);

    const view = (name: string) => r0.snapshot().bots.find((b) => b.name === name)!;
    await waitFor(
      () => (view(BOT).status === 'running' ? true : undefined),
      10_000,
      'the promoted bot back up',
    );
    expect(view(BOT).restarts).toBe(1);
    expect(view('other').restarts).toBe(0);
    expect(view('other').status).toBe('running');
    // Without the token the admin call is refused.
    await expect(adminCall(url, BOT, 'restart', 'wrong-token-wrong-token-wrong')).rejects.toThrow(/401/);
  }, 60_000);
});
