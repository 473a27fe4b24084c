import { PaperExchange } from '../actors/exchanges/paper.js';
import { EXCHANGE_PROFILES, fillModel, marginTerms } from '../core/index.js';
import { exchangeContractSuite } from './fake-exchange/contract-suite.js';

// The paper exchange passes the same contract as the live adapters (limit orders and fault injection,
// which it does not have, are skipped by the suite). The suite's orders carry no leverage, i.e. they are
// spot orders; the paper margin account models one leveraged position (covered by the runtime tests), so
// the suite runs against the spot account.
for (const mode of ['spot'] as const) {
  let price = 100;
  exchangeContractSuite(
    `paper exchange (${mode})`,
    async () => ({
      port: new PaperExchange({
        pair: 'LTC-USD',
        mode,
        maxLeverage: 1,
        startingBalance: 10_000,
        fill: fillModel(EXCHANGE_PROFILES.kraken),
        margin: marginTerms(),
        referencePrice: () => price,
        now: () => 1_700_000_000_000,
      }),
      pair: 'LTC-USD',
      setPrice: (p: number) => {
        price = p;
      },
    }),
    async (ctx) => ctx.port.close(),
  );
}
