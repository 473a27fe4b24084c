/**
 * The configuration reference, generated from the zod schema so that the README cannot drift from the
 * code (a test compares them; `dualbot config-reference` prints it).
 */
import { z } from 'zod';
import { botConfigSchema } from './schema.js';

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
}

function typeOf(v: JsonSchemaNode): string {
  if (v.enum) return v.enum.map((x) => `\`${String(x)}\``).join(' \\| ');
  if (v.const !== undefined) return `\`${String(v.const)}\``;
  const bounds = [
    v.minimum !== undefined ? `>= ${v.minimum}` : '',
    v.exclusiveMinimum !== undefined ? `> ${v.exclusiveMinimum}` : '',
    v.maximum !== undefined && v.maximum < Number.MAX_SAFE_INTEGER ? `<= ${v.maximum}` : '',
    v.exclusiveMaximum !== undefined ? `< ${v.exclusiveMaximum}` : '',
  ].filter(Boolean);
  return `${v.type ?? 'one of below'}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

/** Markdown table rows: key, type and bounds, default, description. */
export function configReferenceMarkdown(): string {
  const root = z.toJSONSchema(botConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const rows = new Map<string, { types: string[]; def: string; desc: string }>();
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [k, v] of Object.entries(node.properties ?? {})) {
      const key = prefix ? `${prefix}.${k}` : k;
      const variants = v.anyOf ?? v.oneOf;
      const type = variants
        ? variants.map((o) => typeOf(o.properties?.['source'] ?? o)).join(' \\| ')
        : typeOf(v);
      const row = rows.get(key) ?? { types: [], def: '', desc: '' };
      // A discriminator appears once per variant: list each value once.
      if (!row.types.includes(type)) row.types.push(type);
      if (v.default !== undefined) row.def = `\`${JSON.stringify(v.default)}\``;
      if (v.description) row.desc = v.description;
      rows.set(key, row);
      if (variants) for (const o of variants) walk(o, key);
      else if (v.properties) walk(v, key);
    }
  };
  walk(root, '');
  const lines = [...rows].map(
    ([key, r]) => `| \`${key}\` | ${r.types.join(' \\| ')} | ${r.def} | ${r.desc} |`,
  );
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...lines].join('\n');
}
