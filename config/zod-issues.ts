/**
 * Turns zod issues into located, readable config issues: the field, what was expected and what was there.
 */
import type { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { locate, type PathKey, type YamlSource } from './yaml-source.js';

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the boolean'} ${String(v)}`;
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known key, if it is close enough to be a typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = editDistance(key, k);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> } };

/** The keys a schema accepts at `path` (walks objects, defaults, optionals and discriminated unions). */
export function knownKeysAt(schema: z.ZodType, path: readonly PathKey[], root: unknown): string[] {
  let s = schema as AnySchema;
  const unwrap = (x: AnySchema): AnySchema => {
    let cur = x;
    for (let i = 0; i < 10; i++) {
      const def = cur._zod.def;
      if (def['innerType']) cur = def['innerType'] as AnySchema;
      else if (def['in'] && def['type'] === 'pipe') cur = def['in'] as AnySchema;
      else break;
    }
    return cur;
  };
  const keysOf = (x: AnySchema, at: readonly PathKey[]): string[] => {
    const u = unwrap(x);
    const def = u._zod.def;
    if (def['shape']) return Object.keys(def['shape'] as object);
    if (Array.isArray(def['options'])) {
      const val = valueAt(root, at) as Record<string, unknown> | undefined;
      const disc = def['discriminator'] as string | undefined;
      for (const o of def['options'] as AnySchema[]) {
        const shape = unwrap(o)._zod.def['shape'] as Record<string, AnySchema> | undefined;
        const lit =
          shape && disc ? (unwrap(shape[disc]!)._zod.def['values'] as unknown[] | undefined) : undefined;
        if (lit && val && lit.includes(val[disc!])) return Object.keys(shape!);
      }
    }
    return [];
  };
  for (let i = 0; i < path.length; i++) {
    const u = unwrap(s);
    const def = u._zod.def;
    let next: AnySchema | undefined;
    if (def['shape']) next = (def['shape'] as Record<string, AnySchema>)[String(path[i])];
    else if (Array.isArray(def['options'])) {
      const here = path.slice(0, i);
      const disc = def['discriminator'] as string;
      const val = valueAt(root, here) as Record<string, unknown> | undefined;
      for (const o of def['options'] as AnySchema[]) {
        const shape = unwrap(o)._zod.def['shape'] as Record<string, AnySchema>;
        const lit = unwrap(shape[disc]!)._zod.def['values'] as unknown[] | undefined;
        if (lit && val && lit.includes(val[disc])) next = shape[String(path[i])];
      }
    }
    if (!next) return [];
    s = next;
  }
  return keysOf(s, path);
}

/** Converts zod issues on `value` (parsed from `src`) into located config issues. */
export function zodIssuesToConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  src: YamlSource,
  value: unknown,
  opts: { schema?: z.ZodType; pathPrefix?: readonly PathKey[] } = {},
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const prefix = opts.pathPrefix ?? [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathKey[])];
    const field = path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = opts.schema
        ? knownKeysAt(opts.schema, issue.path as PathKey[], valueAt(value, prefix))
        : [];
      for (const key of issue.keys) {
        const pos = locate(src, path, key);
        const hint = suggestKey(key, known);
        out.push({
          file: src.file,
          ...pos,
          field: [...path, key].join('.'),
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${
            known.length ? `; known keys here: ${known.join(', ')}` : ''
          }`,
        });
      }
      continue;
    }
    const actual = valueAt(value, path);
    const pos = locate(src, path);
    let message: string;
    if (issue.code === 'invalid_type') {
      message =
        actual === undefined
          ? `is required (expected ${article(issue.expected)})`
          : `expected ${article(issue.expected)}, was ${describeValue(actual)}`;
    } else if (issue.code === 'invalid_value') {
      message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, was ${describeValue(actual)}`;
    } else if (issue.code === 'invalid_union' && actual && typeof actual === 'object') {
      message = `${issue.message} (check the "source" key)`;
    } else {
      message =
        actual === undefined || typeof actual === 'object'
          ? issue.message
          : `${issue.message} (was ${describeValue(actual)})`;
    }
    out.push({ file: src.file, ...pos, field, message });
  }
  return out;
}
