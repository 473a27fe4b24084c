import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { payloadReferenceMarkdown, payloadSchema } from '../actors/sync/index.js';
import { ROOT } from './helpers/cli.js';

const doc = () => readFileSync(path.join(ROOT, 'docs', 'mission-control.md'), 'utf8');

describe('docs/mission-control.md stays true to the payload schema', () => {
  it('lists every top-level payload key', () => {
    const text = doc();
    const missing = Object.keys(payloadSchema.shape).filter((k) => !text.includes(`| \`${k}\` |`));
    expect(missing).toEqual([]);
  });

  it('its field reference is the one generated from the schema', () => {
    const m = doc().match(/<!-- payload-reference:start -->\n([\s\S]*?)\n<!-- payload-reference:end -->/);
    expect(m, 'docs/mission-control.md has the payload-reference markers').not.toBeNull();
    expect(
      m![1],
      'regenerate: node -e "import(\'./dist/actors/sync/payload-doc.js\').then(m => console.log(m.payloadReferenceMarkdown()))"',
    ).toBe(payloadReferenceMarkdown());
  });

  it('README links to it and shows the dashboard screenshot', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/mission-control.md)');
    expect(readme).toContain('![dashboard](docs/dashboard.png)');
  });
});
