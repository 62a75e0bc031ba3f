// The apply journal: an append-only JSONL file, one self-contained line per event, fsync'd per batch of lines
// (lines written in the same tick share one write + fsync). It records, before each mutating request, the whole
// operation (which carries the before-images: previous values, metadata, role, ban/lock state), then what was
// created, so `undo` can build a restoring plan and a re-run of the same plan can skip what is already done; a run
// that gets an outcome for every operation ends with an `end` line, so a run without one is known to have been killed.
// A process killed mid-write leaves a torn last line: reading ignores it, and reopening cuts it off before appending.
// A run of a manifest's plan starts by dropping, from the completed runs of the same plan, the lines of the
// operations it does again (withoutSuperseded): re-applying a plan to a reset instance neither grows the file nor
// looks up what the completed run created.
// No line holds a value read from the environment: ids and the values undo does not send back name them by reference
// (`(from ${NAME})`); before-images and private metadata stay, for undo, in this local file (mode 0600). Beside it,
// `<name>.public.jsonl` gets the same lines with every private metadata value masked: the copy to share or upload.

import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, realpath, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileError } from '../errors.ts';
import { journalLine as journalLineValidator } from '../generated/document-validators.js';
import type { UserKeyKind } from '../model/index.ts';
import {
  type Disclosure,
  fingerprintsOf,
  hidingAll,
  NOTHING_TO_HIDE,
  type Operation,
  type OperationType,
  type Plan,
  publicOperation,
  publicOperationId,
  publicValue,
  redactText,
} from '../plan/index.ts';
import { type SchemaCheck, schemaCheck } from '../util/json-schema.ts';
import { JOURNAL_VERSION, type JOURNAL_VERSIONS } from './journal-schema.ts';
import type { CreatedObjectKind } from './types.ts';

export { JOURNAL_VERSION };

export interface JournalHeader {
  kind: 'header';
  /** 1: written by a clerk-sync without end lines. */
  version: (typeof JOURNAL_VERSIONS)[number];
  /** planFingerprint() of the plan this run applies. */
  plan: string;
  /** ISO 8601. */
  startedAt: string;
  userKey: UserKeyKind;
  operations: number;
  /** Set in the public copy: private metadata is masked there, so undo refuses it. */
  redacted?: true;
  /** The manifest's settings.policies.protectedUsers when it was applied: its undo may not harm them either. */
  protectedUsers?: string[];
}

/** Written (and fsync'd) before the first mutating request of an operation. `op` is the plan's operation verbatim. */
export interface JournalIntent {
  kind: 'intent';
  plan: string;
  at: string;
  op: Operation;
}

export interface JournalDone {
  kind: 'done';
  plan: string;
  at: string;
  op: string;
  type: OperationType;
  /** unchanged: the effect was already live. */
  status: 'done' | 'unchanged';
  /** Live ids the operation acted on, resolved at run time (users and organizations created in the same apply). */
  userId?: string;
  organizationId?: string;
  /** The object the operation created (or adopted after an unknown outcome). */
  created?: { kind: CreatedObjectKind; id: string };
}

export interface JournalFailed {
  kind: 'failed';
  plan: string;
  at: string;
  op: string;
  type: OperationType;
  error: { code: string; message: string; status: number };
}

