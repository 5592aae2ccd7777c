import { UsageError, type Command } from '../cli/command.js';

export const witness: Command = {
  name: 'witness',
  summary: 'run a C2SP tlog-witness that cosigns the checkpoints of the logs in its config',
  description:
    'The config is JSON: {"name": KEY_NAME, "logs": [{"origin": ORIGIN, "key": LOG_VKEY}, ...]}. ' +
    'The witness key is created (0600) in --data on first start; its state is kept there.',
  flags: [
    {
      name: 'data',
      type: 'string',
      value: 'DIR',
      required: true,
      help: "the witness's folder (key and state)",
    },
    {
      name: 'config',
      type: 'string',
      value: 'FILE',
      required: true,
      help: 'the witness config (JSON)',
    },
    {
      name: 'port',
      type: 'integer',
      value: 'PORT',
      default: 8081,
      max: 65535,
      help: 'TCP port (0: any free port)',
    },
    {
      name: 'host',
      type: 'string',
      value: 'HOST',
      default: '127.0.0.1',
      help: 'address to listen on',
    },
    {
      name: 'prefix',
      type: 'string',
      value: 'PATH',
      default: '',
      help: 'URL path prefix of the witness API',
    },
  ],
  writes: 'the witness key (on first start) and its state in --data',
  async run(a) {
    const prefix = a.required('prefix');
    if (prefix !== '' && !/^\/[\x21-\x7e]*$/.test(prefix)) {
      throw new UsageError('--prefix must be a path starting with /');
    }
    const { witnessCommand } = await import('../commands/witness.js');
    return witnessCommand({
      data: a.required('data'),
      config: a.required('config'),
      port: a.integer('port')!,
      host: a.required('host'),
      prefix,
    });
  },
};

export const witnessKey: Command = {
  name: 'witness-key',
  summary: "print the witness's verifier key (creating the key if --config is given)",
  flags: [
    { name: 'data', type: 'string', value: 'DIR', required: true, help: "the witness's folder" },
    {
      name: 'config',
      type: 'string',
      value: 'FILE',
      help: 'the witness config, whose name a new key takes',
    },
  ],
  writes: 'with --config, the witness key (0600) if missing',
  async run(a) {
    const { witnessKeyCommand } = await import('../commands/witness.js');
    const config = a.string('config');
    return witnessKeyCommand({
      data: a.required('data'),
      ...(config === undefined ? {} : { config }),
    });
  },
};
