// clerk-sync undo JOURNAL: turn an apply's journal into a reviewable plan that restores what that apply changed
// (previous profile values, metadata, roles, ban/lock state; removes what it created), shown like any plan and
// saved with --out for `clerk-sync apply PLAN`. It reads the current version of every object the plan touches, so
// applying the saved undo plan later is refused if any of them changed in between (the saved-plan staleness check).
// What cannot be undone (a deleted user, a created organization) is listed on stderr.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { buildUndoPlan, type JournalEntry, readJournal } from '../apply/index.ts';
import { ClerkSyncError, UsageError } from '../errors.ts';
import {
  type LiveVersions,
  type Operation,
  PLAN_FORMAT_VERSION,
  type Plan,
  parsePlan,
  presentPlan,
  serializePlan,
  summarize,
} from '../plan/index.ts';
import { fetchObjectVersions, type ObjectVersionIds } from '../state/index.ts';
import { renderPlanText, shouldUseColor } from '../ui/index.ts';
import { API_OPTIONS, API_OPTIONS_HELP, openClient } from './api-options.ts';
import type { CommandDefinition } from './command.ts';
import { stringOption } from './command.ts';
import { writeFileAtomic } from './files.ts';
import { parseFormat } from './plan.ts';

const FORMATS = ['text', 'json'] as const;

/** Live ids an undo operation acts on, for the version read (and the staleness check of the saved plan). */
function touchedIds(operations: Operation[]): ObjectVersionIds {
  const ids: ObjectVersionIds = { users: [], organizations: [], memberships: [] };
  for (const op of operations) {
    if ('user' in op && op.user.userId !== null) ids.users.push(op.user.userId);
    if (op.type === 'update_organization' && op.org.organizationId !== null)
      ids.organizations.push(op.org.organizationId);
    if (
      (op.type === 'update_membership_role' || op.type === 'delete_membership') &&
      op.org.organizationId !== null &&
      op.user.userId !== null
    ) {
      ids.memberships.push({ orgId: op.org.organizationId, userId: op.user.userId });
    }
  }
  return ids;
}

function userKeyOf(entries: readonly JournalEntry[]): Plan['settings']['userKey'] {
  for (const entry of entries) if (entry.kind === 'header') return entry.userKey;
  throw new ClerkSyncError(
    'journal_invalid',
    'the journal has no header line: it was not written by clerk-sync apply',
    {
      hint: 'Pass the journal file `clerk-sync apply` printed at the end of its run.',
    },
  );
}

