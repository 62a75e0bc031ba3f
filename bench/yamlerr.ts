// `--only yamlerr`: the manifest error path of issue 17. One mistake in the middle file of the 100k-user manifest (a
// misspelt field, an indentation typo) and a CRLF copy of the manifest (clean, and with the typo), each against the
// clean `validate` in the same run: an error must cost no more than 2x a clean run and stay under 600 MB;
// `plan --github` with one error likewise.

import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmulatorProcess, ScenarioContext } from './processes.ts';

export interface YamlErrContext extends ScenarioContext {
  /** The clean 100k-user manifest directory (00-settings.yaml, users-001.yaml ...). */
  clean: string;
  startEmulator(): Promise<EmulatorProcess>;
  apiEnv(emulator: EmulatorProcess): Record<string, string>;
}

/** A copy of the clean manifest in `work/name`: every users file passed through `edit`, told which is the middle one. */
function variant(context: YamlErrContext, name: string, edit: (text: string, middle: boolean) => string): string {
  const dir = join(context.work, name);
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(context.clean).sort();
  const users = files.filter((file) => file.startsWith('users-'));
  const middle = users[Math.floor(users.length / 2)];
  for (const file of files) {
    if (file.startsWith('users-')) {
      writeFileSync(join(dir, file), edit(readFileSync(join(context.clean, file), 'utf8'), file === middle));
    } else {
      cpSync(join(context.clean, file), join(dir, file));
    }
  }
  return dir;
}

/** Replaces the occurrence of `find` nearest the middle of `text` (one mistake, mid-file). */
function midReplace(text: string, find: string, replace: string): string {
  const at = text.indexOf(find, Math.floor(text.length / 2));
  if (at < 0) throw new Error(`bench/yamlerr: "${find}" not found in the second half of the file`);
  return `${text.slice(0, at)}${replace}${text.slice(at + find.length)}`;
}

const misspelt = (text: string): string => midReplace(text, '\n    firstName:', '\n    fristName:');
const misindented = (text: string): string => midReplace(text, '\n    lastName:', '\n     lastName:');
const crlf = (text: string): string => text.replaceAll('\n', '\r\n');

export async function scenarioYamlErr(context: YamlErrContext): Promise<void> {
  const dirs = {
    misspelt: variant(context, 'yamlerr-misspelt', (text, middle) => (middle ? misspelt(text) : text)),
    indent: variant(context, 'yamlerr-indent', (text, middle) => (middle ? misindented(text) : text)),
    crlf: variant(context, 'yamlerr-crlf', crlf),
    crlfIndent: variant(context, 'yamlerr-crlf-indent', (text, middle) => crlf(middle ? misindented(text) : text)),
  };
  const validate = (dir: string, expect: number, what: string) =>
    context.timed(context.runs, { args: ['validate', '-f', dir], expect: [expect], what });
  const clean = await validate(context.clean, 0, 'yamlerr: validate (clean)');
  const users = readdirSync(context.clean)
    .filter((file) => file.startsWith('users-'))
    .reduce((sum, file) => sum + (readFileSync(join(context.clean, file), 'utf8').match(/^ {2}- /gm)?.length ?? 0), 0);
  const scenario = `8. manifest error path (${users.toLocaleString('en-US')} users)`;
  context.figure(scenario, 'clean validate', `${clean.wall.toFixed(2)} s, ${Math.round(clean.peak)} MB`);
  const row = (label: string, run: { wall: number; peak: number }): void => {
    const ratio = run.wall / clean.wall;
    context.figure(scenario, `${label}: wall / clean validate`, `${ratio.toFixed(2)}x`, '<= 2x', ratio <= 2);
    context.figure(scenario, `${label}: peak RSS`, `${Math.round(run.peak)} MB`, '<= 600 MB', run.peak <= 600);
  };
  row('validate, a misspelt field', await validate(dirs.misspelt, 1, 'yamlerr: validate (misspelt field)'));
  row('validate, an indentation typo', await validate(dirs.indent, 1, 'yamlerr: validate (indentation typo)'));
  row('validate, CRLF copy', await validate(dirs.crlf, 0, 'yamlerr: validate (CRLF)'));
  row('validate, CRLF copy, indentation typo', await validate(dirs.crlfIndent, 1, 'yamlerr: validate (CRLF, typo)'));
  // plan reads nothing live with an invalid manifest; the emulator is there in case it starts reading first.
  const emulator = await context.startEmulator();
  try {
    const env = context.apiEnv(emulator);
    for (const [label, dir] of [
      ['plan --github, a misspelt field', dirs.misspelt],
      ['plan --github, an indentation typo', dirs.indent],
    ] as const) {
      const run = await context.timed(context.runs, {
        args: ['plan', '-f', dir, '--github'],
        env,
        expect: [1],
        what: `yamlerr: ${label}`,
      });
      if (!run.last.stdout.includes('::error file=')) throw new Error(`${label}: no annotation on stdout`);
      row(label, run);
    }
  } finally {
    await emulator.stop();
  }
}
