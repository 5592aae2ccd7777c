import { readFileSync } from 'node:fs';
import { UsageError, type Command } from './command.js';
import { commandHelp, programHelp, usageLine } from './help.js';
import { missingPackage, missingPackageMessage } from './missing-package.js';
import { parseCommand } from './parse.js';
import { didYouMean } from './suggest.js';

/** The package's version (this file runs from dist/src/cli/). */
export function version(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

function find(commands: readonly Command[], name: string, where: string): Command {
  const found = commands.find((c) => c.name === name);
  if (found) return found;
  const hint = didYouMean(
    name,
    commands.map((c) => c.name),
  );
  throw new UsageError(`unknown ${where} ${JSON.stringify(name)}${hint}`);
}

/**
 * Runs `argv` against the command table `commands`: `--help`, `help [CMD]`, `--version`,
 * `CMD --help`, or the command. Returns the exit code (-1: the command keeps running, e.g. a
 * server). A UsageError prints its message and the one usage line of the command concerned
 * (2); any other error its message (1). Nothing else is printed here.
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly Command[],
  program = 'proofline',
): Promise<number> {
  let name = '';
  let command: Command | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      process.stderr.write(programHelp(program, commands));
      return 2;
    }
    if (first === '--version') {
      process.stdout.write(`${program} ${version()}\n`);
      return 0;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      if (first === 'help' && rest[0] !== undefined) {
        const target = find(commands, rest[0], 'command');
        process.stdout.write(commandHelp(program, target.name, target));
      } else {
        process.stdout.write(programHelp(program, commands));
      }
      return 0;
    }
    command = find(commands, first, 'command');
    name = command.name;
    let args = rest;
    if (command.subcommands) {
      const [action, ...more] = rest;
      if (action === '--help' || action === '-h') {
        process.stdout.write(commandHelp(program, name, command));
        return 0;
      }
      const names = command.subcommands.map((s) => s.name);
      if (action === undefined || action.startsWith('-')) {
        throw new UsageError(
          `${name} takes ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`,
          command,
        );
      }
      const group = command;
      command = find(command.subcommands, action, `${name} subcommand`);
      name = `${group.name} ${command.name}`;
      args = more;
    }
    const parsed = parseCommand(command, name, args);
    if (parsed.help) {
      process.stdout.write(commandHelp(program, name, command));
      return 0;
    }
    return await command.run!(parsed.args);
  } catch (err) {
    if (err instanceof UsageError) {
      const concerned = err.command ?? command;
      const usage = concerned
        ? `${usageLine(program, name, concerned)}\nRun "${program} ${name} --help" for details.`
        : `usage: ${program} <command> [flags]\nRun "${program} --help" for the commands.`;
      process.stderr.write(`${program}: ${err.message}\n${usage}\n`);
      return 2;
    }
    const missing = missingPackage(err);
    if (missing !== undefined) {
      process.stderr.write(`${missingPackageMessage(program, name, missing, version())}\n`);
      return 1;
    }
    process.stderr.write(`${program}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
