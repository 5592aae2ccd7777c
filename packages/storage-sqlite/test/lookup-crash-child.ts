/**
 * Child of lookup-crash.test.ts: appends commits of 50 entries with known lookup keys to the
 * store at argv[2] and integrates after each, moving lookup rows at almost every integration
 * (tiny thresholds); prints each committed size once `sequence` resolved. Runs until killed.
 */
import { SqliteStorage } from '../src/index.js';
import { lookupKeyOf } from './lookup-keys.js';

const store = new SqliteStorage(process.argv[2]!, {
  lookupMerge: { mergeRows: 64, stepRows: 200 },
});
await store.ensureTenant('t', 1);
await store.ensureLog({ name: 'l', tenant: 't', origin: 'x/l', verifierKey: 'k', createdAt: 1 });
for (;;) {
  const { size } = await store.tail('l');
  const indices = Array.from({ length: 50 }, (_, i) => size + i);
  const entries = indices.map((i) => new TextEncoder().encode(`entry ${i}`));
  const lookupKeys = indices.map(lookupKeyOf);
  const answer = await store.sequence('l', {
    first: size,
    timeMs: 1,
    groups: [{ entries, lookupKeys }],
  });
  if (answer.status !== 'committed') throw new Error(`unexpected ${answer.status}`);
  process.stdout.write(`${size + 50}\n`);
  await store.integrate('l', await store.integratedSize('l'), size + 50, []);
}
