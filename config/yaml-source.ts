/**
 * YAML parsing that keeps positions, so that an error names the file, line and column of the field.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { ConfigIssue } from './errors.js';

export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export type PathKey = string | number;

/** Parses YAML text; syntax errors come back as located issues. */
export function parseYaml(
  text: string,
  file: string,
): { ok: true; source: YamlSource; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.slice(0, 5).map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return {
          file,
          field: '',
          message: `invalid YAML: ${e.message.split('\n')[0]}`,
          ...(pos ? { line: pos.line, col: pos.col } : {}),
        };
      }),
    };
  }
  return { ok: true, source: { file, doc, lineCounter }, value: doc.toJS({ maxAliasCount: 100 }) };
}

/**
 * Finds the line and column of the node at `path`, or of its nearest existing ancestor (a missing key is
 * reported where its parent map is). With `key`, points at that key inside the map at `path` (for
 * unknown keys).
 */
export function locate(
  src: YamlSource,
  path: readonly PathKey[],
  key?: string,
): { line: number; col: number } {
  let node: unknown = src.doc.contents;
  let best: Node | null = (node as Node | null) ?? null;
  for (const step of path) {
    if (!isMap(node) && !isSeq(node)) break;
    const next: unknown = node.get(step, true);
    if (next === undefined || next === null) break;
    node = next;
    best = next as Node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key) && pair.key.range) return src.lineCounter.linePos(pair.key.range[0]);
  }
  const offset = best?.range?.[0] ?? 0;
  return src.lineCounter.linePos(offset);
}
