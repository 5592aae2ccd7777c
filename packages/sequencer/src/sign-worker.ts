/**
 * The thread behind workerEd25519Signer: signs batches of messages with one Ed25519 key.
 *
 * Protocol (parent → worker): `{ id, messages: ArrayBuffer, ends: Uint32Array }`, where message
 * i is bytes [ends[i-1] (or 0), ends[i]) of `messages`. Reply: `{ id, signatures: ArrayBuffer }`
 * holding 64 bytes per message in order, or `{ id, error: string }`; the buffers are
 * transferred, not copied. The key arrives once, in workerData, as the PKCS #8 DER of the seed.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

interface SignRequest {
  readonly id: number;
  readonly messages: ArrayBuffer;
  readonly ends: Uint32Array;
}

const key = createPrivateKey({
  key: Buffer.from(workerData.pkcs8 as Uint8Array),
  format: 'der',
  type: 'pkcs8',
});

parentPort!.on('message', ({ id, messages, ends }: SignRequest) => {
  try {
    const signatures = new Uint8Array(64 * ends.length);
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!;
      signatures.set(sign(null, new Uint8Array(messages, start, end - start), key), 64 * i);
      start = end;
    }
    parentPort!.postMessage({ id, signatures: signatures.buffer }, [signatures.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: String(err) });
  }
});
