import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogging, REDACTED, scrub, secretValuesFromEnv } from '../actors/log.js';
import { tempDir } from './helpers/cli.js';

describe('logging', () => {
  it('never writes a secret from the environment to a log file, whatever carries it', () => {
    const dir = tempDir();
    const secret = 'kr4k3n-S3CRET-value-0123456789';
    const mc = 'mission-control-shared-secret';
    const env = { KRAKEN_API_SECRET: secret, MISSION_CONTROL_SECRET: mc, HOME: '/root', PATH: '/usr/bin' };
    const logging = createLogging({ logDir: dir, stdout: false, env });
    const bot = logging.forBot('kraken', path.join(dir, 'bots', 'kraken', 'logs'));
    bot.info({ secret, apiKey: secret }, 'fields by name');
    bot.error(new Error(`auth failed for key ${secret}`), 'error text');
    bot.warn({ headers: { 'X-Status-Secret': mc, authorization: `Bearer ${secret}` } }, 'headers');
    logging.root.info({ url: `https://example.invalid/?k=${secret}` }, `posting with ${mc}`);
    logging.root.info({ nested: { deep: { value: secret } } }, 'nested');
    logging.flush();
    const processLog = readFileSync(path.join(dir, 'dualbot.log'), 'utf8');
    const botLog = readFileSync(path.join(dir, 'bots', 'kraken', 'logs', 'bot.log'), 'utf8');
    for (const text of [processLog, botLog]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(mc);
      expect(text).toContain(REDACTED);
    }
    expect(botLog.trim().split('\n')).toHaveLength(3);
    for (const line of botLog.trim().split('\n')) expect(JSON.parse(line).bot).toBe('kraken');
    expect(processLog.trim().split('\n')).toHaveLength(5);
    rmSync(dir, { recursive: true });
  });

  it('only treats long values of secret-named variables as secrets', () => {
    const secrets = secretValuesFromEnv({
      KRAKEN_API_KEY: 'abcdefgh',
      SOME_TOKEN: 'abc',
      PATH: 'abcdefghij',
    });
    expect(secrets).toContain('abcdefgh');
    expect(secrets).not.toContain('abc');
    expect(secrets).not.toContain('abcdefghij');
    expect(scrub('x abcdefgh y abcdefgh', secrets)).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('scrubs a multi-line PEM secret as it appears JSON-escaped', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbc\n-----END EC PRIVATE KEY-----';
    const secrets = secretValuesFromEnv({ COINBASE_API_SECRET: pem });
    expect(scrub(JSON.stringify({ msg: `key ${pem}` }), secrets)).not.toContain('MHcCAQEEIAbc');
  });
});
