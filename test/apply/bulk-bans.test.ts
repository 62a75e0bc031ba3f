// A bulk ban alone: one batch against a recorded `send`, with the per-operation runner recording what the batch
// hands over to it (run one by one, settle as done, fail).

import { describe, expect, it } from 'vitest';
import type { BanOp } from '../../src/apply/ban-batch.ts';
import { type BulkBanDeps, runBanBatch } from '../../src/apply/bulk-bans.ts';
import type { Send } from '../../src/apply/events.ts';
import type { RequestSpec } from '../../src/clerk/index.ts';
import { ban, fresh } from './builders.ts';
import { apiError, wireUser } from './fake-client.ts';

interface Recorded {
  deps: BulkBanDeps;
  /** `run <id>`, `done <id>`, `failed <id>: <message>`, `intent <id>`, `send <path> <ids>` in order. */
  log: string[];
}

function record(answer: (spec: RequestSpec) => unknown, intentFails = false): Recorded {
  const log: string[] = [];
  const send: Send = async (spec, retry) => {
    log.push(`send ${spec.path} ${(spec.body as { user_ids: string[] }).user_ids.join(',')} ${retry}`);
    return answer(spec);
  };
  const deps: BulkBanDeps = {
    send,
    ids: { userIdForKey: () => undefined, organizationIdForSlug: () => undefined },
    writeIntent: async (op) => {
      log.push(`intent ${op.id}`);
      if (intentFails) throw new Error('disk full');
    },
    runner: {
      run: async (op) => void log.push(`run ${op.id}`),
      succeed: async (op, success) => void log.push(`${success.status} ${op.id}`),
      fail: async (op, error) => void log.push(`failed ${op.id}: ${(error as Error).message}`),
    },
  };
  return { deps, log };
}

const bans = (...keys: string[]): BanOp[] => keys.map((key) => ban(key) as BanOp);
const echo = (spec: RequestSpec): unknown =>
  (spec.body as { user_ids: string[] }).user_ids.map((id) => wireUser(id, { banned: true }));

describe('runBanBatch', () => {
  it('journals every intent, sends one request the client may repeat, and settles each user it answers', async () => {
    const { deps, log } = record(echo);
    await runBanBatch(bans('emp-1', 'emp-2'), deps);
    expect(log).toStrictEqual([
      'intent ban_user:emp-1',
      'intent ban_user:emp-2',
      'send /users/ban user_emp-1,user_emp-2 always',
      'done ban_user:emp-1',
      'done ban_user:emp-2',
    ]);
  });

  it('confirms a user the answer leaves out with a request of its own', async () => {
    const { deps, log } = record(() => [wireUser('user_emp-2')]);
    await runBanBatch(bans('emp-1', 'emp-2'), deps);
    expect(log.slice(3)).toStrictEqual(['run ban_user:emp-1', 'done ban_user:emp-2']);
  });

  it('falls back to one request per user when the batch is refused as a whole (400, 404, 422)', async () => {
    for (const status of [400, 404, 422]) {
      const { deps, log } = record((spec) => {
        throw apiError(spec, status);
      });
      await runBanBatch(bans('emp-1', 'emp-2'), deps);
      expect(log.slice(3)).toStrictEqual(['run ban_user:emp-1', 'run ban_user:emp-2']);
    }
  });

  it('fails every operation of the batch on any other error', async () => {
    const { deps, log } = record((spec) => {
      throw apiError(spec, 500, undefined, 'boom');
    });
    await runBanBatch(bans('emp-1', 'emp-2'), deps);
    expect(log.slice(3).map((line) => line.split(':')[0])).toStrictEqual(['failed ban_user', 'failed ban_user']);
  });

  it('fails every operation, sending nothing, when an intent cannot be journalled', async () => {
    const { deps, log } = record(echo, true);
    await runBanBatch(bans('emp-1', 'emp-2'), deps);
    expect(log).toStrictEqual([
      'intent ban_user:emp-1',
      'intent ban_user:emp-2',
      'failed ban_user:emp-1: disk full',
      'failed ban_user:emp-2: disk full',
    ]);
  });

  it('fails an operation whose user has no live id, and runs a single remaining one on its own', async () => {
    const { deps, log } = record(echo);
    const unknown: BanOp = { id: 'ban_user:emp-9', type: 'ban_user', user: fresh('emp-9'), dependsOn: [] };
    await runBanBatch([unknown, ...bans('emp-1')], deps);
    expect(log).toStrictEqual([
      'failed ban_user:emp-9: operation ban_user:emp-9: no live id for user emp-9',
      'run ban_user:emp-1',
    ]);
  });
});
