/** packages/cli/README.md lists exactly the commands of the table. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commandsMarkdown } from '../src/cli/help.js';
import { COMMANDS } from '../src/table/index.js';

it('the README lists the commands of the table, with what each writes', () => {
  // This file runs from packages/cli/dist/test/.
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- commands -->\n([\s\S]*?)<!-- \/commands -->/.exec(readme);
  assert.ok(section, 'the README has a <!-- commands --> section');
  assert.equal(
    section[1],
    commandsMarkdown('proofline', COMMANDS),
    'regenerate the section from commandsMarkdown in src/cli/help.ts',
  );
});
