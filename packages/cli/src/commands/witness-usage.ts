/** Usage text and options of the witness commands, apart from their (heavier) code. */

export const WITNESS_USAGE = `  witness     --data DIR --config FILE [--port 8081] [--host 127.0.0.1] [--prefix PATH]
              run a C2SP tlog-witness: cosign the checkpoints of the logs in FILE (JSON:
              {"name": KEY_NAME, "logs": [{"origin": ORIGIN, "key": LOG_VKEY}, ...]}); the
              witness key is created (0600) in DIR on first start, its state kept in DIR
  witness-key --data DIR [--config FILE]
              print the witness's verifier key (creating the key if FILE is given)
`;

/** Options `proofline serve` takes to have its checkpoints witnessed. */
export const WITNESS_SERVE_OPTIONS = {
  witness: { type: 'string', multiple: true },
  'witness-quorum': { type: 'string' },
  'witness-policy': { type: 'string' },
  'witness-timeout': { type: 'string' },
} as const;

export const WITNESS_SERVE_USAGE = `              [--witness URL=WITNESS_VKEY]... [--witness-quorum K] | [--witness-policy FILE]
              [--witness-timeout MS]: publish a checkpoint only once K of the witnesses (default:
              all) or the C2SP tlog-policy FILE's quorum cosigned it
`;
