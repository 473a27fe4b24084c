import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuilt, tempDir } from './helpers/cli.js';

describe('dualbot run with Mission Control settings', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('refuses to start (exit 78) with a URL but no secret, or a secret-leaking plain-http URL', () => {
    const r = runBuilt(['run', '--home', home, '--http-port', '0'], {
      env: { MISSION_CONTROL_URL: 'http://board.example/api/trade', MISSION_CONTROL_INTERVAL_S: 'soon' },
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('config error (3 problems):');
    expect(r.stderr).toContain('MISSION_CONTROL_URL: must use https://');
    expect(r.stderr).toContain('MISSION_CONTROL_SECRET: is not set but MISSION_CONTROL_URL is');
    expect(r.stderr).toContain(
      'MISSION_CONTROL_INTERVAL_S: expected seconds between 1 and 86400, was "soon"',
    );
    expect(r.stdout).not.toMatch(/listening/);
  });
});
