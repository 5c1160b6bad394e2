import type { Command } from 'commander';
import { capinfo } from '../../capinfo.js';
import { renderCapinfo } from '../../render/capinfo.js';
import { mergedName } from '../../capture/merge.js';
import { EXIT_USAGE, progressBar, reportError, setupColor, writeMachineText } from '../common.js';
import { captureInputs } from '../inputs.js';

export function registerCapinfo(program: Command): void {
  program
    .command('capinfo')
    .description('show what the capture and network layers read: format, interfaces, link types, frames, duration, fragments, warnings')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed, folders (their captures, told by content) or quoted glob patterns; "-" reads standard input')
    .option('--json', 'print JSON (one object per file; an array for several files)')
    .option('-m, --merge', 'read all the files as one capture in timestamp order (mergecap\'s order; each file\'s interfaces kept apart)')
    .option('-r, --recursive', 'folders: also the captures in their subfolders')
    .option('--no-color', 'no colours')
    .addHelpText('after', `
Examples:
  $ sipflow capinfo fixtures/call-completed.pcapng
  $ gzip -c fixtures/call-busy.pcapng | sipflow capinfo --json -
  $ sipflow capinfo fixtures/call-busy.pcapng fixtures/call-completed.pcapng --merge`)
    .action(async (args: string[], opts: { json?: boolean; color?: boolean; merge?: boolean; recursive?: boolean }) => {
      setupColor(opts.color === false);
      const expanded = await captureInputs(args, { recursive: opts.recursive, command: 'capinfo' });
      const paths = expanded.inputs.map((i) => i.path);
      if (opts.merge && paths.length > 1 && paths.includes('-')) {
        process.stderr.write('sipflow: --merge reads files by their timestamps; standard input ("-") cannot be one of them\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const files: (string | string[])[] = opts.merge && paths.length > 1 ? [paths] : paths;
      const out: unknown[] = [];
      let code = expanded.code;
      for (const f of files) {
        const bar = progressBar(typeof f === 'string' ? f : mergedName(f), !opts.json);
        try {
          const ci = await capinfo(f, (d, t) => bar.update(d, t));
          bar.stop();
          if (opts.json) out.push(ci);
          else process.stdout.write((files.length > 1 ? '\n' : '') + renderCapinfo(ci));
        } catch (e) {
          bar.stop();
          code = Math.max(code, reportError(e));
        }
      }
      if (opts.json) writeMachineText(JSON.stringify(files.length === 1 ? out[0] ?? null : out, null, 2) + '\n');
      process.exitCode = code;
    });
}
