#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
// A plain `env node` line: `env -S node --flag` does not start where env is BusyBox's (Alpine images; docs/performance.md).
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs; on Node 20 the function does not exist.
module.enableCompileCache?.();

const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
