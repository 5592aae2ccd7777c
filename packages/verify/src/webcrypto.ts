/**
 * The parts of the W3C Web Cryptography API this package uses, typed here so that the code
 * depends on neither the DOM nor the Node type definitions.
 */
export interface Subtle {
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: { readonly name: string },
    extractable: boolean,
    keyUsages: readonly string[],
  ): Promise<unknown>;
  verify(
    algorithm: { readonly name: string },
    key: unknown,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}

/** `globalThis.crypto.subtle` where the platform has it (browsers, Node 20+, Deno, Bun). */
export function webCryptoSubtle(): Subtle | undefined {
  const { crypto } = globalThis as unknown as { crypto?: { subtle?: Subtle } };
  return crypto?.subtle;
}
