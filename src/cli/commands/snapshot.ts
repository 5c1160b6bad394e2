import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { analyze } from '../../analyze.js';
import { isDirectory, scanDir, stem } from '../../check/files.js';
import { parseAliases } from '../../aliases.js';
import { flowToJson, flowToYaml, snapshotFlow, type SnapshotOptions } from '../../check/snapshot.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, progressBar, reportError, setupColor, writeOutput, writeMachineText } from '../common.js';
import { mergedName } from '../../capture/merge.js';
import { captureInputs, noteStdin } from '../inputs.js';

interface SnapshotFlags {
  output?: string;
  json?: boolean;
  all?: boolean;
  alias: string[];
  media?: boolean;
  retransmissions?: boolean;
  force?: boolean;
  rtpHeuristic?: boolean;
  quiet?: boolean;
  color?: boolean;
  merge?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('write the expected call flow of a capture (YAML to review and edit), for "sipflow check"')
    .argument('<captures...>', 'pcap or pcapng file; or a folder: writes X.flow.yaml beside every capture X in it; several with --merge')
    .option('-o, --output <file>', 'write to this file ("-" or omitted: standard output)')
    .option('--json', 'write the JSON equivalent instead of YAML')
    .option('-a, --all', 'every dialog (REGISTER, SUBSCRIBE, OPTIONS...), not only INVITE dialogs')
    .option('--alias <addr=name>', 'name a participant: 192.0.2.1=pbx (all ports) or 192.0.2.1:5060=pbx; repeatable or comma-separated', collect, [])
    .option('--media', 'add media expectations: codecs, RTP both ways, loss and jitter limits')
    .option('--retransmissions', 'keep retransmissions, marked "(retransmission)" (for check --strict-retransmissions)')
    .option('--force', 'folder mode: overwrite flow files that exist')
    .option('--rtp-heuristic', 'with --media: also RTP streams no SDP announced (captures that start mid-call); check them with check --rtp-heuristic')
    .option('-m, --merge', 'read the captures (files, folders, quoted glob patterns) as one capture in timestamp order (mergecap\'s order): one flow')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', `
Participants are named by role (caller, proxy, callee, peer) or by --alias,
never by port; retransmissions are left out. The file starts with a comment
that documents the format: edit it to loosen (wildcards, /regex/, optional
"?" and repeated "+" messages) or tighten what "sipflow check" accepts.

Examples:
  $ sipflow snapshot fixtures/proxy-decline.pcapng -o decline.flow.yaml
  $ sipflow snapshot fixtures/call-completed.pcapng --alias 192.0.2.1=pbx --media
  $ sipflow snapshot fixtures/                # fixtures/X.flow.yaml for each capture
  $ sipflow snapshot fixtures/call-busy.pcapng --json | jq '.calls[].messages'
  $ sipflow snapshot fixtures/call-busy.pcapng fixtures/call-cancelled.pcapng --merge -o both.flow.yaml`)
    .action(async (captures: string[], flags: SnapshotFlags) => {
      setupColor(flags.color === false);
      let aliases: Record<string, string>;
      try {
        aliases = parseAliases(flags.alias, { flowNames: true });
      } catch (e) {
        process.stderr.write(`sipflow: ${(e as Error).message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const media = flags.media ? { heuristic: !!flags.rtpHeuristic } : false;
      if (flags.media && !media) process.stderr.write('sipflow: warning: this sipflow has no media analysis; no media expectations written\n');
      const opts: SnapshotOptions = { all: !!flags.all, aliases, media: !!media, retransmissions: !!flags.retransmissions };
      const render = (r: Parameters<typeof snapshotFlow>[0]) => {
        const doc = snapshotFlow(r, opts);
        return { doc, text: flags.json ? flowToJson(doc) : flowToYaml(doc) };
      };

      let capture: string | string[] = captures[0]!;
      if (flags.merge) {
        const expanded = await captureInputs(captures, { quiet: flags.quiet, command: 'snapshot' });
        if (!expanded.inputs.length) { process.exitCode = expanded.code; return; }
        const paths = expanded.inputs.map((i) => i.path);
        if (paths.length > 1 && paths.includes('-')) {
          process.stderr.write('sipflow: --merge reads files by their timestamps; standard input ("-") cannot be one of them\n');
          process.exitCode = EXIT_USAGE;
          return;
        }
        capture = paths.length === 1 ? paths[0]! : paths;
      } else if (captures.length > 1) {
        process.stderr.write(`sipflow: ${captures.length} captures: give --merge to read them as one capture (one flow), or one capture or folder at a time\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const name = typeof capture === 'string' ? capture : mergedName(capture);

      if (typeof capture === 'string' && isDirectory(capture)) {
        if (flags.output !== undefined) {
          process.stderr.write('sipflow: --output names one file; a folder gets one flow file per capture\n');
          process.exitCode = EXIT_USAGE;
          return;
        }
        let code = EXIT_OK;
        const entries = scanDir(capture).filter((e) => e.capture);
        if (!entries.length) {
          process.stderr.write(`sipflow: ${capture}: no captures (*.pcap, *.pcapng) in this folder\n`);
          process.exitCode = EXIT_INPUT;
          return;
        }
        for (const e of entries) {
          const out = `${stem(e.capture!)}.flow.${flags.json ? 'json' : 'yaml'}`;
          if (existsSync(out) && !flags.force) {
            if (!flags.quiet) process.stderr.write(`${out}: exists, kept (--force to rewrite)\n`);
            continue;
          }
          try {
            const { doc, text } = render(await analyze(e.capture!, { media }));
            await writeOutput(out, text);
            if (!flags.quiet) process.stderr.write(`${out}: ${doc.calls.length} call${doc.calls.length === 1 ? '' : 's'}\n`);
          } catch (err) {
            code = Math.max(code, reportError(err));
          }
        }
        process.exitCode = code;
        return;
      }

      if (typeof capture === 'string') noteStdin([capture], 'snapshot');
      const bar = progressBar(name, !flags.quiet);
      try {
        const report = await analyze(capture, { media, onProgress: (d, t) => bar.update(d, t) });
        bar.stop();
        const { doc, text } = render(report);
        if (!doc.calls.length && !flags.quiet) process.stderr.write(`sipflow: warning: ${name} has no ${doc.scope === 'invite' ? 'INVITE ' : ''}dialogs; the flow expects none\n`);
        if (flags.output === undefined || flags.output === '-') writeMachineText(text);
        else {
          await writeOutput(flags.output, text);
          if (!flags.quiet) process.stderr.write(`${flags.output}: ${doc.calls.length} call${doc.calls.length === 1 ? '' : 's'}\n`);
        }
        process.exitCode = EXIT_OK;
      } catch (e) {
        bar.stop();
        process.exitCode = reportError(e);
      }
    });
}
