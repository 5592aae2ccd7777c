import type { Command } from '../cli/command.js';
import { LOG_TARGET_FLAGS, targetOf } from '../cli/target.js';

export const resetGuard: Command = {
  name: 'reset-guard',
  summary:
    "deliberately restart this node's checkpoint guard from the database's latest checkpoint",
  description:
    'After a restore that serve refused, with every process of the log stopped and the decision ' +
    'made to go on from this database (see packages/sequencer/README.md). Keeps the previous guard beside it.',
  flags: LOG_TARGET_FLAGS,
  writes: "the log's checkpoint guard file (the old one is kept)",
  async run(a) {
    const target = targetOf(a);
    const { resetGuard: run } = await import('../commands/reset-guard.js');
    await run({ target, log: a.required('log') });
    return 0;
  },
};
