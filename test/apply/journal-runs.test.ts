// Runs in one journal: a run that gets an outcome for every operation ends with an `end` line; a new run of the
// same manifest plan drops the completed runs' lines of what it does again (journal and public copy alike), so
// re-applying to a reset instance neither grows the file nor resumes (looks up) a completed run, while a killed or
// incomplete run is still resumed from. Runs of other plans, undo plans and version 1 runs keep today's behaviour.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLock,
  createJournal,
  type Journal,
  type JournalEntry,
  journalLockFile,
  operationOf,
  planFingerprint,
  publicJournalFile,
  readJournal,
} from '../../src/apply/index.ts';
import { ClerkSyncError } from '../../src/errors.ts';
import type { Plan } from '../../src/plan/index.ts';
import { ban, planOf } from './builders.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-journal-runs-'));
  file = join(dir, 'journal.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const AT = '2026-01-01T00:00:00.000Z';
const now = (): number => Date.parse(AT);
const plan = planOf([ban('emp-1'), ban('emp-2')]);
const id = planFingerprint(plan);
const [first, second] = plan.operations.map((op) => op.id) as [string, string];

function intent(op: string, of: Plan = plan): JournalEntry {
  const operation = of.operations.find((candidate) => candidate.id === op);
  if (!operation) throw new Error(`no ${op}`);
  return { kind: 'intent', plan: planFingerprint(of), at: AT, op: operation };
}

function done(op: string, of: Plan = plan): JournalEntry {
  return { kind: 'done', plan: planFingerprint(of), at: AT, op, type: 'ban_user', status: 'done' };
}

function end(outcome: 'complete' | 'incomplete', of: Plan = plan): JournalEntry {
  const counts = outcome === 'complete' ? { done: 2, failed: 0 } : { done: 0, failed: 1 };
  return { kind: 'end', plan: planFingerprint(of), at: AT, outcome, unchanged: 0, skipped: 0, ...counts };
}

/** One run of `of`: opens the journal, writes `lines` after its header, closes it; returns the opened journal. */
async function run(lines: JournalEntry[], of: Plan = plan): Promise<Journal> {
  const journal = await createJournal(file, of, { now });
  for (const line of lines) await journal.write(line);
  await journal.close();
  return journal;
}

const finished = (): JournalEntry[] => [intent(first), done(first), intent(second), done(second), end('complete')];
const kinds = (entries: readonly JournalEntry[]): string[] => entries.map((entry) => entry.kind);

describe('runs in a journal', () => {
  it('re-runs of a finished plan start afresh: the journal and its public copy keep the size of one run', async () => {
    await run(finished());
    const sizes = { journal: (await stat(file)).size, public: (await stat(publicJournalFile(file))).size };
    for (let n = 0; n < 4; n++) {
      const again = await run(finished());
      expect(again.previous).toStrictEqual([]);
      expect(again.resumable).toStrictEqual([]);
      expect((await stat(file)).size).toBe(sizes.journal);
      expect((await stat(publicJournalFile(file))).size).toBe(sizes.public);
    }
    expect(kinds(await readJournal(file))).toStrictEqual(['header', 'intent', 'done', 'intent', 'done', 'end']);
    expect(kinds(await readJournal(publicJournalFile(file)))).toStrictEqual(kinds(await readJournal(file)));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('resumes from a killed run, and drops it once a later run of the plan ended complete', async () => {
    await run([intent(first)]); // killed after its first intent: no end line
    const resumed = await run([done(first), intent(second), done(second), end('complete')]);
    expect(resumed.resumable).toStrictEqual([intent(first)]);
    expect(kinds(resumed.previous)).toStrictEqual(['header', 'intent']);

    const next = await run([]);
    expect(next.previous).toStrictEqual([]);
    expect(next.resumable).toStrictEqual([]);
  });

  it('keeps what a new run does not do again, and resumes from a run that ended incomplete', async () => {
    await run(finished());
    // The same identity doing only emp-2 again (a saved plan re-planned): the completed run's lines of emp-1 stay.
    const one = { ...plan, operations: plan.operations.slice(1) };
    const failed: JournalEntry = {
      kind: 'failed',
      plan: id,
      at: AT,
      op: second,
      type: 'ban_user',
      error: { code: 'x', message: 'refused', status: 400 },
    };
    const partial = await createJournal(file, one, { now, planId: id });
    for (const line of [intent(second), failed, end('incomplete')]) await partial.write(line);
    await partial.close();
    expect(kinds(partial.previous)).toStrictEqual(['header', 'intent', 'done', 'end']);
    expect(partial.resumable).toStrictEqual([]);

    const again = await createJournal(file, one, { now, planId: id });
    await again.close();
    expect(again.resumable).toStrictEqual([intent(second), failed]);
    expect(kinds(again.previous)).toStrictEqual([
      'header',
      'intent',
      'done',
      'end',
      'header',
      'intent',
      'failed',
      'end',
    ]);
  });

  it('leaves the runs of other plans, of undo plans and of version 1 alone', async () => {
    const other = planOf([ban('emp-1'), ban('emp-2')], { manifest: 'm2', live: 'l2' });
    await run(
      finished().map((line) => ({ ...line, plan: planFingerprint(other) })),
      other,
    );
    const undo: Plan = { ...plan, source: { kind: 'undo', journal: 'j.jsonl' } };
    await run(finished(), undo);
    const again = await run([], undo);
    // An undo plan's operations come from a journal: a finished run of it is still looked up from.
    expect(new Set(again.resumable.map(operationOf))).toStrictEqual(new Set([first, second]));
    expect(kinds(again.previous).filter((kind) => kind === 'header')).toHaveLength(2);

    await rm(file);
    const v1 = { kind: 'header', version: 1, plan: id, startedAt: AT, userKey: 'externalId', operations: 2 };
    const lines = [v1, intent(first), done(first), intent(second), done(second)];
    await writeFile(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const afterV1 = await run([]);
    expect(afterV1.resumable).toHaveLength(4);
    expect(afterV1.previous).toHaveLength(5);
  });

  it('rewrites the journal under the lock apply holds: a second apply is still refused', async () => {
    await run(finished());
    const lock = await acquireLock(journalLockFile(file), {
      command: 'clerk-sync apply -f a.yaml',
      what: 'the journal',
      warn: () => undefined,
    });
    try {
      await run(finished());
      const refused = acquireLock(journalLockFile(file), { command: 'x', what: 'the journal', warn: () => undefined });
      await expect(refused).rejects.toBeInstanceOf(ClerkSyncError);
      await expect(refused).rejects.toMatchObject({ code: 'apply_locked' });
    } finally {
      await lock.release();
    }
  });
});
