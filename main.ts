#!/usr/bin/env node
/** dualbot's entry point: `node dist/main.js <command>` (see `--help`). */
import { runCli } from './cli/program.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
