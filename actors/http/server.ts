/**
 * The runtime's HTTP server: health, readiness, Prometheus metrics, the dashboard and admin calls. It binds
 * to 127.0.0.1 unless the user binds elsewhere on purpose. Reads are open; calls that change anything need
 * the admin token from the environment (`DUALBOT_ADMIN_TOKEN`), and are refused when none is set.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpHandlers {
  health(): { ok: boolean; body: unknown };
  ready(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
  dashboard(): string;
  snapshot(): unknown;
  /** Server-sent events: returns an unsubscribe function. */
  subscribe(send: (event: string, data: unknown) => void): () => void;
  admin(bot: string, action: 'pause' | 'resume' | 'restart'): Promise<{ status: number; body: unknown }>;
}

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  readonly adminToken?: string;
  /** Request bodies above this are refused (413). */
  readonly maxBodyBytes?: number;
}

const ADMIN = /^\/api\/bots\/([A-Za-z0-9_-]{1,64})\/(pause|resume|restart)$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function tokenOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const h = req.headers.authorization ?? '';
  const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Reads and discards a body, refusing it past the limit. Admin calls take no body. */
function drainBody(req: IncomingMessage, limit: number): Promise<boolean> {
  return new Promise((resolve) => {
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !over) {
        over = true;
        resolve(false);
      }
    });
    req.on('end', () => {
      if (!over) resolve(true);
    });
    req.on('error', () => resolve(false));
  });
}

export async function startHttpServer(
  h: HttpHandlers,
  o: HttpOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const limit = o.maxBodyBytes ?? 16 * 1024;
  const sse = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limit) {
        json(res, 413, { error: `body over ${limit} bytes` });
        req.destroy();
        return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        switch (url.pathname) {
          case '/health': {
            const r = h.health();
            return json(res, r.ok ? 200 : 503, r.body);
          }
          case '/ready':
            return json(res, h.ready() ? 200 : 503, { ready: h.ready() });
          case '/metrics': {
            const m = await h.metrics();
            res.writeHead(200, { 'content-type': m.contentType });
            return res.end(m.body);
          }
          case '/api/snapshot':
            return json(res, 200, h.snapshot());
          case '/events': {
            res.writeHead(200, {
              'content-type': 'text/event-stream',
              'cache-control': 'no-store',
              connection: 'keep-alive',
            });
            res.write(': connected\n\n');
            sse.add(res);
            const off = h.subscribe((event, data) =>
              res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
            );
            req.on('close', () => {
              off();
              sse.delete(res);
            });
            return;
          }
          case '/':
            res.writeHead(200, {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
              'content-security-policy':
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            });
            return res.end(h.dashboard());
          default:
            return json(res, 404, { error: 'not found' });
        }
      }
      if (req.method === 'POST') {
        const m = ADMIN.exec(url.pathname);
        if (!m) return json(res, 404, { error: 'not found' });
        if (!(await drainBody(req, limit))) return json(res, 413, { error: `body over ${limit} bytes` });
        if (!o.adminToken)
          return json(res, 403, { error: 'admin calls are disabled: set DUALBOT_ADMIN_TOKEN' });
        if (!tokenOk(req, o.adminToken)) return json(res, 401, { error: 'missing or wrong admin token' });
        const r = await h.admin(m[1]!, m[2] as 'pause' | 'resume' | 'restart');
        return json(res, r.status, r.body);
      }
      res.setHeader('allow', 'GET, HEAD, POST');
      return json(res, 405, { error: 'method not allowed' });
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : 'internal error' });
      else res.end();
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of sse) r.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
