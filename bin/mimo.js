#!/usr/bin/env node
// Entry point of the `mimo` command. libtorch allocates and frees large temporaries on every step;
// with glibc's allocator that costs page faults on each of them, with jemalloc it does not (the
// engine benchmark measured a CNN training step ~1.5x faster). So, when jemalloc is installed and
// not yet loaded, re-run this same command with it preloaded. MIMO_NO_JEMALLOC=1 turns this off.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
  '/usr/lib/libjemalloc.so.2',
];

function jemallocPath() {
  if (process.env.MIMO_NO_JEMALLOC) return undefined;
  if ((process.env.LD_PRELOAD ?? '').includes('jemalloc')) return undefined;
  if (process.env.MIMO_JEMALLOC) return existsSync(process.env.MIMO_JEMALLOC) ? process.env.MIMO_JEMALLOC : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

const lib = jemallocPath();
if (lib) {
  const env = {
    ...process.env,
    LD_PRELOAD: [lib, process.env.LD_PRELOAD].filter(Boolean).join(':'),
    MALLOC_CONF: process.env.MALLOC_CONF ?? 'oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1',
  };
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`mimo: could not re-run with jemalloc (${e.message}); set MIMO_NO_JEMALLOC=1\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
} else {
  const entry = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(entry)) {
    process.stderr.write(`mimo: ${fileURLToPath(entry)} is missing: build the project first (bash scripts/setup.sh, or npm install)\n`);
    process.exit(1);
  }
  // Loading checks the environment (MIMO_NUM_THREADS, the native addon): say what is wrong, without a stack.
  const { main } = await import(entry.href).catch((e) => {
    process.stderr.write(`mimo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
  await main(process.argv);
}
