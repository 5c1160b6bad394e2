/**
 * Several captures at once on worker threads (`--jobs N`): each worker runs
 * one task at a time from a shared queue; results are handed back in argument
 * order (result i only after results 0..i-1), so output reads as with one job.
 * Tasks and results cross threads by structured clone: plain data only.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/** The default number of jobs: the cores this process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** What a worker posts back for one task. */
export type WorkerReply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; input: string | null; message: string; stack?: string };

/**
 * Run `tasks` on `jobs` threads: the main thread (`local`) and `jobs - 1`
 * workers started from `script`, all taking tasks from one queue;
 * `deliver(i, reply)` is called in task order. The main thread works too
 * because every thread pays its own start (loading the modules, warming the
 * JIT up): with two jobs, one worker and the warm main thread did 8 small
 * captures in less time than two workers. Workers are ended when the queue is empty.
 */
export async function runInWorkers<T, R>(script: URL, tasks: T[], jobs: number, deliver: (i: number, reply: WorkerReply<R>) => void, local?: (task: T) => Promise<Omit<WorkerReply<R>, 'id'>>): Promise<void> {
  const replies = new Map<number, WorkerReply<R>>();
  let next = 0;
  let delivered = 0;
  const flush = () => {
    while (replies.has(delivered)) {
      const r = replies.get(delivered)!;
      replies.delete(delivered);
      deliver(delivered++, r);
    }
  };
  const one = () => new Promise<void>((resolve, reject) => {
    const w = new Worker(script);
    const feed = () => {
      if (next >= tasks.length) { void w.terminate().then(() => resolve()); return; }
      const id = next++;
      w.postMessage({ id, task: tasks[id] });
    };
    w.on('message', (r: WorkerReply<R>) => { replies.set(r.id, r); flush(); feed(); });
    w.on('error', reject);
    feed();
  });
  const here = async () => {
    while (next < tasks.length) {
      const id = next++;
      replies.set(id, { id, ...(await local!(tasks[id]!)) } as WorkerReply<R>);
      flush();
    }
  };
  const threads = Math.min(jobs, tasks.length);
  const workers = local ? threads - 1 : threads;
  await Promise.all([...Array.from({ length: workers }, one), ...(local ? [here()] : [])]);
  flush();
}
