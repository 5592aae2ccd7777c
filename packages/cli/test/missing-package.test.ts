import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingPackage, missingPackageMessage } from '../src/cli/missing-package.js';

const notFound = (message: string, code = 'ERR_MODULE_NOT_FOUND') =>
  Object.assign(new Error(message), { code });

describe('missingPackage', () => {
  it('names the package an import could not find', () => {
    assert.equal(
      missingPackage(
        notFound("Cannot find package '@proofline/server' imported from /x/dist/src/serve.js"),
      ),
      '@proofline/server',
    );
    assert.equal(
      missingPackage(notFound("Cannot find package 'better-sqlite3' imported from /x/index.js")),
      'better-sqlite3',
    );
  });

  it('leaves every other error alone: a missing file of an installed package is a bug', () => {
    assert.equal(
      missingPackage(notFound("Cannot find module '/x/dist/src/gone.js' imported from /x/a.js")),
      undefined,
    );
    assert.equal(missingPackage(notFound("Cannot find package 'x'", 'ENOENT')), undefined);
    assert.equal(missingPackage(new Error("Cannot find package 'x' imported from /y")), undefined);
    assert.equal(missingPackage(null), undefined);
    assert.equal(missingPackage('ERR_MODULE_NOT_FOUND'), undefined);
    assert.equal(missingPackage({ code: 'ERR_MODULE_NOT_FOUND', message: 7 }), undefined);
  });

  it('says which command needs what, and how to install it at this version', () => {
    const m = missingPackageMessage('proofline', 'serve', '@proofline/server', '0.1.0');
    assert.match(m, /^proofline serve needs @proofline\/server, which is not installed /);
    assert.match(m, /: npm install @proofline\/server@0\.1\.0$/);
    assert.match(missingPackageMessage('proofline', 'backup', 'pg', '0.1.0'), /npm install pg$/);
  });
});
