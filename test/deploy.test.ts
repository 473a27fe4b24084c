import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const UNIT = path.join(ROOT, 'deploy', 'dualbot.service');

describe('deploy/dualbot.service', () => {
  it('has the settings the runtime relies on', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'ExecStart=/usr/bin/node /opt/dualbot/dist/main.js run --home /var/lib/dualbot',
      'Restart=on-failure',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=90',
      'EnvironmentFile=-/etc/dualbot/env',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/dualbot',
      'PrivateTmp=true',
      'RestartPreventExitStatus=78',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
    // Stop timeout above the 60 s cycle deadline.
    expect(Number(unit.match(/^TimeoutStopSec=(\d+)$/m)?.[1])).toBeGreaterThan(60);
  });

  it('verifies with systemd-analyze where available', ({ skip }) => {
    if (!existsSync('/usr/bin/systemd-analyze')) skip();
    const res = spawnSync('/usr/bin/systemd-analyze', ['verify', UNIT], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    // verify warns about paths that do not exist on a build machine (node, /opt/dualbot); it must not
    // report syntax errors or unknown settings.
    const problems = `${res.stdout}${res.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter(
        (l) =>
          !/is not executable|No such file or directory|Command .* is not executable|not found|does not exist|Failed to prepare filename|dualbot\.service: Failed to|system is not booted|Failed to connect|Cannot access/i.test(
            l,
          ),
      );
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
