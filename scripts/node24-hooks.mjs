// Preloaded by scripts/node24.sh (NODE_OPTIONS=--import=...) into every Node 24 process and
// worker thread of the test run: resolves the bare specifier `better-sqlite3`, from import and
// require alike, to the copy built against Node 24's headers in $PROOFLINE_BETTER_SQLITE3.
// Every other specifier resolves as usual. Throws at start-up if the variable is unset or the
// copy is not built, rather than letting the Node 20 addon fail later with an ABI error.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const dir = process.env.PROOFLINE_BETTER_SQLITE3;
if (!dir || !existsSync(join(dir, '.built'))) {
  throw new Error('node24-hooks: PROOFLINE_BETTER_SQLITE3 must name a built better-sqlite3 copy');
}
const entry = pathToFileURL(join(dir, 'lib', 'index.js')).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'better-sqlite3')
      return { url: entry, format: 'commonjs', shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
