// Reading and parsing request bodies: a byte cap checked on the declared length and while streaming, JSON with a
// nesting cap, and the Content-Type check.

import type { Readable } from 'node:stream';
import { bodyInvalid } from './problem.ts';
import { errorReply, problem, type Reply } from './reply.ts';

/** Request bodies above 1 MB are refused with 413 (request_body_too_large, docs/clerk-api.md#errors-we-act-on). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The seed hook takes whole instances (100k users). */
export const MAX_SEED_BYTES = 512 * 1024 * 1024;

/**
 * Deepest JSON nesting accepted in a request body. JSON.parse takes far deeper input than JSON.stringify and
 * structuredClone can handle (both overflow the stack near 5,000 levels), so without a cap a valid-looking body
 * would turn into a 500 when the emulator echoes or stores it. 8 KB of metadata cannot usefully nest this deep.
 */
export const MAX_BODY_DEPTH = 512;

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reply: Reply };

/** What readBody needs of a request: its stream and its declared length. */
export type BodySource = Readable & { headers: { 'content-length'?: string | undefined } };

export function tooLarge(limit: number): Reply {
  return errorReply(
    problem(
      413,
      'request_body_too_large',
      'Request body too large',
      `The request body exceeds the limit of ${limit} bytes.`,
    ),
  );
}

/** Reads the whole body, or answers 413 as soon as it is known to exceed `limit` bytes. */
export function readBody(req: BodySource, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, reply: tooLarge(limit) });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) finish({ ok: false, reply: tooLarge(limit) });
      else chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, bytes: Buffer.concat(chunks, size) }));
    req.on('error', () => finish({ ok: true, bytes: Buffer.alloc(0) }));
  });
}

/** Nesting depth of a parsed JSON value, measured without recursion; stops counting past `limit`. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= limit) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/** Parses a JSON body; throws 400 request_body_invalid for bad JSON or nesting past MAX_BODY_DEPTH. */
export function parseJson(bytes: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bodyInvalid('The request body is not valid JSON.');
  }
  if (depthExceeds(value, MAX_BODY_DEPTH)) {
    throw bodyInvalid(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
  }
  return value;
}

export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const media = header.split(';')[0]?.trim().toLowerCase();
  return media === 'application/json';
}

export function unsupportedContentType(): Reply {
  return errorReply(
    problem(
      415,
      'unsupported_content_type',
      'Unsupported content type',
      'The request body must be JSON, sent with Content-Type: application/json.',
    ),
  );
}
