// Clerk-style identifiers: a prefix (`user_`, `org_`, `orgmem_`, `idn_`) and 27 base62 characters, the KSUID-like shape
// of real ids (docs/clerk-api.md#ids-a-prefix-and-27-characters). Random bytes are drawn in blocks because seeding
// creates 100k+ ids in a few seconds.

import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 27;

let pool = Buffer.alloc(0);
let cursor = 0;

function nextByte(): number {
  if (cursor >= pool.length) {
    pool = randomBytes(16_384);
    cursor = 0;
  }
  return pool[cursor++] ?? 0;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = nextByte();
    // 248 = 4 * 62: rejecting the top bytes keeps the characters uniformly distributed.
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export function newId(prefix: 'user' | 'org' | 'orgmem' | 'idn' | 'ins'): string {
  return `${prefix}_${randomBase62(ID_LENGTH)}`;
}

/** The same id for the same name, every run: roles and permissions come from settings, not from stored records. */
export function stableId(prefix: 'role' | 'perm', name: string): string {
  const digest = createHash('sha256').update(`${prefix}:${name}`).digest();
  let out = '';
  for (let i = 0; out.length < ID_LENGTH; i++) out += ALPHABET[(digest[i % digest.length] ?? 0) % 62];
  return `${prefix}_${out}`;
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** A short random suffix (slug collisions). */
export function randomSuffix(length: number): string {
  return randomBase62(length).toLowerCase();
}
