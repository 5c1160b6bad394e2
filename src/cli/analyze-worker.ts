/**
 * A worker thread of `sipflow analyze FILE... --jobs N`: analyzes the files
 * it is sent and posts each result back (cli/parallel.ts hands them out in
 * argument order). Errors go back as data (analyze-task.ts).
 */
import { parentPort } from 'node:worker_threads';
import { runAnalyzeTask, type AnalyzeTask } from './analyze-task.js';

export type { AnalyzeTask } from './analyze-task.js';

parentPort!.on('message', async ({ id, task }: { id: number; task: AnalyzeTask }) => {
  parentPort!.postMessage({ id, ...(await runAnalyzeTask(task)) });
});
