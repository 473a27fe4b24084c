import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../config/reference.js';
import { ROOT } from './helpers/cli.js';

describe('docs stay true to the code', () => {
  it("README's configuration reference is the one generated from the schema", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const m = readme.match(/<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/);
    expect(m, 'README has the config-reference markers').not.toBeNull();
    expect(m![1], 'run `node dist/main.js config-reference` and paste it into README.md').toBe(
      configReferenceMarkdown(),
    );
  });

  it('README opens with the install-and-start and the test commands', () => {
    const head = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 12).join('\n');
    expect(head).toContain('npm ci && npm start');
    expect(head).toContain('npm ci && npm test');
  });
});