/** Written once every operation of the run has an outcome (done, unchanged, failed or skipped). */
export interface JournalEnd {
  kind: 'end';
  plan: string;
  at: string;
  /** complete: every operation done or unchanged. */
  outcome: 'complete' | 'incomplete';
  done: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export type JournalEntry = JournalHeader | JournalIntent | JournalDone | JournalFailed | JournalEnd;

/** A line that records one operation. */
export type JournalOperationEntry = JournalIntent | JournalDone | JournalFailed;

/** One run as the file holds it: its header (none for lines written before any), its operation lines, its end. */
export interface JournalRun {
  /** The plan identity of its lines. */
  plan: string;
  header?: JournalHeader;
  lines: JournalOperationEntry[];
  end?: JournalEnd;
  /**
   * Its plan's work is known to be done: it ended complete, or a later run of the same plan did (that run did, or
   * found in effect, all that was left). A killed run, or one that ended with failures or skips, is not.
   */
  settled: boolean;
}

export interface Journal {
  readonly file: string;
  /** Entries the file holds from earlier runs (any plan), once the lines this run supersedes are dropped. */
  readonly previous: readonly JournalEntry[];
  /**
   * The lines of `previous` this run resumes from: those of this plan's runs that are not settled (JournalRun: a
   * killed or incomplete run, or one written before end lines existed, that no later run completed), and for an
   * undo plan every line of it (its operations come from a journal, not from the live state).
   */
  readonly resumable: readonly JournalOperationEntry[];
  /**
   * Operations of this plan that a completed run of it did (their lines are dropped: this run does them again),
   * by the plan's own ids; empty for an undo plan.
   */
  readonly completedBefore: ReadonlySet<string>;
  /** Appends one line; resolves once it is on disk (fsync'd together with the other lines of its batch). */
  write(entry: JournalEntry): Promise<void>;
  /** Waits for pending lines, then closes the file. */
  close(): Promise<void>;
}

/** Identifies a plan across runs: same fingerprints and same operations give the same value. */
export function planFingerprint(plan: Plan): string {
  const hash = createHash('sha256');
  const { manifest, live } = fingerprintsOf(plan);
  hash.update(`${manifest}\n${live}\n`);
  for (const op of plan.operations) hash.update(`${op.id}\n`);
  return hash.digest('hex');
}

const checkLine: SchemaCheck = schemaCheck(journalLineValidator, '(line)');

/** What is wrong with a parsed line (`op.user must be present`), or undefined for a journal entry. */
function lineProblem(value: unknown): string | undefined {
  const problem = checkLine(value);
  return problem && `${problem.path} must be ${problem.expected}`;
}

function isEntry(value: unknown): value is JournalEntry {
  return lineProblem(value) === undefined;
}

/** Parses journal text. A torn (unparsable) last line is ignored; a bad line elsewhere is an error. */
export function parseJournal(text: string, file = 'journal'): JournalEntry[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: JournalEntry[] = [];
  lines.forEach((line, index) => {
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(line);
      problem = lineProblem(value);
    } catch {
      problem = 'not JSON';
    }
    if (problem === undefined) {
      entries.push(value as JournalEntry);
      return;
    }
    // Only the last line can be torn by a kill during a write; anything else means the file was edited or mixed up.
    if (index === lines.length - 1) return;
    throw new FileError(`${file}:${index + 1}: not a clerk-sync journal line (${problem})`, {
      meta: { file, line: index + 1 },
      hint: 'Pass the journal file written by `clerk-sync apply` (one JSON object per line).',
    });
  });
  return entries;
}

export async function readJournal(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FileError(`cannot read journal ${file}: ${(error as Error).message}`, { cause: error, meta: { file } });
  }
  return parseJournal(text, file);
}

/** The operation a line records (by the id the line carries). */
export function operationOf(entry: JournalOperationEntry): string {
  return entry.kind === 'intent' ? entry.op.id : entry.op;
}

/** The file's lines grouped by run: a header starts one (lines before any header form a run of their own). */
export function journalRuns(entries: readonly JournalEntry[]): JournalRun[] {
  const runs: JournalRun[] = [];
  let run: JournalRun | undefined;
  for (const entry of entries) {
    if (entry.kind === 'header' || run === undefined) {
      run = { plan: entry.plan, lines: [], settled: false };
      runs.push(run);
    }
    if (entry.kind === 'header') run.header = entry;
    else if (entry.kind === 'end') run.end = entry;
    else run.lines.push(entry);
  }
  const completeFrom = new Set<string>();
  for (const later of runs.toReversed()) {
    if (later.end?.outcome === 'complete') completeFrom.add(later.plan);
    later.settled = completeFrom.has(later.plan);
  }
  return runs;
}

