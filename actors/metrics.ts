/** Prometheus metrics (prom-client), one registry per runtime so tests can run several side by side. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  // Default metrics include the event-loop lag and its percentiles (nodejs_eventloop_lag_p99_seconds).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const labelNames = ['bot'] as const;
  return {
    registry,
    cycles: new Counter({
      name: 'dualbot_cycles_total',
      help: 'Closed candles processed',
      labelNames,
      registers: [registry],
    }),
    orders: new Counter({
      name: 'dualbot_orders_total',
      help: 'Orders filled',
      labelNames,
      registers: [registry],
    }),
    orderErrors: new Counter({
      name: 'dualbot_order_errors_total',
      help: 'Orders rejected or with an unknown outcome',
      labelNames,
      registers: [registry],
    }),
    strategyErrors: new Counter({
      name: 'dualbot_strategy_errors_total',
      help: 'Cycles skipped because the strategy threw',
      labelNames,
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'dualbot_restarts_total',
      help: 'Bot restarts by the supervisor',
      labelNames,
      registers: [registry],
    }),
    equity: new Gauge({
      name: 'dualbot_equity',
      help: 'Equity in quote currency',
      labelNames,
      registers: [registry],
    }),
    exchangeFree: new Gauge({
      name: 'dualbot_exchange_free_collateral',
      help: 'Live bots: what the exchange has free for a new position (quote currency), read every cycle',
      labelNames,
      registers: [registry],
    }),
    position: new Gauge({
      name: 'dualbot_position',
      help: 'Signed position in base currency (negative = short)',
      labelNames,
      registers: [registry],
    }),
    up: new Gauge({
      name: 'dualbot_bot_up',
      help: '1 when the bot is running (not failed or stopped)',
      labelNames,
      registers: [registry],
    }),
    outboxItems: new Gauge({
      name: 'dualbot_outbox_items',
      help: 'Mission Control items waiting',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
