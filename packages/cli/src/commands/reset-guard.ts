import { openDeployment, type Target } from '../deployment.js';

export interface ResetGuardOptions {
  readonly target: Target;
  readonly log: string;
}

/**
 * The operator's explicit reset of this node's checkpoint guard for a log: the guard then
 * holds the database's latest checkpoint (which must carry the log key's signature), or
 * nothing if it has none. The previous guard file is kept beside it. Run it only with every
 * process of the log stopped, after deciding to go on from this database (see
 * packages/sequencer/README.md). Prints what was replaced and what the guard holds now.
 */
export async function resetGuard(options: ResetGuardOptions): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const { guard } = await deployment.openLog(options.log); // never creates a log or a key
    let before: string;
    try {
      const old = await guard.read();
      before = `size ${old.size}, root ${Buffer.from(old.rootHash).toString('hex')}`;
    } catch (err) {
      before = `unusable: ${(err as Error).message}`;
    }
    const { state, previous } = await guard.reset(deployment.storage);
    const now = `size ${state.size}, root ${Buffer.from(state.rootHash).toString('hex')}`;
    console.log(`log ${options.log}: checkpoint guard ${guard.path} reset`);
    console.log(`  before: ${before}${previous ? ` (kept in ${previous})` : ''}`);
    console.log(`  now:    ${now} (the database's latest checkpoint)`);
  } finally {
    await deployment.close();
  }
}
