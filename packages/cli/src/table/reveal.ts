import { UsageError, type Command } from '../cli/command.js';
import { LOG_KEY_FLAG } from './common.js';

export const reveal: Command = {
  name: 'reveal',
  summary: "verify a bundle, then check a private label's value and salt against its commitment",
  description: 'Give --value V --salt BASE64, or --salts FILE.salts.json (saved by attest --out).',
  positionals: [{ name: 'BUNDLE', help: 'a proof bundle' }],
  flags: [
    LOG_KEY_FLAG,
    { name: 'label', type: 'string', value: 'NAME', required: true, help: 'the private label' },
    { name: 'value', type: 'string', value: 'V', help: 'the claimed value' },
    { name: 'salt', type: 'string', value: 'BASE64', help: 'its salt' },
    {
      name: 'salts',
      type: 'string',
      value: 'FILE.salts.json',
      help: 'the salts file from attest --out',
    },
  ],
  async run(a) {
    const value = a.string('value');
    const salt = a.string('salt');
    const salts = a.string('salts');
    const byValue = value !== undefined || salt !== undefined;
    if (byValue === (salts !== undefined) || (byValue && !(value && salt))) {
      throw new UsageError('reveal takes --value V --salt S, or --salts FILE.salts.json');
    }
    const { revealCommand } = await import('../commands/reveal.js');
    return revealCommand({
      bundle: a.positionals[0]!,
      logKey: a.required('log-key'),
      label: a.required('label'),
      ...(byValue ? { value: value!, salt: salt! } : { saltsFile: salts! }),
    });
  },
};
