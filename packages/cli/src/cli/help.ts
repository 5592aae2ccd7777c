import type { Command, FlagSpec } from './command.js';

const FLAG_CONVENTION =
  'Flags: --flag value or --flag=value; repeatable flags (...) once per value; -- ends the flags.';

function flagSynopsis(f: FlagSpec): string {
  if (f.synopsis !== undefined) return f.synopsis;
  const value = f.type === 'boolean' ? '' : ` ${f.value ?? (f.type === 'integer' ? 'N' : 'VALUE')}`;
  const text = f.bare !== undefined ? `--${f.name}[=${f.value ?? 'N'}]` : `--${f.name}${value}`;
  const repeated = f.repeatable ? `${text}...` : text;
  return f.required ? repeated : `[${repeated}]`;
}

/** `proofline NAME FLAGS POSITIONALS`, one line (subcommands: `proofline NAME create|list`). */
export function usageLine(program: string, name: string, command: Command): string {
  if (command.subcommands) {
    return `usage: ${program} ${name} ${command.subcommands.map((s) => s.name).join('|')} [flags]`;
  }
  const parts = [
    `${program} ${name}`,
    ...(command.positionals ?? []).map((p) => {
      const name = p.many ? `${p.name}...` : p.name;
      return p.optional ? `[${name}]` : name;
    }),
    ...(command.flags ?? []).map(flagSynopsis).filter((s) => s !== ''),
  ];
  return `usage: ${parts.join(' ')}`;
}

function wrap(text: string, indent: string, width = 92): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

/** The full help of one command: usage, description, arguments, flags, exit codes, writes. */
export function commandHelp(program: string, name: string, command: Command): string {
  const lines = [usageLine(program, name, command), '', wrap(command.summary, '')];
  if (command.description) lines.push('', wrap(command.description, ''));
  if (command.subcommands) {
    lines.push('', 'subcommands:');
    for (const sub of command.subcommands) {
      lines.push(`  ${sub.name.padEnd(10)} ${sub.summary}`);
    }
    lines.push('', `Run "${program} ${name} SUBCOMMAND --help" for its flags.`);
    return `${lines.join('\n')}\n`;
  }
  if (command.positionals?.length) {
    lines.push('', 'arguments:');
    for (const p of command.positionals) {
      lines.push(`  ${p.name}${p.many ? '...' : ''}`, wrap(p.help, '      '));
    }
  }
  if (command.flags?.length) {
    lines.push('', 'flags:');
    for (const f of command.flags) {
      const value =
        f.type === 'boolean' ? '' : ` ${f.value ?? (f.type === 'integer' ? 'N' : 'VALUE')}`;
      const head = f.bare !== undefined ? `--${f.name}[=${f.value ?? 'N'}]` : `--${f.name}${value}`;
      const notes = [
        f.required ? 'required' : undefined,
        f.repeatable ? 'repeatable' : undefined,
        f.env ? `env ${f.env}` : undefined,
        f.default !== undefined && f.default !== '' ? `default ${f.default}` : undefined,
        f.bare !== undefined ? `alone: ${f.bare}` : undefined,
        f.type === 'integer' && f.min !== undefined && f.max !== undefined
          ? `${f.min}..${f.max}`
          : undefined,
      ].filter((n) => n !== undefined);
      lines.push(
        `  ${head}${notes.length ? `  (${notes.join('; ')})` : ''}`,
        wrap(f.help, '      '),
      );
    }
  }
  lines.push('', 'exit codes: 0 ok, 1 failed, 2 usage');
  for (const [code, meaning] of command.exits ?? []) lines.push(`  ${code} ${meaning}`);
  lines.push(
    '',
    command.writes ? wrap(`writes: ${command.writes}`, '') : 'writes: nothing (read-only)',
  );
  lines.push('', FLAG_CONVENTION);
  return `${lines.join('\n')}\n`;
}

/** `proofline --help`: every command with its summary. */
export function programHelp(program: string, commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `usage: ${program} <command> [flags]`,
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run "${program} <command> --help" for a command's flags, "${program} --version" for the version.`,
    FLAG_CONVENTION,
    'Exit codes: 0 ok, 1 failed, 2 usage; some commands add their own (see their --help).',
    '',
  ].join('\n');
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * The command list of packages/cli/README.md (a Markdown table: command, summary, what it
 * writes); the README's copy is checked against it by a test.
 */
export function commandsMarkdown(program: string, commands: readonly Command[]): string {
  const rows = commands.flatMap((c) =>
    (c.subcommands ?? [c]).map((leaf) => {
      const name = leaf === c ? c.name : `${c.name} ${leaf.name}`;
      return `| \`${program} ${name}\` | ${markdownCell(leaf.summary)} | ${markdownCell(leaf.writes ?? 'nothing (read-only)')} |`;
    }),
  );
  return ['| command | what it does | writes |', '| --- | --- | --- |', ...rows, ''].join('\n');
}
