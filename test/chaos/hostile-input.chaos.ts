/**
 * Hostile input, fuzzed with fast-check: the config loader, the CSV parser and the state loader get random
 * bytes, huge numbers, wrong types, deep nesting and very long strings; a running runtime gets random HTTP
 * requests (paths, methods, headers, bodies up to and over the limit) and slow partial requests. Promised:
 * never a crash (the runtime stays healthy), always a clear error (ConfigError, CandleDataError,
 * StateFileError, a 4xx), and never a changed file (hashed before and after). Admin calls without the token
 * are refused, bodies over the limit get 413. Seeds are printed; set CHAOS_SEED to replay a run.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { readStateFile, STATE_VERSION, StateFileError } from '../../actors/persistence/state-file.js';
import { CandleDataError } from '../../backtest/data/errors.js';
import { parseCandlesCsv } from '../../backtest/data/parse-csv.js';
import { ConfigError } from '../../config/errors.js';
import { parseBotConfig } from '../../config/load.js';
import { createAccount } from '../../core/account.js';
import { ROOT, runBuilt, tempDir } from '../helpers/cli.js';
import { type Running, startRuntime, waitFor } from '../helpers/runtime.js';
import { recordFigures, sleep } from './support.js';

const SEED = Number(process.env['CHAOS_SEED'] ?? 20_261_125);
const RUNS = Number(process.env['CHAOS_FUZZ_RUNS'] ?? 400);
const TOKEN = 'chaos-admin-token-0123456789';
const LIMIT = 16 * 1024;

/** Hashes every regular file under `dir` (relative path -> sha256), skipping `skip` folders. */
function hashTree(dir: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const f = path.join(d, name);
      if (skip.includes(name)) continue;
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else out.set(path.relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** Values that break naive parsers: huge, tiny, non-finite-looking, wrong types, long and deep. */
const hostileValue = fc.oneof(
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 5e-324, 1e21),
  fc.integer(),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('NaN', 'Infinity', '.nan', '.inf', '0x1f', '1_000', 'true', '~', '', '\u0000'),
  fc.nat({ max: 300_000 }).map((n) => 'x'.repeat(n)),
  // Values nested up to 300 levels (text deeper than 64 levels is refused before parsing; see the regressions below).
  fc.integer({ min: 1, max: 300 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
);

/** A leaf path of a plain object, to replace with a hostile value. */
function leafPaths(v: unknown, prefix: string[] = []): string[][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [prefix];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [
    [...prefix, k],
    ...leafPaths(x, [...prefix, k]),
  ]);
}

function setPath(obj: unknown, p: readonly string[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let cur = copy;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  if (p.length === 0) return value;
  cur[p[p.length - 1]!] = value;
  return copy;
}

/** Deep nesting in text form, for the parsers' own stacks (found the abort fixed in config/yaml-source.ts). */
const deepText = fc
  .tuple(fc.constantFrom('[', '{a: ', '- ', '{"a":'), fc.integer({ min: 10, max: 2_000 }), fc.boolean())
  .map(([open, n, closed]) => open.repeat(n) + (closed && open === '[' ? ']'.repeat(n) : ''));

interface Tally {
  ok: number;
  refused: number;
  /** Kept at 0 since the unresolved-alias fix; counted separately so a regression is visible. */
  knownBug?: number;
}

/** A former bug (fixed): `parseYaml` let the yaml package's ReferenceError for an undefined alias escape. */
const isAliasBug = (err: unknown) => err instanceof ReferenceError && /Unresolved alias/.test(err.message);

describe('chaos: hostile input', () => {
  const tmp = tempDir('dualbot-chaos-fuzz-');
  const protectedBefore = hashTree(ROOT, ['node_modules', 'dist', '.git', 'test', 'test-artifacts', 'docs']);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const figures: { figure: string; value: string; threshold?: string }[] = [];

  it('config loader: only ConfigError, never another throw, never a written file', async () => {
    const file = path.join(ROOT, 'bots', 'coinbase', 'config.yaml');
    const text = readFileSync(file, 'utf8');
    const base = parseYaml(text) as unknown;
    const paths = leafPaths(base).filter((p) => p.length > 0);
    const t: Tally = { ok: 0, refused: 0, knownBug: 0 };
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4_000 }),
      fc.uint8Array({ maxLength: 4_000 }).map((b) => Buffer.from(b).toString('utf8')),
      deepText,
      fc.tuple(fc.constantFrom(...paths), hostileValue).map(([p, v]) => stringifyYaml(setPath(base, p, v))),
      fc.tuple(fc.constantFrom(...paths), hostileValue).map(([p, v]) => JSON.stringify(setPath(base, p, v))),
      fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    );
    console.log(`[chaos] config fuzz: seed ${SEED}, ${RUNS} runs`);
    await fc.assert(
      fc.asyncProperty(input, async (s) => {
        try {
          await parseBotConfig(s, file, { env: {} });
          t.ok++;
        } catch (err) {
          if (isAliasBug(err))
            throw new Error(`regression: the unresolved-alias ReferenceError escaped again: ${String(err)}`);
          if (!(err instanceof ConfigError))
            throw new Error(`not a ConfigError: ${String(err)}`.slice(0, 500));
          expect(err.message.length).toBeGreaterThan(0);
          t.refused++;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    figures.push({
      figure: 'config loader inputs (accepted / ConfigError / alias bug / other)',
      value: `${t.ok} / ${t.refused} / ${t.knownBug} / 0`,
    });
  });

  /**
   * Found by this suite, now fixed (config/yaml-source.ts `parseYaml`: `doc.toJS(...)` was outside any try): a YAML alias with no
   * anchor (`name: *x`) makes the yaml package throw a ReferenceError ("Unresolved alias (the anchor must be
   * set before the alias): x") that escapes `parseBotConfig` and `loadHome`. `dualbot run` then prints a stack
   * trace and exits 1 instead of a ConfigError with file, line and column and exit 78.
   */
  it('fixed: an undefined YAML alias is a ConfigError, not a ReferenceError', async () => {
    const file = path.join(ROOT, 'bots', 'coinbase', 'config.yaml');
    const text = readFileSync(file, 'utf8').replace(/^name: .*$/m, 'name: *undefined_anchor');
    await expect(parseBotConfig(text, file, { env: {} })).rejects.toBeInstanceOf(ConfigError);
  });

  /**
   * Found by this suite, now fixed by a nesting limit before `parseDocument` (config/yaml-source.ts): a config whose flow
   * collections nest ~900 levels deep overflows the parser's stack. The first overflow is caught and reported
   * as a ConfigError, but a following parse in the same process usually aborts it with "FATAL ERROR:
   * RegExpCompiler Allocation failed - process out of memory" (SIGABRT, exit 134: no ConfigError, no exit
   * 78). `dualbot run` with two such bot configs aborted in 5 of 6 tries here. A nesting-depth check before
   * `parseDocument` would turn it into a ConfigError. Spawned, because the abort would kill the test worker;
   * four parses in one process abort every time, where `run` itself is only usually affected.
   */
  it('fixed: deeply nested config text is a ConfigError, never a process abort', () => {
    const load = pathToFileURL(path.join(ROOT, 'dist', 'config', 'load.js')).href;
    const script = [
      `const { parseBotConfig } = await import(${JSON.stringify(load)});`,
      `const deep = '['.repeat(900) + ']'.repeat(900);`,
      'for (let i = 0; i < 4; i++) {',
      `  try { await parseBotConfig(deep, '/nowhere/bots/x/config.yaml', { env: {} }); }`,
      `  catch (e) { if (e.name !== 'ConfigError') { console.error(e); process.exit(2); } }`,
      '}',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    figures.push({
      figure: 'four parses of a 900-deep config in one process (was an abort)',
      value: r.status === 0 ? 'four ConfigErrors' : `process ended by ${r.signal ?? `exit ${r.status}`}`,
      threshold: 'four ConfigErrors',
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it('CSV parser: only CandleDataError, never another throw', () => {
    const csv = readFileSync(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv'), 'utf8')
      .split('\n')
      .slice(0, 60);
    const t: Tally = { ok: 0, refused: 0 };
    const token = fc.oneof(
      fc.constantFrom(
        'NaN',
        'Infinity',
        '-1',
        '1e309',
        '',
        ' 1',
        '0x1f',
        '1_000',
        '1,5',
        '\u0000',
        '\r',
        ',,,,',
        '-0',
      ),
      fc.nat({ max: 400 }).map((n) => '9'.repeat(n)),
      fc.double().map(String),
      fc.string({ maxLength: 20 }),
    );
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4_000 }),
      fc.uint8Array({ maxLength: 4_000 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.tuple(fc.nat({ max: csv.length - 1 }), fc.nat({ max: 5 }), token).map(([row, col, tok]) => {
        const lines = [...csv];
        const cells = (lines[row] ?? '').split(',');
        cells[col] = tok;
        lines[row] = cells.join(',');
        return lines.join('\n');
      }),
      fc.tuple(fc.nat({ max: csv.length }), fc.nat({ max: csv.length })).map(([a, b]) => {
        const lines = [...csv];
        const [x] = lines.splice(Math.min(a, lines.length - 1), 1);
        lines.splice(b, 0, x ?? '');
        return lines.join('\n');
      }),
      fc.nat({ max: 200_000 }).map((n) => `${csv[0]}\n${'1,'.repeat(n)}`),
    );
    fc.assert(
      fc.property(input, (s) => {
        try {
          parseCandlesCsv(s, 'fuzz.csv');
          t.ok++;
        } catch (err) {
          if (!(err instanceof CandleDataError))
            throw new Error(`not a CandleDataError: ${String(err)}`.slice(0, 500));
          expect(err.message).toMatch(/^fuzz\.csv/);
          t.refused++;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    figures.push({
      figure: 'CSV parser inputs (accepted / CandleDataError / other)',
      value: `${t.ok} / ${t.refused} / 0`,
    });
  });

  it('state loader: only StateFileError, never another throw, the file left as it was', () => {
    const valid = {
      version: STATE_VERSION,
      bot: 'fuzz',
      position: 'NONE',
      entry_price: 0,
      quantity: 0,
      leverage: 1,
      last_signal: null,
      trading_pair: 'BTC-USD',
      strategy: 'sma_crossover',
      unrealized_pnl: 0,
      trades: [],
      updated_at: new Date(0).toISOString(),
      dry_run: true,
      account: createAccount(1000),
      last_acted_target: null,
      last_candle_ts: null,
      last_price: null,
      pending_order: null,
      machine: { state: 'idle', halt_reason: null },
    };
    const validText = JSON.stringify(valid, null, 2);
    const file = path.join(tmp, 'state.json');
    writeFileSync(file, validText);
    expect(readStateFile(file)).not.toBeNull();
    const paths = leafPaths(valid).filter((p) => p.length > 0);
    const t: Tally = { ok: 0, refused: 0 };
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 4_000 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 4_000 }).map((s) => Buffer.from(s)),
      fc.nat({ max: validText.length }).map((n) => Buffer.from(validText.slice(0, n))),
      fc
        .tuple(fc.constantFrom(...paths), hostileValue)
        .map(([p, v]) => Buffer.from(JSON.stringify(setPath(valid, p, v)))),
      fc.integer({ min: -5, max: 1e9 }).map((v) => Buffer.from(JSON.stringify({ ...valid, version: v }))),
      deepText.map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        writeFileSync(file, bytes);
        const before = createHash('sha256').update(readFileSync(file)).digest('hex');
        try {
          readStateFile(file);
          t.ok++;
        } catch (err) {
          if (!(err instanceof StateFileError))
            throw new Error(`not a StateFileError: ${String(err)}`.slice(0, 500));
          t.refused++;
        }
        expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    figures.push({
      figure: 'state loader inputs (accepted / StateFileError / other)',
      value: `${t.ok} / ${t.refused} / 0`,
    });
  });

  describe('HTTP endpoints of a running runtime', () => {
    const home = tempDir('dualbot-chaos-http-');
    let rt: Running | undefined;
    afterAll(async () => {
      if (rt && rt.child.exitCode === null) {
        rt.child.kill('SIGKILL');
        await rt.exited;
      }
      rmSync(home, { recursive: true, force: true });
    });

    /** Sends raw bytes and collects what comes back until the server closes or `timeoutMs` passes. */
    function raw(
      port: number,
      data: Buffer,
      timeoutMs = 1500,
    ): Promise<{ status: number | null; head: string; body: string; timedOut: boolean }> {
      return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        let timedOut = false;
        const t = setTimeout(() => {
          timedOut = true;
          s.destroy();
        }, timeoutMs);
        s.on('data', (d) => chunks.push(d));
        s.on('error', () => {});
        s.on('close', () => {
          clearTimeout(t);
          const text = Buffer.concat(chunks).toString('latin1');
          const i = text.indexOf('\r\n\r\n');
          const head = i < 0 ? text : text.slice(0, i);
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
          resolve({ status: m ? Number(m[1]) : null, head, body: i < 0 ? '' : text.slice(i + 4), timedOut });
        });
        s.write(data, () => {});
      });
    }

    it('random requests: never a 5xx or a crash; admin refused without the token; 413 over the limit', async () => {
      expect(runBuilt(['init', '--home', home]).code).toBe(0);
      const configsBefore = hashTree(path.join(home, 'bots'), ['logs']);
      rt = await startRuntime(home, [], { DUALBOT_ADMIN_TOKEN: TOKEN });
      const port = Number(new URL(rt.url).port);
      const get = (p: string, init?: RequestInit) => fetch(`${rt!.url}${p}`, init);
      await waitFor(async () => ((await get('/ready')).status === 200 ? true : undefined), 10_000, 'ready');

      // The promises in plain words first.
      const admin = '/api/bots/coinbase/pause';
      expect((await get(admin, { method: 'POST' })).status).toBe(401);
      expect((await get(admin, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(
        401,
      );
      expect(
        (await get(admin, { method: 'POST', headers: { authorization: TOKEN } })).status,
        'token without Bearer',
      ).toBe(401);
      expect(
        (
          await get('/api/bots/no_such_bot/pause', {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).status,
      ).toBe(404);
      const big = Buffer.alloc(LIMIT + 1, 0x61);
      const over = await raw(
        port,
        Buffer.concat([
          Buffer.from(
            `POST ${admin} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n`,
          ),
          big,
        ]),
      );
      expect(over.status, 'declared body over the limit').toBe(413);
      const chunked = await raw(
        port,
        Buffer.from(
          `POST /api/bots/no_such_bot/pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(LIMIT + 1).toString(16)}\r\n${'a'.repeat(LIMIT + 1)}\r\n0\r\n\r\n`,
        ),
      );
      expect(chunked.status, 'chunked body over the limit').toBe(413);

      const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
      const paths = [
        '/health',
        '/ready',
        '/metrics',
        '/api/snapshot',
        '/',
        '/api/bots/coinbase/pause',
        '/api/bots/kraken/restart',
        '/api/bots/coinbase/resume',
      ];
      const req = fc.record({
        method: fc.oneof(
          fc.constantFrom(...methods),
          fc.constantFrom(...methods),
          fc.constantFrom('TRACE', 'PROPFIND', 'get', 'G T', 'CONNECT'),
          fc.string({ maxLength: 12 }),
        ),
        path: fc.oneof(
          fc.constantFrom(...paths),
          fc.string({ maxLength: 200 }).map((s) => `/${encodeURIComponent(s)}`),
          fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `/${s}`),
          fc.constantFrom(
            '*',
            '/%',
            '/..%2f..%2fetc/passwd',
            'http://evil/health',
            '/health?x=%zz',
            '//health',
            '/api/bots//pause',
          ),
          fc.nat({ max: 20_000 }).map((n) => `/${'a'.repeat(n)}`),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/).map((b) => `/api/bots/${b}/pause`),
        ),
        headers: fc.array(
          fc.tuple(
            // Mostly well-formed names, so most requests get past Node's parser to the handlers.
            fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,19}$/), fc.string({ maxLength: 20 })),
            fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,200}$/), fc.string({ maxLength: 200 })),
          ),
          { maxLength: 6 },
        ),
        auth: fc.constantFrom(undefined, 'Bearer wrong', 'Bearer ', `Bearer ${TOKEN}x`, 'Basic Zm9vOmJhcg=='),
        body: fc.oneof(fc.constant(0), fc.nat({ max: 300 }), fc.constantFrom(LIMIT, LIMIT + 1, 100_000)),
        lie: fc.constantFrom('exact', 'exact', 'exact', 'less', 'huge', 'none'),
      });
      const t = { sent: 0, byClass: {} as Record<string, number>, timeouts: 0, noStatus: 0 };
      console.log(`[chaos] HTTP fuzz: seed ${SEED}, ${RUNS} runs`);
      await fc.assert(
        fc.asyncProperty(req, async (r) => {
          const body = Buffer.alloc(r.body, 0x7b);
          const hdr = [`${r.method} ${r.path} HTTP/1.1`, 'Host: 127.0.0.1'];
          for (const [k, v] of r.headers) hdr.push(`${k}: ${v}`);
          if (r.auth) hdr.push(`Authorization: ${r.auth}`);
          const declared =
            r.lie === 'exact'
              ? body.length
              : r.lie === 'less'
                ? Math.floor(body.length / 2)
                : r.lie === 'huge'
                  ? 999_999_999
                  : undefined;
          if (declared !== undefined) hdr.push(`Content-Length: ${declared}`);
          hdr.push('Connection: close');
          const res = await raw(
            port,
            Buffer.concat([Buffer.from(`${hdr.join('\r\n')}\r\n\r\n`, 'latin1'), body]),
            800,
          );
          t.sent++;
          if (res.timedOut) t.timeouts++;
          if (res.status === null) {
            t.noStatus++;
            return;
          }
          const cls = `${res.status}`;
          t.byClass[cls] = (t.byClass[cls] ?? 0) + 1;
          expect(res.status, `${r.method} ${r.path.slice(0, 80)}`).toBeLessThan(500);
          const isAdmin = /^\/api\/bots\/[^/]+\/(pause|resume|restart)$/.test(r.path);
          if (isAdmin && r.method === 'POST')
            expect(res.status, 'admin call without the token').toBeGreaterThanOrEqual(400);
          // Requests Node's own parser accepts (it answers a bare 400 to the rest before any handler runs).
          const clean =
            r.headers.length === 0 && methods.includes(r.method) && /^\/[\x21-\x7e]{0,998}$/.test(r.path);
          if (clean && declared !== undefined && declared > LIMIT) expect(res.status).toBe(413);
          if (
            /content-type: application\/json/i.test(res.head) &&
            !/transfer-encoding/i.test(res.head) &&
            r.method !== 'HEAD'
          ) {
            expect(() => JSON.parse(res.body), `JSON body of ${res.status}`).not.toThrow();
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );

      // Slowloris: many connections dribbling headers and bodies must not starve the health endpoint.
      const slow: net.Socket[] = [];
      for (let i = 0; i < 40; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.write(
          i % 2
            ? 'GET /health HTTP/1.1\r\nHost: x\r\n'
            : `POST ${admin} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n{`,
        );
        slow.push(s);
      }
      let worst = 0;
      for (let i = 0; i < 15; i++) {
        for (const s of slow) if (!s.destroyed) s.write(i % 2 ? 'X' : 'a');
        const t0 = Date.now();
        expect((await get('/health')).status).toBeLessThan(500);
        worst = Math.max(worst, Date.now() - t0);
        await sleep(200);
      }
      for (const s of slow) s.destroy();
      expect(worst, '/health latency while 40 slow connections dribble').toBeLessThan(1000);

      // Still healthy, nothing paused, restarted or rewritten by anyone without the token.
      const snap = (await (await get('/api/snapshot')).json()) as {
        bots: { name: string; status: string; machineState: string; restarts: number }[];
      };
      for (const b of snap.bots) {
        expect(b.status, b.name).toBe('running');
        expect(b.machineState, b.name).not.toBe('halted');
        expect(b.restarts, b.name).toBe(0);
      }
      expect((await get('/health')).status).toBe(200);
      expect(rt.child.exitCode).toBeNull();
      const configsAfter = hashTree(path.join(home, 'bots'), ['logs']);
      for (const [f, h] of configsBefore)
        if (f.endsWith('config.yaml')) expect(configsAfter.get(f), f).toBe(h);
      rt.child.kill('SIGTERM');
      expect(await rt.exited).toBe(0);
      figures.push(
        {
          figure: 'HTTP fuzz requests (by status)',
          value: `${t.sent} (${Object.entries(t.byClass)
            .sort()
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')}; no answer within 0.8 s: ${t.noStatus})`,
          threshold: 'no 5xx',
        },
        { figure: 'admin without / with a wrong token', value: '401 / 401', threshold: '401 or 403' },
        {
          figure: 'body over 16 KiB (declared / chunked)',
          value: `${over.status} / ${chunked.status}`,
          threshold: '413',
        },
        {
          figure: '/health worst latency, 40 slowloris sockets',
          value: `${worst} ms`,
          threshold: '< 1000 ms',
        },
      );
    });
  });

  it('no file of the project changed', () => {
    const after = hashTree(ROOT, ['node_modules', 'dist', '.git', 'test', 'test-artifacts', 'docs']);
    const changed = [...protectedBefore].filter(([f, h]) => after.get(f) !== h).map(([f]) => f);
    // Other people edit the repository at the same time; only the data and config files are ours to watch.
    expect(changed.filter((f) => /^(data|bots|strategies)\//.test(f))).toEqual([]);
    figures.push({ figure: 'project data/config files changed', value: '0', threshold: '0' });
    figures.push({ figure: 'fuzz seed / runs per target', value: `${SEED} / ${RUNS}` });
    recordFigures('4 hostile input', figures);
  });
});