function runLines(run: JournalRun): JournalEntry[] {
  return [...(run.header ? [run.header] : []), ...run.lines, ...(run.end ? [run.end] : [])];
}

/**
 * What stays in a journal when a run of the manifest plan `plan` starts that does `operations` (ids as the lines
 * carry them): from the settled runs of the same plan, the lines of those operations go, and a run left without any
 * line goes whole. The plan was made from the live state now, so what it does again is no longer in effect: those
 * lines would neither restore anything (undo) nor need a lookup (resume). Unsettled runs (killed, incomplete), and
 * runs of other plans, stay as they are.
 */
export function withoutSuperseded(
  entries: readonly JournalEntry[],
  plan: string,
  operations: ReadonlySet<string>,
): JournalEntry[] {
  const kept: JournalEntry[] = [];
  for (const run of journalRuns(entries)) {
    if (!run.settled || run.plan !== plan) {
      kept.push(...runLines(run));
      continue;
    }
    const lines = run.lines.filter((line) => line.plan !== plan || !operations.has(operationOf(line)));
    if (lines.length > 0) kept.push(...runLines({ ...run, lines }));
  }
  return kept;
}

/** Operations (ids as the lines carry them) that the completed runs of `plan` did or found in effect. */
function completedOperations(entries: readonly JournalEntry[], plan: string): Set<string> {
  const completed = new Set<string>();
  for (const run of journalRuns(entries)) {
    if (!run.settled || run.plan !== plan) continue;
    for (const line of run.lines) if (line.kind === 'done' && line.plan === plan) completed.add(line.op);
  }
  return completed;
}

/** The lines of `plan` a new run resumes from (Journal.resumable); `everyRun` for an undo plan. */
function resumableLines(entries: readonly JournalEntry[], plan: string, everyRun: boolean): JournalOperationEntry[] {
  return journalRuns(entries)
    .filter((run) => everyRun || !run.settled)
    .flatMap((run) => run.lines.filter((line) => line.plan === plan));
}

/**
 * Operations of `plan` that an earlier apply recorded in `file` (intent, done or failed): what an interrupted run
 * of the same plan already began. A missing file means none; an unreadable or corrupt one is an error.
 */
export async function startedOperations(
  file: string,
  plan: Plan,
  disclosure: Disclosure = NOTHING_TO_HIDE,
): Promise<Set<string>> {
  let entries: JournalEntry[];
  try {
    entries = await readJournal(file);
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return new Set();
    throw error;
  }
  const fingerprint = planFingerprint(plan);
  const ids = idsByJournalId(plan, disclosure);
  const started = new Set<string>();
  for (const read of entries) {
    if (read.kind === 'header' || read.kind === 'end' || read.plan !== fingerprint) continue;
    started.add(operationOf(withPlanIds(read, ids)));
  }
  return started;
}

function fileError(action: string, file: string, error: unknown): FileError {
  return new FileError(`cannot ${action} journal ${file}: ${(error as Error).message}`, {
    cause: error,
    meta: { file },
    hint: 'Check that the journal directory is writable, or pass --journal FILE.',
  });
}

/** Reads what the file holds, cuts a torn last line off, and returns the existing entries. */
async function prepareExisting(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError('read', file, error);
  }
  const entries = parseJournal(text, file);
  if (text.length > 0 && !text.endsWith('\n')) {
    // Appending after a torn line would glue the next line onto it; keep everything up to the last newline.
    const keep = text.lastIndexOf('\n') + 1;
    const complete = text.slice(keep);
    let lastIsWhole = false;
    try {
      lastIsWhole = isEntry(JSON.parse(complete));
    } catch {
      lastIsWhole = false;
    }
    try {
      if (lastIsWhole) await writeAll(file, '\n');
      else await truncate(file, Buffer.byteLength(text.slice(0, keep)));
    } catch (error) {
      throw fileError('repair', file, error);
    }
  }
  return entries;
}

