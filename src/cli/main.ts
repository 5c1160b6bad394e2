#!/usr/bin/env node
/**
 * The sipflow command's entry: turn on V8's compile cache where the running
 * Node has it (22.1+: later runs skip parsing and compiling sipflow's modules,
 * most of a small capture's run time), then load the program. On Node 20 the
 * cache does not exist and this is a plain import.
 */
import module from 'node:module';

(module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./program.js');
