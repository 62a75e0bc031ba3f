// The clerk-sync entry point: parse argv, dispatch to one command, and the single top-level catch that turns errors
// into messages and exit codes. Exit codes: 0 success / no changes, 1 error, 2 changes (with --detailed-exitcode)
// or drift.

import { parseArgs } from 'node:util';
import type { CliIO, CommandDefinition } from './commands/command.ts';
import { COMMAND_NAMES, loadCommand } from './commands/registry.ts';
import { ClerkSyncError, UsageError } from './errors.ts';
import { VERSION } from './version.ts';

const TOP_HELP = `clerk-sync ${VERSION}: declarative user-state sync for the Clerk Backend API

Usage: clerk-sync <command> [options]

Commands:
{commands}

Run \`clerk-sync <command> --help\` for a command's options.
Environment: CLERK_SECRET_KEY (required for commands that talk to Clerk), CLERK_API_URL (default https://api.clerk.com/v1).
Several instances: --env NAME selects an environment of ./clerk-sync.yaml (its files, key variable, API URL).
`;

function defaultIO(): CliIO {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    // The first stops starting work (commands listen to the abort); a second exits at once, as a shell reports it.
    if (interrupts > 1) process.exit(signal === 'SIGTERM' ? 143 : 130);
    controller.abort();
  };
  // `on`, not `once`: with no listener of ours left, Ink's exit hook (signal-exit) re-raises the signal and the
  // process dies at the first Ctrl-C, printing nothing.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    runCli: main,
  };
}

async function topLevelHelp(): Promise<string> {
  const lines: string[] = [];
  for (const name of COMMAND_NAMES) {
    const command = await loadCommand(name);
    if (command && !command.hidden) lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  return TOP_HELP.replace('{commands}', lines.join('\n'));
}

function parseCommandArgs(command: CommandDefinition, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.allowPositionals,
      strict: true,
    });
  } catch (error) {
    // node:util parseArgs throws TypeError with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION; its message names the flag.
    const message = error instanceof Error ? error.message : String(error);
    const manifest =
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && manifestGiven(command, argv);
    if (manifest) {
      throw new UsageError(`${command.name} reads manifests with -f, not as an argument: "${manifest}"`, {
        hint: `Run \`clerk-sync ${command.name} -f ${manifest}\` (-f is repeatable; a directory means its *.yaml files).`,
      });
    }
    throw new UsageError(message, { hint: `Run \`clerk-sync ${command.name} --help\` for usage.` });
  }
}

/** The first positional argument of a command that takes manifests with -f only (`plan users.yaml`). */
function manifestGiven(command: CommandDefinition, argv: string[]): string | false {
  if (command.options.file === undefined) return false;
  try {
    const { positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return positionals[0] ?? false;
  } catch {
    return false;
  }
}

function writeError(io: CliIO, error: unknown, jsonRequested: boolean, commandName?: string): number {
  if (error instanceof ClerkSyncError) {
    if (jsonRequested) {
      io.stdout.write(`${JSON.stringify({ status: 'error', error: error.toJSON() }, null, 2)}\n`);
    }
    if (error.userFacing) {
      io.stderr.write(`Error: ${error.message}\n`);
      // A usage error raised inside a command does not know its name: name it in the generic hint.
      const hint = commandName ? error.hint?.replace('clerk-sync <command>', `clerk-sync ${commandName}`) : error.hint;
      if (hint) io.stderr.write(`  hint: ${hint}\n`);
      io.stderr.write(`  code: ${error.code}\n`);
    } else {
      io.stderr.write(
        `Error: ${error.message}\n  code: ${error.code}\nThis is a bug in clerk-sync; please report it.\n`,
      );
      if (error.stack) io.stderr.write(`${error.stack}\n`);
    }
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (jsonRequested) {
    io.stdout.write(
      `${JSON.stringify({ status: 'error', error: { code: 'internal_error', message: String(error) } }, null, 2)}\n`,
    );
  }
  io.stderr.write(
    `Error: an unexpected failure (code: internal_error). This is a bug in clerk-sync; please report it with the output below.\n${detail}\n`,
  );
  return 1;
}

/** Run clerk-sync with the given arguments; resolves to the exit code. */
export async function main(argv: string[], givenIO: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  const io: CliIO = givenIO.runCli ? givenIO : { ...givenIO, runCli: main };
  let jsonRequested = false;
  let commandName: string | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(await topLevelHelp());
      return name === undefined ? 1 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const command = await loadCommand(name);
    if (!command) {
      throw new UsageError(`unknown command "${name}"`, {
        hint: `Commands: ${COMMAND_NAMES.join(', ')}. Run \`clerk-sync --help\`.`,
      });
    }
    commandName = command.name;
    const { values, positionals } = parseCommandArgs(command, rest);
    jsonRequested = (values as Record<string, unknown>).format === 'json';
    if (values.help === true) {
      io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return 0;
    }
    const given = values as Record<string, unknown>;
    if (given.env === undefined && given.project === undefined) return await command.run({ values, positionals }, io);
    // Only a run that names an environment reads the project file (and loads its module).
    const { selectEnvironment } = await import('./commands/environment-options.ts');
    const selected = await selectEnvironment(values, io, { files: command.options.file !== undefined });
    return await command.run({ values: selected.values, positionals }, selected.io);
  } catch (error) {
    return writeError(io, error, jsonRequested, commandName);
  }
}
