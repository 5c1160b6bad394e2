#!/usr/bin/env node
/**
 * The sipflow command's entry: turn on V8's compile cache where the running
 * Node has it (22.1+: later runs skip parsing and compiling sipflow's modules,
 * most of a small capture's run time), then load the program. On Node 20 the
 * cache does not exist and this is a plain import. `--version` alone is
 * answered here, without loading commander or any command (Node's own
 * start-up is then nearly all of it).
 */
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length > 0 && args.every((a) => a === '-V' || a === '--version')) {
  // What commander's .version() prints, byte for byte.
  const { VERSION } = await import('../version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  (module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  await import('./program.js');
}
