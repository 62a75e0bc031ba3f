import { main } from './src/cli.ts';
const t = performance.now();
const code = await main(process.argv.slice(2));
console.error('ms', Math.round(performance.now() - t), 'rss MB', Math.round(process.memoryUsage().rss / 1e6));
process.exitCode = code;
