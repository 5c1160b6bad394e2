/** Where the shared reference captures are, and how to ask tshark about them. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The reference corpus: SIPFLOW_CORPUS when set, else ../shared/corpus beside the project. */
export const CORPUS = process.env.SIPFLOW_CORPUS ? resolve(process.env.SIPFLOW_CORPUS) : resolve(ROOT, '..', 'shared', 'corpus');

/** Every capture under ../shared/corpus, or [] when the corpus is absent. */
export function corpusFiles(): string[] {
  if (!existsSync(CORPUS)) return [];
  const out: string[] = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(CORPUS, dir.name))) {
      if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(f)) out.push(join(CORPUS, dir.name, f));
    }
  }
  return out.sort();
}

/** Reason to skip corpus tests, or false. Printed by node:test as the skip message. */
export function corpusSkip(): string | false {
  return corpusFiles().length ? false : `reference corpus not found at ${CORPUS} (set SIPFLOW_CORPUS to its folder)`;
}

let tsharkOk: boolean | null = null;
export function hasTshark(): boolean {
  if (tsharkOk === null) tsharkOk = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
  return tsharkOk;
}

export function tsharkSkip(): string | false {
  return corpusSkip() || (hasTshark() ? false : 'tshark is not installed (apt-get install tshark)');
}

/** Run tshark and return stdout lines (stderr, e.g. the root warning, is dropped). */
export function tshark(args: string[]): string[] {
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.length > 0);
}

export const FIXTURES = join(ROOT, 'fixtures');

/** The project's own captures (fixtures/*.pcapng). */
export function fixtureFiles(): string[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(FIXTURES, f)).sort();
}

/** Corpus captures plus fixtures: everything the differential tests run on. */
export function allCaptures(): string[] {
  return [...corpusFiles(), ...fixtureFiles()];
}

export function short(file: string): string {
  return file.startsWith(CORPUS) ? file.slice(CORPUS.length + 1) : file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file;
}
