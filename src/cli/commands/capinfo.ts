import type { Command } from 'commander';
import { capinfo } from '../../capinfo.js';
import { renderCapinfo } from '../../render/capinfo.js';
import { EXIT_OK, progressBar, reportError, setupColor } from '../common.js';

export function registerCapinfo(program: Command): void {
  program
    .command('capinfo')
    .description('show what the capture and network layers read: format, interfaces, link types, frames, duration, fragments, warnings')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed; "-" reads standard input')
    .option('--json', 'print JSON (one object per file; an array for several files)')
    .option('--no-color', 'no colours')
    .addHelpText('after', `
Examples:
  $ sipflow capinfo fixtures/call-completed.pcapng
  $ gzip -c trace.pcap | sipflow capinfo --json -`)
    .action(async (files: string[], opts: { json?: boolean; color?: boolean }) => {
      setupColor(opts.color === false);
      const out: unknown[] = [];
      let code = EXIT_OK;
      for (const f of files) {
        const bar = progressBar(f, !opts.json);
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
      if (opts.json) process.stdout.write(JSON.stringify(files.length === 1 ? out[0] ?? null : out, null, 2) + '\n');
      process.exitCode = code;
    });
}
