/** The command table's parser, suggestions and help, without spawning anything. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, type Command } from '../src/cli/command.js';
import { commandHelp, usageLine } from '../src/cli/help.js';
import { parseCommand } from '../src/cli/parse.js';
import { didYouMean, editDistance } from '../src/cli/suggest.js';
import { COMMANDS } from '../src/table/index.js';

const CMD: Command = {
  name: 'demo',
  summary: 'a demo',
  positionals: [{ name: 'FILE', many: true, help: 'files' }],
  flags: [
    { name: 'url', type: 'string', value: 'URL', required: true, help: 'u' },
    { name: 'api-key', type: 'string', env: 'DEMO_KEY', required: true, help: 'k' },
    { name: 'port', type: 'integer', default: 8080, max: 65535, help: 'p' },
    { name: 'label', type: 'string', repeatable: true, help: 'l' },
    { name: 'json', type: 'boolean', help: 'j' },
    { name: 'wait', type: 'integer', bare: 60, max: 100, help: 'w' },
  ],
  run: () => Promise.resolve(0),
};

function parse(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseCommand(CMD, 'demo', argv, env);
  assert.equal(parsed.help, false);
  return parsed.args;
}

function usage(argv: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  assert.throws(
    () => parseCommand(CMD, 'demo', argv, env),
    (err: unknown) => err instanceof UsageError && err.command === CMD && pattern.test(err.message),
  );
}

describe('parseCommand', () => {
  it('takes --flag value and --flag=value alike, with defaults and env', () => {
    for (const argv of [
      ['f', '--url', 'http://x', '--api-key', 'k'],
      ['--url=http://x', 'f', '--api-key=k'],
    ]) {
      const a = parse(argv);
      assert.equal(a.required('url'), 'http://x');
      assert.equal(a.required('api-key'), 'k');
      assert.equal(a.integer('port'), 8080);
      assert.equal(a.has('port'), false);
      assert.deepEqual(a.positionals, ['f']);
    }
    assert.equal(parse(['f', '--url', 'u'], { DEMO_KEY: 'env' }).required('api-key'), 'env');
    assert.equal(
      parse(['f', '--url', 'u', '--api-key', 'flag'], { DEMO_KEY: 'env' }).required('api-key'),
      'flag',
    );
  });

  it('keeps repeatable values in order, booleans without values, bare and = forms', () => {
    const a = parse([
      '--url',
      'u',
      '--api-key',
      'k',
      '--label',
      'a=1',
      'f',
      '--label=b=2',
      '--json',
      'g',
    ]);
    assert.deepEqual(a.list('label'), ['a=1', 'b=2']);
    assert.equal(a.flag('json'), true);
    assert.deepEqual(a.positionals, ['f', 'g']);
    assert.equal(parse(['f', '--url', 'u', '--api-key', 'k', '--wait']).integer('wait'), 60);
    const w = parse(['f', '--url', 'u', '--api-key', 'k', '--wait', '30']);
    assert.equal(w.integer('wait'), 60, 'a bare flag never swallows the next argument');
    assert.deepEqual(w.positionals, ['f', '30']);
    assert.equal(parse(['f', '--url', 'u', '--api-key', 'k', '--wait=30']).integer('wait'), 30);
  });

  it('treats everything after -- as positional, and - as a positional', () => {
    const a = parse(['--url', 'u', '--api-key', 'k', '-', '--', '--json', '-h']);
    assert.deepEqual(a.positionals, ['-', '--json', '-h']);
    assert.equal(a.flag('json'), false);
  });

  it('asks for help before checking anything else', () => {
    assert.deepEqual(parseCommand(CMD, 'demo', ['--bogus', '-h'], {}), { help: true });
    assert.deepEqual(parseCommand(CMD, 'demo', ['--help'], {}), { help: true });
  });

  it('refuses what it does not understand', () => {
    const base = ['f', '--url', 'u', '--api-key', 'k'];
    usage([...base, '--urll', 'x'], /unknown flag --urll for demo; did you mean --url\?/);
    usage([...base, '--jsno'], /did you mean --json\?/);
    usage([...base, '--zzzzzzzz'], /^unknown flag --zzzzzzzz for demo$/);
    usage([...base, '-x'], /unknown flag -x/);
    usage([...base, '--json=yes'], /--json takes no value/);
    usage([...base, '--port'], /--port needs a value/);
    usage([...base, '--port', '--json'], /--port needs a value/);
    usage([...base, '--port', '1', '--port', '2'], /--port given twice/);
    for (const bad of ['x', '-1', '1.5', '65536', '0x10', ' 1', '']) {
      usage([...base, `--port=${bad}`], /--port must be an integer from 0 to 65535/);
    }
    usage([...base, '--wait=101'], /--wait must be an integer from 0 to 100/);
    usage(['f', '--api-key', 'k'], /--url is required/);
    usage(['f', '--url', 'u'], /--api-key \(or DEMO_KEY\) is required/);
    usage(['--url', 'u', '--api-key', 'k'], /demo takes one or more FILE \(got none\)/);
    usage(['f', '--url', 'u'], /required/, { DEMO_KEY: '' });
  });

  it('checks the declared type of every flag it is asked for', () => {
    const a = parse(['f', '--url', 'u', '--api-key', 'k']);
    assert.throws(() => a.integer('url'), /not a number/);
    assert.throws(() => a.string('port'), /not a string/);
  });
});

describe('suggestions', () => {
  it('measures edits, transpositions included', () => {
    assert.equal(editDistance('log-key', 'log-key'), 0);
    assert.equal(editDistance('lgo-key', 'log-key'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('suggests only near candidates', () => {
    assert.equal(didYouMean('sever', ['serve', 'sample']), '; did you mean serve?');
    assert.equal(
      didYouMean('verify-evid', ['verify', 'verify-evidence']),
      '; did you mean verify-evidence?',
    );
    assert.equal(didYouMean('zzz', ['serve', 'sample']), '');
  });
});

describe('the command table', () => {
  it('has unique commands and flags, each with a summary and help', () => {
    const names = COMMANDS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const c of COMMANDS) {
      for (const leaf of c.subcommands ?? [c]) {
        assert.ok(leaf.summary.length > 10, leaf.name);
        assert.ok(leaf.run, `${c.name} ${leaf.name} runs`);
        const flags = (leaf.flags ?? []).map((f) => f.name);
        assert.equal(new Set(flags).size, flags.length, `${leaf.name}: duplicate flag`);
        assert.ok(!flags.includes('help'), "help is everyone's");
        for (const f of leaf.flags ?? []) {
          assert.match(f.name, /^[a-z][a-z0-9-]*$/);
          assert.ok(f.help.length > 0, `${leaf.name} --${f.name}`);
          assert.ok(f.bare === undefined || f.type === 'integer');
          assert.ok(!(f.required && f.default !== undefined), `${leaf.name} --${f.name}`);
        }
      }
    }
  });

  it('prints one usage line per command and a help naming every flag', () => {
    for (const c of COMMANDS) {
      for (const leaf of c.subcommands ?? [c]) {
        const name = leaf === c ? c.name : `${c.name} ${leaf.name}`;
        const line = usageLine('proofline', name, leaf);
        assert.ok(line.startsWith(`usage: proofline ${name}`), line);
        assert.ok(!line.includes('\n'));
        const help = commandHelp('proofline', name, leaf);
        for (const f of leaf.flags ?? [])
          assert.ok(help.includes(`--${f.name}`), `${name} --${f.name}`);
      }
    }
  });
});
