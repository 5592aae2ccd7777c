import type { Command } from '../cli/command.js';

const DATA = {
  name: 'data',
  type: 'string',
  value: 'DIR',
  required: true,
  help: 'the SQLite data folder (for PostgreSQL use pg_dump: docs/operations.md)',
} as const;

export const backup: Command = {
  name: 'backup',
  summary: "write a consistent copy of a SQLite deployment's database, while it serves",
  description:
    'The copy is one snapshot (VACUUM INTO), integrity-checked and fsynced before it appears ' +
    'under its name. The signing keys and checkpoint guards (DIR/keys) are not in it: keep them apart.',
  flags: [
    DATA,
    { name: 'out', type: 'string', value: 'FILE', required: true, help: 'the new backup file' },
  ],
  writes: 'FILE only (0600); refuses an existing FILE',
  async run(a) {
    const { backup: run } = await import('../commands/backup.js');
    run({ data: a.required('data'), out: a.required('out') });
    return 0;
  },
};

export const restore: Command = {
  name: 'restore',
  summary: 'restore a backup as the database of a SQLite data folder that has none',
  description:
    "Refuses, writing nothing, when the folder has a database, when a log's key in DIR/keys is " +
    'missing or not the one the backup registers, and when the backup is older than (or forks ' +
    'from) the last checkpoint this node signed: serving it would sign a fork of what the log ' +
    'published. Logs without a checkpoint guard get one from the backup.',
  flags: [
    DATA,
    { name: 'from', type: 'string', value: 'FILE', required: true, help: 'the backup file' },
    {
      name: 'state-dir',
      type: 'string',
      value: 'DIR',
      env: 'PROOFLINE_STATE_DIR',
      help: "this node's checkpoint guards, if not in the key folder",
    },
    {
      name: 'force',
      type: 'boolean',
      help: 'restore even a backup older than what this node signed (serve then needs reset-guard)',
    },
  ],
  writes: 'DIR/proofline.db and missing checkpoint guards',
  async run(a) {
    const { restore: run } = await import('../commands/backup.js');
    const state = a.string('state-dir');
    await run({
      data: a.required('data'),
      from: a.required('from'),
      force: a.flag('force'),
      ...(state !== undefined ? { state } : {}),
    });
    return 0;
  },
};
