/**
 * One file of `sipflow analyze FILE... --jobs N`, as data: the Report, or the
 * error as the input's fault (its one line) or a bug (message and stack).
 * Run on a worker thread (analyze-worker.ts) or on the main thread, which
 * takes tasks from the same queue (cli/parallel.ts).
 */
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { inputProblem } from '../capture/input-problem.js';
import type { Report } from '../model.js';

export interface AnalyzeTask { file: string; options: Pick<AnalyzeOptions, 'media' | 'keepRaw'> }

export type TaskResult<R> = { ok: true; value: R } | { ok: false; input: string | null; message: string; stack?: string };

export async function runAnalyzeTask(task: AnalyzeTask): Promise<TaskResult<Report>> {
  try {
    return { ok: true, value: await analyze(task.file, task.options) };
  } catch (e) {
    const err = e as Error;
    return { ok: false, input: inputProblem(e), message: err?.message ?? String(e), stack: err?.stack };
  }
}
