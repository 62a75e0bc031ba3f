// clerk-sync undo JOURNAL: turn an apply's journal into a reviewable plan that restores what that apply changed
// (previous profile values, metadata, roles, ban/lock state; removes what it created), shown like any plan and
// saved with --out for `clerk-sync apply PLAN`. It reads the live state of every object the plan touches and runs
// the same instance checks as plan (last identifier, linked email, unknown role, member limit, last admin): a
// refusal is printed at the journal line it comes from and nothing is saved (exit 1). The versions it read make
// applying the saved undo plan later refused if any of those objects changed in between (the staleness check).
// What cannot be undone (a deleted user, a created organization) is listed on stderr and in the plan's warnings.

import { resolve } from 'node:path';
import { checkedUndoPlan, journalUserKey, readJournal, readUndoLive, undoLiveIds } from '../apply/index.ts';
import { PlanError, UsageError } from '../errors.ts';
import { UNRESTRICTED_INSTANCE } from '../fields/constants.ts';
import type { LiveSnapshot } from '../model/index.ts';
import { NOTHING_TO_HIDE, presentPlan, publicPlan, serializePlan, withReviewWarnings } from '../plan/index.ts';
import { parsePlan } from '../plan/read-plan.ts';
import { renderPlanText, shouldUseColor } from '../ui/index.ts';
import { plural } from '../util/plural.ts';
import { API_OPTIONS, API_OPTIONS_HELP, openClient } from './api-options.ts';
import type { CommandDefinition } from './command.ts';
import { formatOption, stringOption } from './command.ts';
import { ENVIRONMENT_OPTIONS, ENVIRONMENT_OPTIONS_HELP } from './environment-options.ts';
import { writeFileAtomic } from './files.ts';
import { formatPlanDiagnostics } from './live-plan.ts';

const FORMATS = ['text', 'json'] as const;

export const undoCommand: CommandDefinition = {
  name: 'undo',
  summary: 'build a plan that restores what an apply changed, from its journal',
  help: `Usage: clerk-sync undo JOURNAL [--out PLAN] [--format text|json]

Reads the journal an apply wrote (.clerk-sync/journal-*.jsonl; apply prints its name) and shows the plan that
restores the objects it touched: previous names, metadata, roles, ban/lock state and addresses; users, memberships
and addresses it created are removed. Nothing is changed: save the plan with --out, review it, then run
\`clerk-sync apply PLAN\`. The current version of each object is recorded, so that apply refuses the plan if any of
them changed after this command ran. Changes made by others after the original apply are overwritten for the
fields the undo restores. What cannot be undone (deleted users, created organizations) is listed on stderr and
in the plan's warnings.

The undo plan passes the same checks as any plan, against the live state of what it touches: it is refused (exit
1, nothing saved) when the instance would refuse part of it: removing a user's last email address, phone number
or username (the address the apply added may be the only one left), an address linked to an OAuth/SSO account,
a role the instance no longer has, more members than an organization allows, an organization left without an
admin. Each refusal names the journal line of the change it would reverse. Several changes of one value (a name,
metadata, a role, ban or lock state) in the journal are restored to the value before the oldest one.

Options:
  --out PLAN            save the undo plan to PLAN for \`clerk-sync apply PLAN\`
  --format FORMAT       text (default) or json (the versioned plan, as \`plan --format json\`)
${ENVIRONMENT_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 success (whether or not there is anything to undo), 1 error or refused.`,
  options: {
    ...API_OPTIONS,
    ...ENVIRONMENT_OPTIONS,
    out: { type: 'string' },
    format: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const format = formatOption(values, FORMATS, 'text');
    if (positionals.length !== 1 || positionals[0] === undefined) {
      throw new UsageError('undo needs exactly one journal file: clerk-sync undo .clerk-sync/journal-….jsonl');
    }
    const journalFile = positionals[0];
    const entries = await readJournal(resolve(io.cwd, journalFile));
    journalUserKey(entries);

    let live: LiveSnapshot = { users: [], organizations: [], memberships: [], instance: UNRESTRICTED_INSTANCE };
    let readWarnings: string[] = [];
    const ids = undoLiveIds(entries);
    if (ids.users.length > 0 || ids.organizations.length > 0) {
      const { client } = openClient(values, io);
      try {
        io.stderr.write(`Reading the live state of what the undo touches from ${client.baseUrl} ...\n`);
        const read = await readUndoLive(client, entries, { signal: io.signal });
        for (const warning of read.readWarnings) io.stderr.write(`warning: ${warning}\n`);
        live = read;
        readWarnings = read.readWarnings;
      } finally {
        await client.close();
      }
    }

    const checked = checkedUndoPlan(entries, live, { journal: journalFile });
    const { errors, irreversible } = checked;
    if (irreversible.length > 0) {
      io.stderr.write(`Cannot be undone automatically (${irreversible.length}):\n`);
      for (const item of irreversible) io.stderr.write(`  ${item}\n`);
    }
    if (errors.length > 0) {
      io.stderr.write(formatPlanDiagnostics(errors, 'error'));
      const count = errors.length;
      throw new PlanError(`the undo plan cannot be applied safely: ${plural(count, 'error')} (listed above)`, {
        meta: { codes: [...new Set(errors.map((error) => error.code))] },
        hint: 'Each error names the journal line of the change it would reverse. Fix the live data as the hint says and run undo again. Nothing was changed, and no undo plan was saved.',
      });
    }
    // Reviewers see every refusal and warning in every output, and the plan as they may see it (no manifest: nothing
    // read from the environment is known).
    const shown = publicPlan(withReviewWarnings(checked.plan, { liveRead: readWarnings }), NOTHING_TO_HIDE);
    // The same check `apply PLAN` will run, so a plan this command saves is one apply accepts.
    const text = serializePlan(parsePlan(serializePlan(shown)));

    if (format === 'json') {
      io.stdout.write(text);
    } else {
      io.stdout.write(
        await renderPlanText(presentPlan(shown), {
          color: shouldUseColor(io.stdout, io.env),
          title: `Undo of ${journalFile}:`,
          ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
        }),
      );
    }
    const refusals = shown.warnings.filter((warning) => warning.severity === 'refusal');
    // The text plan shows them itself; a JSON document on stdout is often redirected to a file.
    if (format !== 'text' && refusals.length > 0) {
      io.stderr.write(formatPlanDiagnostics(refusals, 'warning'));
      io.stderr.write('apply will refuse this plan unless the flags named above are given.\n');
    }
    const out = stringOption(values, 'out');
    if (out !== undefined) {
      const written = await writeFileAtomic(io.cwd, out, text);
      io.stderr.write(`Saved the undo plan to ${written}. Review it, then apply it with: clerk-sync apply ${out}\n`);
    }
    return 0;
  },
};
