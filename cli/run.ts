import type { LoadedHome } from '../config/index.js';
import { summarizeBots } from './check-config.js';
import type { CliIO } from './program.js';

/**
 * Starts the runtime. Until the runtime lands this validates config, prints the bots and exits 0.
 */
export async function runRuntime(loaded: LoadedHome, io: CliIO): Promise<void> {
  io.out(`config ok: ${loaded.bots.length} bots`);
  for (const line of summarizeBots(loaded)) io.out(`  ${line}`);
  io.out('runtime not started: the bot runtime is not implemented yet (see the open issues)');
}
