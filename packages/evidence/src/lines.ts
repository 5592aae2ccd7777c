import { malformed } from './errors.js';

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Splits a byte stream into UTF-8 lines (LF-terminated; the last line may lack it), refusing
 * any line longer than `maxBytes` before buffering more of it.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const take = (tail: Uint8Array): string => {
    const parts = [...pending, tail];
    const size = pendingSize + tail.length;
    pending = [];
    pendingSize = 0;
    const joined = parts.length === 1 ? parts[0]! : concat(parts, size);
    try {
      return decoder.decode(joined);
    } catch (cause) {
      throw malformed('a line is not valid UTF-8', cause);
    }
  };
  for await (const chunk of chunks) {
    let at = 0;
    for (;;) {
      const nl = chunk.indexOf(10, at);
      if (nl < 0) break;
      if (pendingSize + (nl - at) > maxBytes) throw malformed(`a line exceeds ${maxBytes} bytes`);
      yield take(chunk.subarray(at, nl));
      at = nl + 1;
    }
    if (at < chunk.length) {
      const rest = chunk.subarray(at);
      if (pendingSize + rest.length > maxBytes) throw malformed(`a line exceeds ${maxBytes} bytes`);
      pending.push(rest.slice());
      pendingSize += rest.length;
    }
  }
  if (pendingSize > 0) yield take(new Uint8Array(0));
}
