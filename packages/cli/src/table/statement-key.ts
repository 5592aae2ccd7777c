import { UsageError, type Command } from '../cli/command.js';

export const statementKey: Command = {
  name: 'statement-key',
  summary: 'make a key that signs SCITT statements (attest --scitt)',
  subcommands: [
    {
      name: 'generate',
      summary: 'write a new statement key; print its public key for issuer-key add --cose-key',
      description:
        'Writes a PKCS#8 PEM private key to --out (mode 0600; an existing file is refused) and ' +
        'prints its public key as PEM SubjectPublicKeyInfo, the file `proofline issuer-key add ' +
        '--tenant T --cose-key FILE` registers. Any PKCS#8 Ed25519 or P-256 key serves as well ' +
        '(e.g. `openssl genpkey -algorithm ed25519`).',
      flags: [
        {
          name: 'out',
          type: 'string',
          value: 'FILE',
          required: true,
          help: 'where the private key is written',
        },
        {
          name: 'alg',
          type: 'string',
          value: 'ALG',
          default: 'EdDSA',
          help: 'EdDSA (an Ed25519 key) or ES256 (a P-256 key)',
        },
      ],
      writes: 'the private key file',
      async run(a) {
        const { STATEMENT_KEY_ALGS, generateStatementKey } = await import('../statement-key.js');
        const alg = a.required('alg');
        const known = STATEMENT_KEY_ALGS.find((k) => k === alg);
        if (known === undefined) throw new UsageError('--alg is EdDSA or ES256');
        return generateStatementKey(a.required('out'), known);
      },
    },
  ],
};
