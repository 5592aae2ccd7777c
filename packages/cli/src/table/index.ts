/**
 * The command table of `proofline`, in the order of `proofline --help`. Each entry declares its
 * flags, arguments and help, and loads its implementation only when run (start-up time).
 */
import type { Command } from '../cli/command.js';
import { apiKey, issuerKey } from './access.js';
import { append } from './append.js';
import { attest } from './attest.js';
import { audit } from './audit.js';
import { backup, restore } from './backup.js';
import { erase } from './erase.js';
import { evidence, verifyEvidence } from './evidence.js';
import { createLog, logKey, logPolicy, logs, retireKey, rotateKey } from './logs.js';
import { checkEvidence, monitor } from './monitor.js';
import { population, sample } from './population.js';
import { proof } from './proof.js';
import { share } from './share.js';
import { statementKey } from './statement-key.js';
import { resetGuard } from './reset-guard.js';
import { retention } from './retention.js';
import { reveal } from './reveal.js';
import { serve } from './serve.js';
import { verify } from './verify.js';
import { witness, witnessKey } from './witness.js';

export const COMMANDS: readonly Command[] = [
  serve,
  createLog,
  logs,
  logKey,
  logPolicy,
  rotateKey,
  retireKey,
  append,
  apiKey,
  issuerKey,
  statementKey,
  resetGuard,
  backup,
  restore,
  attest,
  proof,
  share,
  verify,
  audit,
  monitor,
  checkEvidence,
  population,
  sample,
  evidence,
  verifyEvidence,
  reveal,
  erase,
  retention,
  witness,
  witnessKey,
];
