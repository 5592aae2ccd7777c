#!/usr/bin/env node
/** The `proofline` command: the command table (./table) run by ./cli/run.ts. */
import { runCli } from './cli/run.js';
import { COMMANDS } from './table/index.js';

const code = await runCli(process.argv.slice(2), COMMANDS);
if (code >= 0) process.exitCode = code;
