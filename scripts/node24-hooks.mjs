// Preloaded by scripts/node24.sh (NODE_OPTIONS=--import=...) into every Node 24 process and
// worker thread of the test run: resolves the bare specifiers of the native addons, from import
// and require alike, to the copies built against Node 24's headers: `better-sqlite3` to
// $PROOFLINE_BETTER_SQLITE3, `pkcs11js` to $PROOFLINE_PKCS11JS. Every other specifier resolves
// as usual. Throws at start-up if a variable is unset or its copy is not built, rather than
// letting a Node 20 addon fail later with an ABI error.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

function builtEntry(variable, main) {
  const dir = process.env[variable];
  if (!dir || !existsSync(join(dir, '.built'))) {
    throw new Error(`node24-hooks: ${variable} must name a built copy of the addon`);
  }
  return pathToFileURL(join(dir, main)).href;
}

const entries = new Map([
  ['better-sqlite3', builtEntry('PROOFLINE_BETTER_SQLITE3', join('lib', 'index.js'))],
  ['pkcs11js', builtEntry('PROOFLINE_PKCS11JS', 'index.js')],
]);

registerHooks({
  resolve(specifier, context, nextResolve) {
    const url = entries.get(specifier);
    if (url !== undefined) return { url, format: 'commonjs', shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
