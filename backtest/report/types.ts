import { z } from 'zod';

/**
 * The version of {@link BacktestReportInputSchema}. A report file carries it so that a reader can refuse (or
 * migrate) a file written under another contract instead of misreading it.
 */
export const REPORT_SCHEMA_VERSION = 1;

/** A finite number; zod 4 already rejects NaN and ±Infinity, the alias only names the intent. */
const finite = () => z.number();

const count = (what: string) => z.number().int().min(0).describe(what);

/**
 * The headline numbers of one run, in the units of the engine's `BacktestMetrics` (`backtest/metrics.ts`), so
 * that its output passes straight through. Naming rule: a field ending in `_pct` is in percent (12.5 means
 * +12.5 %), anything else is in its natural unit (a count, a ratio or quote currency); `win_rate` is the one
 * exception and is in percent too, as the engine computes it. A ratio that is undefined is null, never a
 * sentinel like 99.99.
 */
export const ReportMetricsSchema = z
  .object({
    bars: count('Bars in the traded window.'),
    trades: count('Positions opened, the open one included.'),
    closed_trades: count('Trades closed before the last bar.').optional(),
    return_pct: finite().describe('Final equity / starting cash - 1, in percent.'),
    buy_hold_pct: finite().describe('Last close / first close - 1 over the same bars, in percent.'),
    outperform: finite().describe('`return_pct - buy_hold_pct`, in percentage points.'),
    max_drawdown_pct: finite()
      .min(0)
      .describe(
        'Largest fall of marked equity from its running peak, in percent, >= 0: 100 * max(drawdown).',
      ),
    sharpe: finite()
      .nullable()
      .describe('Annualised Sharpe ratio of per-bar returns (risk-free rate 0); null without variance.'),
    sortino: finite()
      .nullable()
      .describe('Annualised Sortino ratio of per-bar returns (target 0); null without a negative return.'),
    win_rate: finite()
      .min(0)
      .max(100)
      .nullable()
      .describe('Closed trades with pnl > 0, in percent of closed trades; null without closed trades.'),
    profit_factor: finite()
      .min(0)
      .nullable()
      .describe('Gross profit / gross loss of closed trades; null when there is no losing trade.'),
    exposure_pct: finite().min(0).max(100).describe('Bars that ended with a position open, in percent.'),
    fees_paid: finite().min(0).describe('Trading fees paid, in quote currency.'),
    margin_costs_paid: finite()
      .min(0)
      .optional()
      .describe('Margin opening fees and rollover paid, quote currency.'),
    liquidations: count('Positions closed by the liquidation rule (always 0 in long_only mode).'),
    starting_cash: finite().positive().optional().describe('Cash at the first bar, quote currency.'),
    final_equity: finite().optional().describe('Equity marked at the last close, quote currency.'),
  })
  .strict();

/**
 * Per-bar series, all of the same length and aligned on `ts`. They are what the charts draw, so they are the
 * engine's own numbers, never recomputed by the renderer.
 */
export const ReportSeriesSchema = z
  .object({
    ts: z
      .array(z.number().int())
      .min(1)
      .describe('Bar open times, ms since the Unix epoch (UTC), increasing.'),
    close: z.array(finite().positive()).describe('Close price per bar.'),
    equity: z.array(finite()).describe('Strategy equity per bar, marked to market, in quote currency.'),
    buyHold: z
      .array(finite())
      .describe('Equity of buying at the first bar and holding, from the same starting capital.'),
    drawdown: z
      .array(finite().min(0))
      .describe(
        'Drawdown per bar as a fraction >= 0 of the running peak: (peak - equity) / peak; 0 at a new peak, 0.25 is 25 % below it.',
      ),
  })
  .strict()
  .superRefine((s, ctx) => {
    const n = s.ts.length;
    for (const key of ['close', 'equity', 'buyHold', 'drawdown'] as const) {
      if (s[key].length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `length was ${s[key].length}, must equal series.ts length ${n}`,
        });
      }
    }
    for (let i = 1; i < n; i++) {
      // noUncheckedIndexedAccess: indexes are in range by the loop bounds.
      if (s.ts[i]! <= s.ts[i - 1]!) {
        ctx.addIssue({ code: 'custom', path: ['ts', i], message: 'timestamps must be strictly increasing' });
        break;
      }
    }
  });

/**
 * One round trip. A trade still held at the last bar has `exitTs` and `exitPrice` null (the engine's own
 * `Trade` marks it at the last close instead; map it to null so that no exit marker is drawn).
 */
export const ReportTradeSchema = z
  .object({
    entryTs: z.number().int().describe('Fill time of the entry, ms since the Unix epoch.'),
    exitTs: z.number().int().nullable().describe('Fill time of the exit; null while the trade is open.'),
    side: z.enum(['LONG', 'SHORT']),
    entryPrice: finite().positive(),
    exitPrice: finite().positive().nullable().describe('Exit fill price; null while the trade is open.'),
    qty: finite().positive().describe('Base-currency quantity (always positive; the side gives the sign).'),
    pnl: finite().describe(
      'Net result in quote currency (price PnL - fees - margin costs); for an open trade, marked at the last close.',
    ),
    fees: finite().min(0).optional().describe('Trading fees of the entry and exit fills, quote currency.'),
    marginCosts: finite().min(0).optional().describe('Margin opening fee and rollover, quote currency.'),
    reason: z
      .string()
      .describe('Why the trade was closed (e.g. signal, stop_loss, liquidation); `open` for the open one.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.exitTs === null) !== (t.exitPrice === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exitPrice'],
        message: 'exitTs and exitPrice must both be null or both set',
      });
    }
    if (t.exitTs !== null && t.exitTs < t.entryTs) {
      ctx.addIssue({ code: 'custom', path: ['exitTs'], message: 'exitTs must not be before entryTs' });
    }
  });

/**
 * Everything a backtest report shows, and the exact content of the report's `.json` file. The renderer adds
 * nothing that is not here (no clock, no environment), so the same input always renders the same HTML and PNG.
 */
export const BacktestReportInputSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    generatedAt: z.iso
      .datetime({ offset: true })
      .describe(
        'When the run was made, ISO 8601; passed in by the caller because the renderer reads no clock.',
      ),
    strategy: z.string().min(1).max(200).describe('Strategy name as registered.'),
    params: z.record(z.string(), z.json()).describe('The exact strategy parameters of the run.'),
    mode: z.enum(['long_only', 'leveraged']),
    leverage: finite().positive().max(1000).describe('Leverage factor; 1 in long_only mode.'),
    dataFile: z.string().min(1).describe('The candle file as the caller named it.'),
    dataHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .describe('SHA-256 (lowercase hex) of the candle file bytes as read, compressed or not.'),
    timeframe: z.string().min(1).max(20).describe('Bar timeframe, e.g. 1h or 1d.'),
    settings: z
      .record(z.string(), z.json())
      .optional()
      .describe(
        'Engine settings that shaped the result (exchange, fee_bps, slippage_bps, stops, sizing), shown as given.',
      ),
    metrics: ReportMetricsSchema,
    series: ReportSeriesSchema,
    trades: z.array(ReportTradeSchema).describe('Trades in entry order.'),
  })
  .strict();

/** The validated input of {@link BacktestReportInputSchema}; see there for units and sign conventions. */
export type BacktestReportInput = z.infer<typeof BacktestReportInputSchema>;
/** One entry of {@link BacktestReportInput.trades}. */
export type ReportTrade = z.infer<typeof ReportTradeSchema>;
/** The {@link BacktestReportInput.metrics} block. */
export type ReportMetrics = z.infer<typeof ReportMetricsSchema>;
