#!/usr/bin/env -S node --heap-growing-percent=30
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
// --heap-growing-percent=30: V8 collects the old generation in full once it has grown 30% past what survived the
// last full collection, instead of up to 4x: the garbage a large read promotes stays bounded without forcing
// collections (docs/performance.md). npm's bin links run this line (`env -S`: Linux coreutils >= 8.30, macOS), and
// so do its Windows wrappers (cmd-shim copies the options into them); `node bin/clerk-sync.js` runs without it.
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs; on Node 20 the function does not exist.
module.enableCompileCache?.();

const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
