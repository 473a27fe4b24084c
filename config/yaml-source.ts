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
  // The YAML parser recurses per level: hostile nesting overflows its stack and, a few parses later, aborts
  // the process. No config needs more than a handful of levels, so deep text is refused before parsing.
  const deep = nestingTooDeep(text);
  if (deep) {
    const pos = positionOf(text, deep.offset);
    return {
      ok: false,
      issues: [
        {
          file,
          field: '',
          message: `invalid YAML: nested deeper than ${MAX_NESTING} levels`,
          line: pos.line,
          col: pos.col,
        },
      ],
    };
  }
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias whose anchor is not defined, or an alias bomb over maxAliasCount.
    const alias = /\*[A-Za-z0-9_-]+/.exec(text);
    const pos = lineCounter.linePos(alias?.index ?? 0);
    return {
      ok: false,
      issues: [
        { file, field: '', message: `invalid YAML: ${(err as Error).message}`, line: pos.line, col: pos.col },
      ],
    };
  }
  return { ok: true, source: { file, doc, lineCounter }, value };
}

/** 1-based line and column of an offset (the LineCounter only knows lines once the parser has run). */
function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - nl };
}

/** Nesting deeper than this is refused (a bot config has about four levels). */
export const MAX_NESTING = 64;

/**
 * Finds where flow collections (`[`, `{`) or block indentation nest deeper than MAX_NESTING, skipping
 * quoted strings and comments. Returns the offset of the first character past the limit, or null.
 */
function nestingTooDeep(text: string): { offset: number } | null {
  let depth = 0;
  let quote: string | null = null;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (lineStart) {
      let indent = 0;
      while (text[i + indent] === ' ') indent++;
      // Block nesting: each level needs at least one more column; 2 columns a level is the usual style.
      if (indent > MAX_NESTING * 2) return { offset: i };
      lineStart = false;
    }
    if (ch === '\n') lineStart = true;
    else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      lineStart = true;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') {
      if (++depth > MAX_NESTING) return { offset: i };
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return null;
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
