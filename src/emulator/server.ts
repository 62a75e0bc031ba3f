// The emulator: startEmulator builds its parts (data, stats, faults, rate limit, routes), hands them to the HTTP
// server (http-server.ts) and returns the RunningEmulator handle. Per /v1 request: stats, auth, injected faults,
// rate limits, body checks, the route handler, and the Clerk error body for anything refused (api-pipeline.ts).

import type { AddressInfo } from 'node:net';
import type { ApiDeps } from './api-pipeline.ts';
import { EmulatorData } from './emulator-data.ts';
import { FaultInjector } from './fault-injector.ts';
import type { HookDeps } from './hooks.ts';
import { closer, createEmulatorServer, listen } from './http-server.ts';
import { IDENTIFIER_ROUTES } from './identifiers.ts';
import { INSTANCE_ROUTES } from './instance.ts';
import { ORGANIZATION_ROUTES } from './organizations.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Router } from './router.ts';
import { StatsRecorder } from './stats.ts';
import type { EmulatorOptions, RunningEmulator } from './types.ts';
import { USER_ROUTES } from './users.ts';

const DEFAULT_SECRET_KEY = 'sk_test_emulator';

const router = new Router([...USER_ROUTES, ...IDENTIFIER_ROUTES, ...ORGANIZATION_ROUTES, ...INSTANCE_ROUTES]);

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const clock = options.clock ?? Date.now;
  const data = new EmulatorData(options, secretKey, clock);
  const stats = new StatsRecorder();
  const faults = new FaultInjector(options.faults, options.faultSeed);
  const rateLimiter = new RateLimiter(clock, options.rateLimit);
  data.load(options);
  const reset = (): void => {
    stats.reset();
    data.clear();
  };
  const persist = (): void => data.persistIfChanged();
  const api: ApiDeps = { router, store: data.store, secretKey, stats, faults, rateLimiter, persist };
  const hooks: HookDeps = {
    stats: () => stats.current(),
    settings: () => data.store.settings,
    reset,
    seed: (input) => data.seed(input),
    updateSettings: (partial) => data.updateSettings(partial),
  };
  const server = createEmulatorServer(api, hooks);
  await listen(server, host, options.port ?? 0);

  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    secretKey,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    reset,
    seed: (input) => data.seed(input),
    setFaults: (spec, seed) => faults.set(spec, seed),
    setRateLimit: (spec) => rateLimiter.set(spec),
    settings: () => data.settings(),
    updateSettings: (partial) => data.updateSettings(partial),
    close: closer(server, data),
  };
}
