import { describe, expect, it } from 'vitest';
import { ConfigError, parseBotConfig } from '../config/index.js';

// Regressions found by the chaos suite (test/chaos/hostile-input.chaos.ts), kept in the main suite.
describe('config loader: hostile YAML', () => {
  it('refuses deep nesting before the YAML parser can overflow its stack', async () => {
    for (let i = 0; i < 4; i++) {
      const err = await parseBotConfig('['.repeat(900) + ']'.repeat(900), 'bots/x/config.yaml').catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err.message)).toMatch(
        /bots\/x\/config\.yaml:1:65: invalid YAML: nested deeper than 64 levels/,
      );
    }
  });

  it('reports an undefined alias as a located ConfigError', async () => {
    const err = await parseBotConfig('exchange: kraken\nname: *nowhere\n', 'bots/x/config.yaml').catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err.message)).toMatch(/config\.yaml:2:7: invalid YAML: Unresolved alias/);
  });

  it('refuses an alias bomb', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    const err = await parseBotConfig(bomb, 'bots/x/config.yaml').catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
  });
});
