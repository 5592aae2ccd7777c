import type { Command } from '../cli/command.js';
import { LOG_TARGET_FLAGS, targetOf } from '../cli/target.js';

export const append: Command = {
  name: 'append',
  summary: 'import JSON statements, one per line of standard input, into an existing log',
  description:
    'Commits in chunks; prints "appended FIRST-LAST" per durable commit. An invalid line stops ' +
    'the import before its chunk is written. Then waits for a checkpoint covering the new ' +
    "entries. The log must exist (create-log, or serve's first start).",
  flags: [
    ...LOG_TARGET_FLAGS,
    {
      name: 'chunk',
      type: 'integer',
      value: 'N',
      default: 1000,
      min: 1,
      max: 65536,
      help: 'records per commit',
    },
    {
      name: 'wait',
      type: 'integer',
      value: 'MS',
      default: 30000,
      max: 3_600_000,
      help: 'how long to wait for a checkpoint that covers the appended entries',
    },
  ],
  writes: "records into the log, a checkpoint, the log's checkpoint guard",
  async run(a) {
    const target = targetOf(a);
    const { append: run } = await import('../commands/append.js');
    await run({
      target,
      log: a.required('log'),
      chunkSize: a.integer('chunk')!,
      waitMs: a.integer('wait')!,
    });
    return 0;
  },
};