/** Replaces `file` (a symlink's target) with `entries`, atomically: a temporary file renamed over it. */
async function rewrite(file: string, entries: readonly JournalEntry[], mode: number): Promise<void> {
  let temp: string | undefined;
  try {
    const target = await realpath(file);
    temp = `${target}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', mode);
    try {
      await handle.write(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    if (temp !== undefined) await rm(temp, { force: true });
    throw fileError('rewrite', file, error);
  }
}

/** The entries `file` holds (prepareExisting), and those `keep` keeps; the file is rewritten when it drops any. */
async function keptEntries(
  file: string,
  mode: number,
  keep: (entries: JournalEntry[]) => JournalEntry[],
): Promise<{ held: JournalEntry[]; kept: JournalEntry[] }> {
  const held = await prepareExisting(file);
  const kept = keep(held);
  if (kept.length < held.length) await rewrite(file, kept, mode);
  return { held, kept };
}

async function writeAll(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a');
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface CreateJournalOptions {
  now?: () => number;
  /** The values the plan's manifest read from the environment (its shown variables are ignored: never shown here). */
  disclosure?: Disclosure;
  /** The plan's identity in the journal (ApplyOptions.planId). @default planFingerprint(plan) */
  planId?: string;
}

/** Where the public copy of `file` is written: `journal.jsonl` -> `journal.public.jsonl`. */
export function publicJournalFile(file: string): string {
  return file.endsWith('.jsonl') ? `${file.slice(0, -'.jsonl'.length)}.public.jsonl` : `${file}.public.jsonl`;
}

const KEPT = { privateMetadata: 'keep', beforeImages: 'keep' } as const;
const PUBLIC = { privateMetadata: 'mask', beforeImages: 'redact' } as const;

/**
 * An entry as a journal line holds it: the journal's own (`kept`: before-images and private metadata as they are,
 * for undo) or the public copy's. Environment values are named by reference in both.
 */
export function journalLine(entry: JournalEntry, disclosure: Disclosure, form: 'kept' | 'public'): JournalEntry {
  const hidden = hidingAll(disclosure);
  switch (entry.kind) {
    case 'header': {
      // Named as the operations name their users' keys, so that undo matches them.
      const keys = entry.protectedUsers?.map((key) => publicValue(key, hidden));
      const named = keys === undefined ? entry : { ...entry, protectedUsers: keys };
      return form === 'public' ? { ...named, redacted: true } : named;
    }
    case 'intent':
      return { ...entry, op: publicOperation(entry.op, hidden, form === 'public' ? PUBLIC : KEPT) };
    case 'done':
      return { ...entry, op: publicOperationId(entry.op, hidden) };
    case 'failed':
      return {
        ...entry,
        op: publicOperationId(entry.op, hidden),
        error: { ...entry.error, message: redactText(entry.error.message, hidden) },
      };
    case 'end':
      return entry;
    default: {
      const unknown: never = entry;
      return unknown;
    }
  }
}

/** The plan's own ids by the ids its journal lines carry, to read an earlier run of it back. */
function idsByJournalId(plan: Plan, disclosure: Disclosure): Map<string, string> {
  const hidden = hidingAll(disclosure);
  return new Map(plan.operations.map((op) => [publicOperationId(op.id, hidden), op.id]));
}

/** An entry of `plan` read back, with the plan's own operation ids. */
function withPlanIds<T extends JournalEntry>(entry: T, ids: ReadonlyMap<string, string>): T;
function withPlanIds(entry: JournalEntry, ids: ReadonlyMap<string, string>): JournalEntry {
  if (entry.kind === 'header' || entry.kind === 'end') return entry;
  if (entry.kind === 'intent') {
    const id = ids.get(entry.op.id);
    return id === undefined ? entry : { ...entry, op: { ...entry.op, id } };
  }
  return { ...entry, op: ids.get(entry.op) ?? entry.op };
}

/**
 * Opens (creating directories as needed) the journal for applying `plan` and its public copy, and writes the header
 * line. Existing entries are kept, but for the lines this run supersedes (withoutSuperseded: both files follow the
 * same rule), and exposed as `previous` (with the plan's own ids); `resumable` is what a re-run of the same plan
 * resumes from.
 */
export async function createJournal(file: string, plan: Plan, options: CreateJournalOptions = {}): Promise<Journal> {
  const now = options.now ?? Date.now;
  const disclosure = hidingAll(options.disclosure ?? NOTHING_TO_HIDE);
  const publicFile = publicJournalFile(file);
  let handle: FileHandle;
  let publicHandle: FileHandle;
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (error) {
    throw fileError('create the directory of', file, error);
  }
  const fingerprint = options.planId ?? planFingerprint(plan);
  const ids = idsByJournalId(plan, disclosure);
  // An undo plan's operations come from a journal, not from the live state: what it does again may still be in effect.
  const fromLive = plan.source.kind === 'manifest';
  const keep = (entries: JournalEntry[]): JournalEntry[] =>
    fromLive ? withoutSuperseded(entries, fingerprint, new Set(ids.keys())) : entries;
  const { held, kept } = await keptEntries(file, 0o600, keep);
  const previous = kept.map((entry) => (entry.plan === fingerprint ? withPlanIds(entry, ids) : entry));
  const completed = fromLive ? completedOperations(held, fingerprint) : new Set<string>();
  await keptEntries(publicFile, 0o644, keep);
  try {
    handle = await open(file, 'a', 0o600);
  } catch (error) {
    throw fileError('open', file, error);
  }
  try {
    publicHandle = await open(publicFile, 'a', 0o644);
  } catch (error) {
    await handle.close();
    throw fileError('open', publicFile, error);
  }

  let pending: string[] = [];
  let publicPending: string[] = [];
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  const flushLoop = async (): Promise<void> => {
    while (pending.length > 0) {
      const lines = pending;
      const publicLines = publicPending;
      const batch = waiters;
      pending = [];
      publicPending = [];
      waiters = [];
      try {
        await handle.write(lines.join(''));
        await handle.sync();
        // The copy for sharing is not what undo or a resumed run reads: written, not synced per batch.
        await publicHandle.write(publicLines.join(''));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        const failure = fileError('write', file, error);
        for (const waiter of batch) waiter.reject(failure);
      }
    }
    flushing = undefined;
  };

  const write = (entry: JournalEntry): Promise<void> => {
    if (closed) return Promise.reject(fileError('write', file, new Error('journal is closed')));
    pending.push(`${JSON.stringify(journalLine(entry, disclosure, 'kept'))}\n`);
    publicPending.push(`${JSON.stringify(journalLine(entry, disclosure, 'public'))}\n`);
    const written = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    // Start after the current tick so every line written in it joins one write + fsync.
    flushing ??= Promise.resolve().then(flushLoop);
    return written;
  };

  const journal: Journal = {
    file,
    previous,
    resumable: resumableLines(previous, fingerprint, !fromLive),
    completedBefore: new Set([...ids].filter(([line]) => completed.has(line)).map(([, own]) => own)),
    write,
    async close() {
      if (closed) return;
      await flushing;
      closed = true;
      await handle.close();
      await publicHandle.close();
    },
  };
  try {
    await write({
      kind: 'header',
      version: JOURNAL_VERSION,
      plan: fingerprint,
      startedAt: new Date(now()).toISOString(),
      userKey: plan.settings.userKey,
      operations: plan.operations.length,
      ...(plan.policies && plan.policies.protectedUsers.length > 0
        ? { protectedUsers: [...plan.policies.protectedUsers] }
        : {}),
    });
  } catch (error) {
    await journal.close().catch(() => undefined);
    throw error;
  }
  return journal;
}
