// Flags shared by every command that talks to Clerk, and the one place that turns them into a client.

import type { ParseArgsConfig } from 'node:util';
import {
  type ClerkClient,
  type ClientConfig,
  type ClientEvent,
  createClerkClient,
  documentedRateLimit,
  isProductionKey,
  resolveClientConfig,
} from '../clerk/index.ts';
import { UsageError } from '../errors.ts';
import type { CliIO, OptionValues } from './command.ts';
import { stringOption } from './command.ts';

export const API_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'api-url': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-share': { type: 'string' },
  concurrency: { type: 'string' },
  'max-wait': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
};

export const API_OPTIONS_HELP = `API options:
  --api-url URL         Clerk Backend API base URL (default: $CLERK_API_URL or https://api.clerk.com/v1);
                        plain http:// only for loopback hosts (the emulator)
  --rate-share F        share of Clerk's documented limit for the key to use, 0 < F <= 1 (default 0.5, or
                        $CLERK_SYNC_RATE_SHARE): 500/10s for sk_live_ (of 1000/10s), 50/10s for sk_test_ (of
                        100/10s); the application using the same key shares that limit
  --rate-limit N/T      exact request budget instead, e.g. 1000/10s: never more than N requests start in any
                        window of T (not with --rate-share)
  --concurrency N       requests in flight at once (default 8)
  --max-wait SECONDS    longest Retry-After clerk-sync will wait before giving up (default 120)
  -v, --verbose         log every HTTP request (method, path, status), retry and rate-limit pause on stderr
Environment: CLERK_SECRET_KEY (required), CLERK_API_URL, CLERK_SYNC_RATE_SHARE, HTTPS_PROXY / HTTP_PROXY and
NO_PROXY (a loopback API URL only goes through a proxy on this machine).`;

export function positiveInteger(values: OptionValues, name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`--${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

export function nonNegativeInteger(values: OptionValues, name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number >= 0, got "${raw}"`);
  return Number(raw);
}

export interface OpenedClient {
  client: ClerkClient;
  secretKey: string;
  concurrency: number;
  /** Where --verbose lines go until reset (undefined): a live progress display writes them above itself. */
  routeLog(sink: ((line: string) => void) | undefined): void;
}

export function openClient(values: OptionValues, io: CliIO): OpenedClient {
  const apiUrl = stringOption(values, 'api-url');
  const rateLimit = stringOption(values, 'rate-limit');
  const rateShare = stringOption(values, 'rate-share');
  const concurrency = positiveInteger(values, 'concurrency');
  const maxWait = positiveInteger(values, 'max-wait');
  const config = resolveClientConfig({
    env: io.env,
    ...(io.secretKeyVariable === undefined ? {} : { secretKeyVariable: io.secretKeyVariable }),
    flags: {
      ...(apiUrl === undefined ? {} : { apiUrl }),
      ...(rateLimit === undefined ? {} : { rateLimit }),
      ...(rateShare === undefined ? {} : { rateShare }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(maxWait === undefined ? {} : { maxWaitMs: maxWait * 1000 }),
    },
  });
  const client = createClerkClient({ ...config, ...io.clock });
  const toStderr = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  let log = toStderr;
  if (values.verbose === true) {
    for (const line of describeClientConfig(config)) log(line);
    client.subscribe?.((event) => log(describeClientEvent(event)));
  }
  return {
    client,
    secretKey: config.secretKey,
    concurrency: config.concurrency,
    routeLog: (sink) => {
      log = sink ?? toStderr;
    },
  };
}

function perWindow(requests: number, windowMs: number): string {
  return `${requests} requests per ${windowMs % 1000 === 0 ? `${windowMs / 1000} s` : `${windowMs} ms`}`;
}

/** The --verbose lines said once a client is open: its budget and its proxy (never the key or proxy credentials). */
export function describeClientConfig(config: ClientConfig): string[] {
  const { requests, windowMs } = config.rateLimit;
  const documented = documentedRateLimit(config.secretKey);
  const budget =
    config.rateShare === undefined
      ? `[http] rate budget: ${perWindow(requests, windowMs)} (--rate-limit)`
      : `[http] rate budget: ${perWindow(requests, windowMs)} (${config.rateShare} of Clerk's ${perWindow(documented.requests, documented.windowMs)} for a ${isProductionKey(config.secretKey) ? 'production' : 'development'} key)`;
  const proxy = config.proxy
    ? `[http] proxy: ${config.proxy.display} from ${config.proxy.variable}${config.proxy.noProxy === '' ? '' : `, except NO_PROXY hosts (${config.proxy.noProxy})`}`
    : '[http] proxy: none';
  return [budget, proxy];
}

/** One --verbose line. Only method, path and status: headers and bodies (keys, passwords) are never logged. */
export function describeClientEvent(event: ClientEvent): string {
  switch (event.type) {
    case 'response':
      return `[http] ${event.method} ${event.path} -> ${event.status === 0 ? 'no response' : event.status}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'retry':
      return `[http] retrying ${event.method} ${event.path} in ${event.delayMs} ms after ${event.status === 0 ? 'a connection error' : event.status} (attempt ${event.attempt})`;
    case 'rate_limited':
      return `[http] rate limited on ${event.method} ${event.path}: waiting ${event.waitMs} ms`;
    default: {
      const unreachable: never = event;
      return String(unreachable);
    }
  }
}
