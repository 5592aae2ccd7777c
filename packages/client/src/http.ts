import { ProoflineError } from './errors.js';

/**
 * The body of a response as UTF-8 text, refusing one longer than `limit` bytes (by its
 * Content-Length at once, else while reading): a server's answer is untrusted input.
 */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const tooLarge = () =>
    new ProoflineError(`the answer exceeds ${limit} bytes`, response.status, 'response-too-large');
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
