import type { Command } from 'commander';
import { checkCapture, isDirectory, scanDir, siblingFlow } from '../../check/files.js';
import { renderJson, renderJunit, renderSummary, renderText, type FileOutcome } from '../../check/render.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, progressBar, reportError, setupColor, writeOutput, writeMachineText } from '../common.js';
import { mergedName } from '../../capture/merge.js';
import { captureInputs } from '../inputs.js';

interface CheckFlags {
  expect?: string;
  strictRetransmissions?: boolean;
  junit?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
  merge?: boolean;
  rtpHeuristic?: boolean;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('compare captures with their expected call flows (from "sipflow snapshot"); exit 1 when they differ')
    .argument('<paths...>', 'captures, or folders: every X.pcap/X.pcapng in a folder is checked against its X.flow.yaml')
    .option('--expect <flow>', 'the expected flow (default: the capture\'s sibling X.flow.yaml); one capture only')
    .option('-m, --merge', 'read all the captures (files, the captures of folders told by content, quoted glob patterns) as one capture in timestamp order (mergecap\'s order), checked against --expect or the first capture\'s X.flow.yaml')
    .option('--strict-retransmissions', 'retransmissions count: the flow must list them')
    .option('--rtp-heuristic', 'also RTP streams no SDP announced, for media expectations written by snapshot --rtp-heuristic')
    .option('--junit <file>', 'also write a JUnit XML report (a test case per call) for CI dashboards')
    .option('--json', 'print the results as JSON instead of the diff')
    .option('-v, --verbose', 'list the calls that match too')
    .option('-q, --quiet', 'print only differences and the summary')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', `
Tolerant on timestamps, ports, branches, tags, Call-IDs and retransmissions;
strict on the order of messages within a call, methods, status codes and
call states. Calls are paired with the expected ones by best fit, not by
position. Exit codes: 0 every flow matches, 1 a flow differs, 2 a capture
or flow file cannot be used (missing, not a capture, invalid YAML).

Examples:
  $ sipflow check fixtures/proxy-decline.pcapng --expect fixtures/proxy-decline.flow.yaml
  $ sipflow check fixtures/ --junit reports/sipflow.xml
  $ sipflow check fixtures/call-busy.pcapng --json | jq '.results[].calls[] | select(.ok | not)'
  $ sipflow check fixtures/call-busy.pcapng fixtures/call-cancelled.pcapng --merge --expect both.flow.yaml`)
    .action(async (paths: string[], flags: CheckFlags) => {
      setupColor(flags.color === false);
      try {
        process.exitCode = await run(paths, flags);
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}

async function run(paths: string[], flags: CheckFlags): Promise<number> {
  const jobs: { capture: string | string[] | null; flow: string | null; dir: string | null }[] = [];
  if (flags.merge) {
    // One capture made of them all, checked against one flow.
    const expanded = await captureInputs(paths, { quiet: flags.quiet || flags.json, command: 'check' });
    if (!expanded.inputs.length) return expanded.code;
    const files = expanded.inputs.map((i) => i.path);
    if (files.length > 1 && files.includes('-')) {
      process.stderr.write('sipflow: --merge reads files by their timestamps; standard input ("-") cannot be one of them\n');
      return EXIT_USAGE;
    }
    jobs.push({ capture: files.length === 1 ? files[0]! : files, flow: flags.expect ?? siblingFlow(files[0]!), dir: null });
  }
  for (const p of flags.merge ? [] : paths) {
    if (isDirectory(p)) {
      if (flags.expect) {
        process.stderr.write(`sipflow: --expect names the flow of one capture; ${p} is a folder (its captures are checked against their .flow.yaml siblings)\n`);
        return EXIT_USAGE;
      }
      const entries = scanDir(p);
      if (!entries.some((e) => e.capture)) {
        jobs.push({ capture: null, flow: null, dir: p });
        continue;
      }
      for (const e of entries) jobs.push({ ...e, dir: p });
    } else {
      jobs.push({ capture: p, flow: flags.expect ?? siblingFlow(p), dir: null });
    }
  }
  if (flags.expect && jobs.length > 1) {
    process.stderr.write('sipflow: --expect names the flow of one capture; give one capture, or use sibling .flow.yaml files\n');
    return EXIT_USAGE;
  }

  const media = { heuristic: !!flags.rtpHeuristic };
  const outcomes: FileOutcome[] = [];
  for (const j of jobs) {
    let o: FileOutcome;
    if (!j.capture && !j.flow) {
      o = { capture: j.dir!, expect: null, result: null, error: `${j.dir}: no captures (*.pcap, *.pcapng) in this folder: nothing to check`, code: EXIT_INPUT, seconds: 0 };
    } else if (!j.capture) {
      o = { capture: j.flow!.replace(/\.flow\.(ya?ml|json)$/i, '.pcapng'), expect: j.flow, result: null, error: `${j.flow} has no capture beside it (expected ${j.flow!.replace(/\.flow\.(ya?ml|json)$/i, '')}.pcapng or .pcap)`, code: EXIT_INPUT, seconds: 0 };
    } else if (!j.flow) {
      const want = siblingFlow(j.capture as string);
      o = { capture: j.capture as string, expect: null, result: null, error: `no expected flow ${want} (write it with "sipflow snapshot ${j.capture} -o ${want}", review it, commit it)`, code: EXIT_INPUT, seconds: 0 };
    } else {
      const bar = progressBar(typeof j.capture === 'string' ? j.capture : mergedName(j.capture), !flags.quiet && !flags.json);
      try {
        o = await checkCapture(j.capture, j.flow, { strictRetransmissions: !!flags.strictRetransmissions, media, onProgress: (d, t) => bar.update(d, t) });
      } finally {
        bar.stop();
      }
    }
    outcomes.push(o);
    if (!flags.json && !(flags.quiet && o.code === 0)) {
      const text = renderText(o, { verbose: !!flags.verbose });
      (o.code === EXIT_INPUT ? process.stderr : process.stdout).write(text);
    }
  }
  const code = outcomes.reduce((a, o) => Math.max(a, o.code), EXIT_OK);
  if (flags.junit) await writeOutput(flags.junit, renderJunit(outcomes));
  if (flags.json) writeMachineText(renderJson(outcomes, code));
  else if (outcomes.length > 1 || jobs.some((j) => j.dir)) process.stdout.write(renderSummary(outcomes));
  return code;
}
