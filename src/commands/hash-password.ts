// clerk-sync hash-password: one password from stdin -> its digest on stdout, for a manifest's passwordDigest. The
// password is read without echo from a terminal, or as the first line of a pipe; nothing but the digest is printed.

import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.ts';
import { type CliIO, type CommandDefinition, stringOption } from './command.ts';

const HASHERS = ['bcrypt', 'argon2id'] as const;
type Hasher = (typeof HASHERS)[number];

/**
 * The cost when --cost is not given, and its bounds: bcrypt's cost factor (2^cost rounds; hash-wasm takes 4..31),
 * argon2id's passes over 19 MiB with one lane (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).
 */
const COSTS: Record<Hasher, { fallback: number; min: number; max: number }> = {
  bcrypt: { fallback: 12, min: 4, max: 31 },
  argon2id: { fallback: 2, min: 1, max: 64 },
};
const ARGON2_MEMORY_KIB = 19 * 1024;

/** The longest password read: a pipe that never sends a newline is not read forever. */
const MAX_PASSWORD_BYTES = 4096;

function costOption(raw: string | undefined, hasher: Hasher): number {
  const { fallback, min, max } = COSTS[hasher];
  if (raw === undefined) return fallback;
  const cost = Number(raw);
  if (!Number.isInteger(cost) || cost < min || cost > max) {
    throw new UsageError(`--cost for ${hasher} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return cost;
}

/** The first line of a pipe (or everything, when it has no newline), without its line ending. */
async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n') || text.length > MAX_PASSWORD_BYTES) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

/** A password typed at a terminal: raw mode, so nothing is echoed; Enter ends it, Ctrl-C or Ctrl-D gives up. */
function readHidden(io: CliIO): Promise<string> {
  const { stdin } = io;
  io.stderr.write('Password: ');
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish(new UsageError('no password was entered'));
          return;
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function digest(password: string, hasher: Hasher, cost: number): Promise<string> {
  const { argon2id, bcrypt } = await import('hash-wasm');
  const salt = randomBytes(16);
  if (hasher === 'bcrypt') return bcrypt({ password, salt, costFactor: cost, outputType: 'encoded' });
  return argon2id({
    password,
    salt,
    iterations: cost,
    parallelism: 1,
    memorySize: ARGON2_MEMORY_KIB,
    hashLength: 32,
    outputType: 'encoded',
  });
}

export const hashPasswordCommand: CommandDefinition = {
  name: 'hash-password',
  summary: 'print the digest of a password read from stdin, for a manifest’s passwordDigest',
  help: `Usage: clerk-sync hash-password [--hasher bcrypt|argon2id] [--cost N]

Reads one password from stdin (typed without echo at a terminal; from a pipe, the first line) and prints its
digest on stdout, nothing else. Put the digest in a manifest as passwordDigest, with passwordHasher set to the
hasher: the user is created with that password, and the manifest holds no password.

  printf '%s\\n' "$SEED_PASSWORD" | clerk-sync hash-password --hasher argon2id

Options:
  --hasher HASHER   bcrypt (default) or argon2id
  --cost N          bcrypt: the cost factor, 4 to 31 (default 12); argon2id: passes over 19 MiB, 1 to 64
                    (default 2)

Exit codes: 0 printed, 1 no password (empty) or a bad option.`,
  options: { hasher: { type: 'string' }, cost: { type: 'string' } },
  allowPositionals: false,
  async run({ values }, io) {
    const name = stringOption(values, 'hasher') ?? 'bcrypt';
    if (!(HASHERS as readonly string[]).includes(name)) {
      throw new UsageError(`--hasher must be one of ${HASHERS.join(', ')}, got "${name}"`);
    }
    const hasher = name as Hasher;
    const cost = costOption(stringOption(values, 'cost'), hasher);
    const password = io.stdin.isTTY ? await readHidden(io) : await readFirstLine(io.stdin);
    if (password === '') {
      throw new UsageError('no password on stdin: hash-password refuses an empty password', {
        hint: 'Type it at the prompt, or pipe one line: printf \'%s\\n\' "$PASSWORD" | clerk-sync hash-password',
      });
    }
    io.stdout.write(`${await digest(password, hasher, cost)}\n`);
    return 0;
  },
};