export const undoCommand: CommandDefinition = {
  name: 'undo',
  summary: 'build a plan that restores what an apply changed, from its journal',
  help: `Usage: clerk-sync undo JOURNAL [--out PLAN] [--format text|json]

Reads the journal an apply wrote (.clerk-sync/journal-*.jsonl; apply prints its name) and shows the plan that
restores the objects it touched: previous names, metadata, roles, ban/lock state and addresses; users, memberships
and addresses it created are removed. Nothing is changed: save the plan with --out, review it, then run
\`clerk-sync apply PLAN\`. The current version of each object is recorded, so that apply refuses the plan if any of
them changed after this command ran. Changes made by others after the original apply are overwritten for the
fields the undo restores. What cannot be undone (deleted users, created organizations) is listed on stderr.

Options:
  --out PLAN            save the undo plan to PLAN for \`clerk-sync apply PLAN\`
  --format FORMAT       text (default) or json (the versioned plan, as \`plan --format json\`)
${API_OPTIONS_HELP}

Exit codes: 0 success (whether or not there is anything to undo), 1 error.`,
  options: {
    ...API_OPTIONS,
    out: { type: 'string' },
    format: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const format = parseFormat(stringOption(values, 'format'), FORMATS, 'text');
    if (positionals.length !== 1 || positionals[0] === undefined) {
      throw new UsageError('undo needs exactly one journal file: clerk-sync undo .clerk-sync/journal-….jsonl');
    }
    const journalFile = positionals[0];
    const entries = await readJournal(resolve(io.cwd, journalFile));
    const userKey = userKeyOf(entries);
    const undo = buildUndoPlan(entries);
    const irreversible = [...undo.irreversible];

    const liveVersions: LiveVersions = { users: {}, organizations: {}, memberships: {} };
    let operations = undo.operations;
    if (operations.length > 0) {
      const { client } = openClient(values, io);
      try {
        const versions = await fetchObjectVersions(client, touchedIds(operations));
        const gone = new Set<string>();
        for (const [id, version] of Object.entries(versions.users)) {
          if (version === 'deleted') gone.add(id);
          else liveVersions.users[id] = { updatedAt: version };
        }
        for (const [id, version] of Object.entries(versions.organizations)) {
          if (version === 'deleted') gone.add(id);
          else liveVersions.organizations[id] = { updatedAt: version };
        }
        for (const membership of versions.memberships) {
          if (membership.membershipId !== null && membership.updatedAt !== 'deleted') {
            liveVersions.memberships[membership.membershipId] = { updatedAt: membership.updatedAt };
          }
        }
        // An object deleted since the apply has nothing left to restore; keeping its operations would only make
        // the saved plan stale from the start.
        operations = operations.filter((op) => {
          const target =
            'user' in op && op.user.userId !== null && gone.has(op.user.userId)
              ? op.user.userId
              : op.type === 'update_organization' && op.org.organizationId !== null && gone.has(op.org.organizationId)
                ? op.org.organizationId
                : undefined;
          if (target !== undefined) irreversible.push(`${op.id}: ${target} no longer exists; nothing to restore`);
          return target === undefined;
        });
        for (const op of operations) {
          if (op.type !== 'update_membership_role' && op.type !== 'delete_membership') continue;
          if (!Object.hasOwn(liveVersions.memberships, op.membershipId)) {
            irreversible.push(`${op.id}: membership ${op.membershipId} no longer exists; nothing to restore`);
          }
        }
        operations = operations.filter(
          (op) =>
            (op.type !== 'update_membership_role' && op.type !== 'delete_membership') ||
            Object.hasOwn(liveVersions.memberships, op.membershipId),
        );
      } finally {
        await client.close();
      }
    }

    const journalDigest = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
    const plan: Plan = {
      formatVersion: PLAN_FORMAT_VERSION,
      source: { kind: 'undo', journal: journalFile },
      instance: { apiUrl: null, environment: null },
      fingerprints: {
        manifest: createHash('sha256').update(`undo\n${journalDigest}`).digest('hex'),
        live: createHash('sha256')
          .update(`undo\n${journalDigest}\n${JSON.stringify(liveVersions)}`)
          .digest('hex'),
      },
      // replace: the restoring metadata operations carry whole before-images. prune: the plan is not a manifest's.
      settings: { userKey, metadataMode: 'replace', prune: false },
      operations,
      summary: summarize(operations),
      liveVersions,
      warnings: [],
    };
    // The same check `apply PLAN` will run, so a plan this command saves is one apply accepts.
    const text = serializePlan(parsePlan(serializePlan(plan)));

    if (format === 'json') {
      io.stdout.write(text);
    } else {
      io.stdout.write(
        await renderPlanText(presentPlan(plan), {
          color: shouldUseColor(io.stdout, io.env),
          title: `Undo of ${journalFile}:`,
          ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
        }),
      );
    }
    if (irreversible.length > 0) {
      io.stderr.write(`Cannot be undone automatically (${irreversible.length}):\n`);
      for (const item of irreversible) io.stderr.write(`  ${item}\n`);
    }
    const out = stringOption(values, 'out');
    if (out !== undefined) {
      const written = await writeFileAtomic(io.cwd, out, text);
      io.stderr.write(`Saved the undo plan to ${written}. Review it, then apply it with: clerk-sync apply ${out}\n`);
    }
    return 0;
  },
};
