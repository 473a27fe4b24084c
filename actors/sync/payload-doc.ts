/**
 * The payload field reference in `docs/mission-control.md`, generated from the zod schema so that the doc
 * cannot drift from what is sent (a test compares them).
 */
import { z } from 'zod';
import {
  botEntrySchema,
  exchangeBotSchema,
  payloadSchema,
  summaryRecordSchema,
  syncTradeSchema,
} from './payload.js';

/** Object schemas documented once, in their own table, and linked from where they are used. */
const NAMED = new Map<z.ZodType, { title: string; anchor: string; intro?: string; extends?: z.ZodType }>([
  [botEntrySchema, { title: 'Bot', anchor: 'bot' }],
  [
    exchangeBotSchema,
    {
      title: 'Exchange bot',
      anchor: 'exchange-bot',
      intro: 'Every field of [Bot](#bot), plus:',
      extends: botEntrySchema,
    },
  ],
  [syncTradeSchema, { title: 'Trade', anchor: 'trade' }],
  [
    summaryRecordSchema,
    {
      title: 'Backtest row',
      anchor: 'backtest-row',
      intro:
        'Other columns written by `backtest --summary` (leverage, bot, pair, from, to, bars, complete) pass through.',
    },
  ],
]);

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function typeText(s: z.ZodType): string {
  const named = NAMED.get(s);
  if (named) return `[${named.title}](#${named.anchor})`;
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
      return `${typeText(d.innerType!)} (optional)`;
    case 'nullable':
      return `${typeText(d.innerType!)} or null`;
    case 'array': {
      const max = (z.toJSONSchema(s, { unrepresentable: 'any' }) as { maxItems?: number }).maxItems;
      return `array of ${typeText(d.element!)}${max !== undefined ? ` (at most ${max})` : ''}`;
    }
    case 'record': {
      const v = defOf(d.valueType!).type;
      return v === 'unknown' ? 'object' : `object of ${v}`;
    }
    case 'enum':
      return Object.values(d.entries ?? {})
        .map((x) => `\`${String(x)}\``)
        .join(' \\| ');
    case 'literal':
      return (d.values ?? []).map((x) => `\`${String(x)}\``).join(' \\| ');
    default:
      return d.type;
  }
}

function table(shape: Record<string, z.ZodType>): string[] {
  const rows = Object.entries(shape).map(
    ([k, s]) => `| \`${k}\` | ${typeText(s)} | ${(s.description ?? '').replaceAll('|', '\\|')} |`,
  );
  return ['| field | type | meaning |', '|---|---|---|', ...rows];
}

/** Markdown: the top-level fields, then one table per object type they use. */
export function payloadReferenceMarkdown(): string {
  const out = ['### Top-level fields', '', ...table(payloadSchema.shape)];
  for (const [schema, n] of NAMED) {
    const shape = { ...(schema as z.ZodObject).shape } as Record<string, z.ZodType>;
    if (n.extends) for (const k of Object.keys((n.extends as z.ZodObject).shape)) delete shape[k];
    out.push('', `### ${n.title}`, '', ...(n.intro ? [n.intro, ''] : []), ...table(shape));
  }
  return out.join('\n');
}
