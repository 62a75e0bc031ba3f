import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createJournal,
  JOURNAL_VERSION,
  type JournalEntry,
  parseJournal,
  planFingerprint,
  readJournal,
} from '../../src/apply/index.ts';
import { FileError } from '../../src/errors.ts';
import { ban, planOf } from './builders.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plan = planOf([ban('emp-1'), ban('emp-2')]);
const fingerprint = planFingerprint(plan);

function done(op: string): JournalEntry {
  return { kind: 'done', plan: fingerprint, at: '2026-01-01T00:00:00.000Z', op, type: 'ban_user', status: 'done' };
}

describe('journal', () => {
  it('writes a header, then one JSON line per entry, and reads them back', async () => {
    const file = join(dir, 'nested', 'journal.jsonl');
    const journal = await createJournal(file, plan, { now: () => Date.UTC(2026, 0, 2) });
    expect(journal.previous).toStrictEqual([]);
    const first = plan.operations[0];
    if (!first) throw new Error('no op');
    // Lines written in one tick are flushed together; every promise resolves once they are on disk.
    await Promise.all([
      journal.write({ kind: 'intent', plan: fingerprint, at: 'x', op: first }),
      journal.write(done(first.id)),
    ]);
    await journal.close();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')).toHaveLength(4); // header, intent, done, trailing ''
    const entries = await readJournal(file);
    expect(entries.map((entry) => entry.kind)).toStrictEqual(['header', 'intent', 'done']);
    expect(entries[0]).toStrictEqual({
      kind: 'header',
      version: JOURNAL_VERSION,
      plan: fingerprint,
      startedAt: '2026-01-02T00:00:00.000Z',
      userKey: 'externalId',
      operations: 2,
    });
    expect(entries[1]).toMatchObject({ kind: 'intent', op: first });
  });

  it('ignores a torn last line on read, and cuts it off before appending', async () => {
    const file = join(dir, 'journal.jsonl');
    const journal = await createJournal(file, plan);
    await journal.write(done('ban_user:emp-1'));
    await journal.close();
    await appendFile(file, '{"kind":"done","plan":"abc","op":"ban_us'); // killed mid-write
    expect((await readJournal(file)).map((entry) => entry.kind)).toStrictEqual(['header', 'done']);

    const again = await createJournal(file, plan);
    expect(again.previous.map((entry) => entry.kind)).toStrictEqual(['header', 'done']);
    await again.write(done('ban_user:emp-2'));
    await again.close();
    const entries = await readJournal(file);
    expect(entries.map((entry) => entry.kind)).toStrictEqual(['header', 'done', 'header', 'done']);
    expect((await readFile(file, 'utf8')).includes('ban_us\n')).toBe(false);
  });

  it('keeps a complete last line that only lacks its newline', async () => {
    const file = join(dir, 'journal.jsonl');
    await writeFile(file, JSON.stringify(done('ban_user:emp-1')));
    const journal = await createJournal(file, plan);
    expect(journal.previous).toHaveLength(1);
    await journal.close();
    expect((await readJournal(file)).map((entry) => entry.kind)).toStrictEqual(['done', 'header']);
  });

  it('rejects a bad line that is not the last one', () => {
    const text = `${JSON.stringify(done('a'))}\nnot json\n${JSON.stringify(done('b'))}\n`;
    expect(() => parseJournal(text, 'j.jsonl')).toThrow(FileError);
    expect(() => parseJournal(text, 'j.jsonl')).toThrow(/j\.jsonl:2/);
  });

  it('rejects JSON lines that are not journal entries (unless last)', () => {
    expect(() => parseJournal('{"kind":"other","plan":"x"}\n{"kind":"done"}\n')).toThrow(FileError);
    expect(parseJournal(`${JSON.stringify(done('a'))}\n{"kind":"done"}`)).toHaveLength(1);
  });

  it('names what is wrong with a line: an intent whose operation lacks a field, a done line of an unknown status', () => {
    const [first] = plan.operations;
    if (first?.type !== 'ban_user') throw new Error('no ban');
    const { user: _user, ...withoutUser } = first;
    const intent = JSON.stringify({ kind: 'intent', plan: fingerprint, at: 'now', op: withoutUser });
    expect(() => parseJournal(`${intent}\n${JSON.stringify(done('a'))}\n`, 'j.jsonl')).toThrow(
      'j.jsonl:1: not a clerk-sync journal line ((line).op.user must be present)',
    );
    const partly = JSON.stringify({ ...done('a'), status: 'half' });
    expect(() => parseJournal(`${partly}\n${JSON.stringify(done('b'))}\n`, 'j.jsonl')).toThrow(
      '(line).status must be one of "done", "unchanged"',
    );
  });

  it('fingerprints plans by their fingerprints and operation ids', () => {
    expect(planFingerprint(planOf([ban('emp-1'), ban('emp-2')]))).toBe(fingerprint);
    expect(planFingerprint(planOf([ban('emp-1')]))).not.toBe(fingerprint);
    expect(planFingerprint(planOf([ban('emp-1'), ban('emp-2')], { manifest: 'm1', live: 'l2' }))).not.toBe(fingerprint);
  });

  it('refuses writes after close', async () => {
    const journal = await createJournal(join(dir, 'j.jsonl'), plan);
    await journal.close();
    await expect(journal.write(done('x'))).rejects.toBeInstanceOf(FileError);
  });
});
