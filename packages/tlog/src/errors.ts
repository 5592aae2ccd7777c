/** Machine-readable reason attached to every {@link TlogError}. */
export type TlogErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INCLUSION_PROOF_INVALID'
  | 'CONSISTENCY_PROOF_INVALID'
  | 'BAD_TILE_PATH'
  | 'BAD_TILE_DATA'
  | 'BAD_ENTRY_BUNDLE'
  | 'READER_MISBEHAVED';

/** The only error type thrown (or rejected with) by this package. */
export class TlogError extends Error {
  readonly code: TlogErrorCode;

  constructor(code: TlogErrorCode, message: string) {
    super(message);
    this.name = 'TlogError';
    this.code = code;
  }
}
