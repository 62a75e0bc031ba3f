// The bare client the overlap scenario compares a plan with: the same pages a 100,000-user plan reads (every user,
// the organizations, the instance-wide memberships; 500 per page, in ascending created_at order as the plan asks,
// which is what the server spends its time on), with fetch + JSON.parse only, 8 at a time, under the same
// client-side rate limit (src/clerk/rate-limiter.ts). Nothing is kept but counts.
//
//   tsx bench/bare-read.ts --api-url http://127.0.0.1:PORT/v1 [--rate-limit 1000/10s] [--concurrency 8]
//
// Prints one JSON line: {"requests":N,"users":N,"memberships":N,"seconds":S}.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createRateLimiter, createSemaphore } from '../src/clerk/rate-limiter.ts';

export interface BareReadOptions {
  apiUrl: string;
  secretKey: string;
  concurrency: number;
  /** Requests per window, e.g. { requests: 1000, windowMs: 10_000 }. */
  rate: { requests: number; windowMs: number };
}

export interface BareReadResult {
  requests: number;
  users: number;
  memberships: number;
  seconds: number;
}

/** Reads every page of users, organizations and memberships with offset pages; returns what it counted. */
export async function bareRead(options: BareReadOptions): Promise<BareReadResult> {
  const started = performance.now();
  const limiter = createRateLimiter(options.rate);
  const slots = createSemaphore(options.concurrency);
  let requests = 0;
  const get = async (path: string): Promise<unknown> => {
    await slots.acquire();
    try {
      await limiter.acquire();
      requests += 1;
      const response = await fetch(`${options.apiUrl}${path}`, {
        headers: { authorization: `Bearer ${options.secretKey}` },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${path} -> ${response.status}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as unknown;
    } finally {
      slots.release();
    }
  };
  const count = ((await get('/users/count')) as { total_count: number }).total_count;
  const pages = (total: number): number[] => Array.from({ length: Math.ceil(total / 500) }, (_, index) => index * 500);
  const [users, memberships] = await Promise.all([
    Promise.all(
      pages(count).map(
        async (offset) => ((await get(`/users?limit=500&order_by=%2Bcreated_at&offset=${offset}`)) as unknown[]).length,
      ),
    ),
    (async () => {
      const first = (await get('/organization_memberships?limit=500&order_by=%2Bcreated_at&offset=0')) as {
        data: unknown[];
        total_count: number;
      };
      const rest = await Promise.all(
        pages(first.total_count)
          .slice(1)
          .map(
            async (offset) =>
              (
                (await get(`/organization_memberships?limit=500&order_by=%2Bcreated_at&offset=${offset}`)) as {
                  data: unknown[];
                }
              ).data.length,
          ),
      );
      return first.data.length + rest.reduce((sum, n) => sum + n, 0);
    })(),
    (async () => {
      const first = (await get(
        '/organizations?limit=500&include_members_count=true&order_by=%2Bcreated_at&offset=0',
      )) as { total_count: number };
      await Promise.all(
        pages(first.total_count)
          .slice(1)
          .map((offset) =>
            get(`/organizations?limit=500&include_members_count=true&order_by=%2Bcreated_at&offset=${offset}`),
          ),
      );
    })(),
  ]);
  return {
    requests,
    users: users.reduce((sum, n) => sum + n, 0),
    memberships,
    seconds: (performance.now() - started) / 1000,
  };
}

export function parseRate(text: string): { requests: number; windowMs: number } {
  const match = /^(\d+)\/(\d+)(ms|s)$/.exec(text);
  if (!match) throw new Error(`--rate-limit N/Ts or N/Tms, got ${text}`);
  return { requests: Number(match[1]), windowMs: Number(match[2]) * (match[3] === 's' ? 1000 : 1) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'api-url': { type: 'string' },
      'rate-limit': { type: 'string', default: '1000/10s' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const apiUrl = values['api-url'];
  if (!apiUrl) throw new Error('usage: bare-read.ts --api-url URL [--rate-limit N/Ts] [--concurrency N]');
  const result = await bareRead({
    apiUrl,
    secretKey: process.env.CLERK_SECRET_KEY ?? 'sk_test_emulator',
    concurrency: Number(values.concurrency),
    rate: parseRate(values['rate-limit']),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
