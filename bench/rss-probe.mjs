// Preloaded with `node --import ./bench/rss-probe.mjs ...`: at exit, writes the process's peak resident set size
// (process.resourceUsage().maxRSS, in KiB on Linux and macOS) to the file named by BENCH_RSS_FILE. Works on any
// machine with Node >= 20, unlike GNU time, which fresh Debian images and CI runners often lack.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
