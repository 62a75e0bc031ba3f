// parseManifest in a worker thread (load-worker.ts), so that a large manifest's parse (about 2.7 s of CPU at 100,000
// users) leaves the event loop free for the live read running beside it (docs/performance.md). The result crosses
// threads by structured clone; DesiredState.positions cannot (it re-reads items from the parsed files), so the
// worker sends what finds them again: each user's file and item offset for fast-read files (re-read here from the
// text, as the worker would have), the answers themselves for the few files the yaml package read.

import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { DesiredState, DesiredUser, SourcePositions, SourceRef } from '../model/index.ts';
import { type FieldPositions, fastFieldPositions, ManifestPositions } from './cross-checks.ts';
import { fastReread } from './fast-yaml.ts';
import { charColumns, LineStarts } from './line-starts.ts';
import type { ManifestResult, ManifestSource, ParseOptions } from './types.ts';

/** What load-worker.ts is sent. */
export interface OffThreadRequest {
  sources: ManifestSource[];
  env: Record<string, string | undefined>;
  /** Where the answer goes (one message), before the worker exits. */
  reply: MessagePort;
}

/**
 * A ManifestResult as it crosses threads: plain data only. The users follow in `userChunks` messages of up to
 * USER_CHUNK each, in order (`desired.users` is empty in this one).
 */
export type OffThreadReply =
  | {
      ok: true;
      desired: Omit<DesiredState, 'positions'> | undefined;
      diagnostics: ManifestResult['diagnostics'];
      positions?: TransferredPositions;
      userChunks?: number;
    }
  | { ok: false; error: unknown };

/**
 * Users per message: one large message is serialized into a buffer grown by doubling (about 95 MB for 100,000
 * users) and deserialized in one block of the event loop (1.1 s); chunks are taken one per turn of the loop.
 */
export const USER_CHUNK = 5000;

/** Posts a reply: its head, then the users in chunks (load-worker.ts). */
export function postReply(port: MessagePort, reply: OffThreadReply): void {
  if (!reply.ok || reply.desired === undefined) {
    port.postMessage(reply);
    return;
  }
  const users = reply.desired.users;
  const userChunks = Math.ceil(users.length / USER_CHUNK);
  port.postMessage({ ...reply, desired: { ...reply.desired, users: [] }, userChunks });
  for (let start = 0; start < users.length; start += USER_CHUNK) {
    port.postMessage(users.slice(start, start + USER_CHUNK));
  }
}

/** The users of a reply, one chunk per turn of the event loop, so that the I/O beside the load runs between them. */
async function receiveUsers(port: MessagePort, chunks: number): Promise<DesiredUser[]> {
  const users: DesiredUser[] = [];
  for (let chunk = 0; chunk < chunks; chunk += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    const part = receiveMessageOnPort(port)?.message as DesiredUser[] | undefined;
    if (part === undefined) throw new Error("the manifest parser's worker thread sent fewer users than announced");
    for (const user of part) users.push(user);
  }
  return users;
}

export interface TransferredPositions {
  /** Per user: the index in DesiredState.files of its fast-read file, or -1 (read by the yaml package). */
  fileIndex: Int32Array;
  /** Per user: its item's offset in a fast-read file, else its index in `answered`. */
  starts: Float64Array;
  /** The positions of the users of files the yaml package read, computed in the worker. */
  answered: Record<string, SourceRef>[];
}

/** The worker's half: a parse result as plain data (positions as offsets, or as answers where they cannot be). */
export function toTransfer(result: ManifestResult): OffThreadReply {
  const { desired, diagnostics } = result;
  if (desired === undefined) return { ok: true, desired: undefined, diagnostics };
  const { positions, ...plain } = desired;
  if (!(positions instanceof ManifestPositions)) return { ok: true, desired: plain, diagnostics };
  const { fileIndex, starts } = positions.portable(desired.files);
  const answered: Record<string, SourceRef>[] = [];
  desired.users.forEach((user, index) => {
    if (fileIndex[index] !== -1) return;
    starts[index] = answered.length;
    answered.push({ ...positions.user(user.key) });
  });
  return { ok: true, desired: plain, diagnostics, positions: { fileIndex, starts, answered } };
}

/** The main thread's half: the result again, with positions found as parseManifest's would find them. */
export function fromTransfer(
  reply: Extract<OffThreadReply, { ok: true }>,
  sources: readonly ManifestSource[],
  env: ParseOptions['env'],
): ManifestResult {
  const { desired, diagnostics, positions } = reply;
  if (desired === undefined) return { desired: undefined, diagnostics };
  if (positions === undefined) return { desired, diagnostics };
  return { desired: { ...desired, positions: rebuiltPositions(desired, positions, sources, env) }, diagnostics };
}

function rebuiltPositions(
  desired: Omit<DesiredState, 'positions'>,
  transferred: TransferredPositions,
  sources: readonly ManifestSource[],
  env: ParseOptions['env'],
): SourcePositions {
  const byFile = desired.files.map((name) => lazyFastPositions(name, sources, env));
  const answered: FieldPositions = { at: (slot) => transferred.answered[slot] ?? {} };
  const perUser = Array.from(transferred.fileIndex, (file) => (file === -1 ? answered : (byFile[file] ?? answered)));
  return new ManifestPositions(desired.users, perUser, Array.from(transferred.starts));
}

/** One fast-read file's positions, its line index built on the first lookup (most plans never ask). */
function lazyFastPositions(name: string, sources: readonly ManifestSource[], env: ParseOptions['env']): FieldPositions {
  let positions: FieldPositions | undefined;
  return {
    fastFile: name,
    at(start) {
      if (positions === undefined) {
        const text = sources.find((source) => source.file === name)?.text ?? '';
        positions = fastFieldPositions(name, charColumns(new LineStarts(text), text), fastReread(text, env));
      }
      return positions.at(start);
    },
  };
}

/**
 * The worker: load-worker.js beside this file once built. From the .ts sources (tests, the bench's harness) the
 * worker imports load-worker.ts through tsx's API, since Node 20 does not run the --import hooks in a worker.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./load-worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const target = new URL('./load-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(target)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true });
}

/**
 * parseManifest(sources, options), computed in a worker thread; the same result, diagnostics and positions. The
 * answer is taken from its port only once the worker has exited: its heap is gone before the copy is built here.
 */
export async function parseOffThread(sources: ManifestSource[], options: ParseOptions): Promise<ManifestResult> {
  const worker = startWorker();
  const { port1: answers, port2: reply } = new MessageChannel();
  const exited = new Promise<{ code: number; failure: unknown }>((resolve) => {
    let failure: unknown;
    worker.once('error', (error) => {
      failure = error;
    });
    worker.once('exit', (code) => resolve({ code, failure }));
  });
  const request: OffThreadRequest = { sources, env: { ...options.env }, reply };
  worker.postMessage(request, [reply]);
  const { code, failure } = await exited;
  try {
    const head = receiveMessageOnPort(answers)?.message as OffThreadReply | undefined;
    if (head === undefined) {
      throw failure ?? new Error(`the manifest parser's worker thread exited (code ${code}) without an answer`);
    }
    if (!head.ok) throw head.error;
    if (head.desired !== undefined && head.userChunks !== undefined) {
      head.desired.users = await receiveUsers(answers, head.userChunks);
    }
    return fromTransfer(head, sources, options.env);
  } finally {
    answers.close();
  }
}
