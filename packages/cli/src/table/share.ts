import { UsageError, type Command } from '../cli/command.js';
import { URL_FLAG, apiKeyFlag } from './common.js';

/** `30d`, `12h`, `90m`, `3600s` (or plain seconds) as seconds; a usage error otherwise. */
export function durationSeconds(text: string): number {
  const match = /^([1-9]\d{0,9})([smhd]?)$/.exec(text);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? ''];
  if (!match || unit === undefined) {
    throw new UsageError(
      `--expires must be a duration like 30d, 12h, 90m or 3600s, not ${JSON.stringify(text)}`,
    );
  }
  return Number(match[1]) * unit;
}

export const share: Command = {
  name: 'share',
  summary: 'make, list or revoke share links of a record in a private log',
  description:
    'A share link (<server>/r/<ID>#t=<token>) lets whoever holds it verify one record of a ' +
    'private log in a browser, with no API key; the token is in the URL fragment, which ' +
    'browsers never send to servers. Without --list or --revoke*, makes a new link (the key ' +
    'needs records:write) and prints its URL; the token is shown only then. --list shows ' +
    "the record's links (records:read); --revoke ID revokes one, --revoke-all every one of " +
    'the record (records:write). attest returns a link for every record of a private log.',
  positionals: [{ name: 'ID', help: 'the record id (from attest)' }],
  flags: [
    URL_FLAG,
    apiKeyFlag("an API key of the record's tenant"),
    {
      name: 'expires',
      type: 'string',
      value: 'DURATION',
      help: 'the new link stops working after this long: 30d, 12h, 90m, 3600s (default: never)',
    },
    { name: 'list', type: 'boolean', help: "list the record's links: id, status, times" },
    { name: 'revoke', type: 'string', value: 'LINK-ID', help: 'revoke the link with this id' },
    { name: 'revoke-all', type: 'boolean', help: 'revoke every link of the record' },
  ],
  writes: 'a share link, or its revocation, on the server',
  async run(a) {
    const list = a.flag('list');
    const revoke = a.string('revoke');
    const revokeAll = a.flag('revoke-all');
    const expires = a.string('expires');
    const modes = [list, revoke !== undefined, revokeAll, expires !== undefined].filter(Boolean);
    if (modes.length > 1) {
      throw new UsageError('give one of --expires, --list, --revoke, --revoke-all');
    }
    const { shareCommand } = await import('../commands/share.js');
    return shareCommand({
      id: a.positionals[0]!,
      url: a.required('url'),
      apiKey: a.required('api-key'),
      action: list
        ? { kind: 'list' }
        : revoke !== undefined
          ? { kind: 'revoke', linkId: revoke }
          : revokeAll
            ? { kind: 'revoke-all' }
            : {
                kind: 'create',
                ...(expires === undefined ? {} : { expiresInSeconds: durationSeconds(expires) }),
              },
    });
  },
};
