// The load side of the overlap: loads a manifest with loadValidManifest (on the main thread, or in its worker with
// --worker) while bench/bare-read.ts's client reads the instance, and reports when each finished.
//
//   tsx bench/load-while-reading.ts --api-url http://127.0.0.1:PORT/v1 -f DIR [--mode both|load|read] [--worker]
//
// Prints one JSON line: {"users":N,"load":S,"read":S,"wall":S}.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type * as Manifest from '../src/manifest/index.ts';
import { bareRead, parseRate } from './bare-read.ts';

const { values } = parseArgs({
  options: {
    'api-url': { type: 'string' },
    file: { type: 'string', short: 'f' },
    mode: { type: 'string', default: 'both' },
    worker: { type: 'boolean' },
    'rate-limit': { type: 'string', default: '1000/10s' },
  },
});
const apiUrl = values['api-url'];
const file = values.file;
if (!apiUrl || !file)
  throw new Error('usage: load-while-reading.ts --api-url URL -f DIR [--mode both|load|read] [--worker]');

// The built module (npm run build, which the bench runs first), as the CLI runs it: its worker is load-worker.js.
const { loadValidManifest } = (await import(
  new URL('../dist/manifest/index.js', import.meta.url).href
)) as typeof Manifest;
const started = performance.now();
const since = (): number => (performance.now() - started) / 1000;
const load = async (): Promise<{ users: number; at: number }> => {
  const loaded = await loadValidManifest([file], {
    env: process.env,
    cwd: process.cwd(),
    ...(values.worker ? { offThreadCharacters: 0 } : {}),
  });
  return { users: loaded.desired.users.length, at: since() };
};
const read = async (): Promise<{ at: number }> => {
  await bareRead({
    apiUrl,
    secretKey: process.env.CLERK_SECRET_KEY ?? 'sk_test_emulator',
    concurrency: 8,
    rate: parseRate(values['rate-limit']),
  });
  return { at: since() };
};
const [loaded, readDone] = await Promise.all([
  values.mode === 'read' ? undefined : load(),
  values.mode === 'load' ? undefined : read(),
]);
process.stdout.write(
  `${JSON.stringify({ users: loaded?.users ?? 0, load: loaded?.at ?? 0, read: readDone?.at ?? 0, wall: since() })}\n`,
);
