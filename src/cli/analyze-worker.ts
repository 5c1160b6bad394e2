/**
 * A worker thread of `sipflow analyze FILE... --jobs N`: analyzes the files
 * it is sent and posts each Report back (cli/parallel.ts hands them out in
 * argument order). Errors go back as data: the input's fault with its line,
 * or a bug with its message.
 */
import { parentPort } from 'node:worker_threads';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { inputProblem } from '../capture/input-problem.js';

export interface AnalyzeTask { file: string; options: Pick<AnalyzeOptions, 'media' | 'keepRaw'> }

parentPort!.on('message', async ({ id, task }: { id: number; task: AnalyzeTask }) => {
  try {
    const value = await analyze(task.file, task.options);
    parentPort!.postMessage({ id, ok: true, value });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id, ok: false, input: inputProblem(e), message: err?.message ?? String(e), stack: err?.stack });
  }
});
