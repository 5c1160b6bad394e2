import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The package version, read once from package.json (two levels above dist/src). */
export const VERSION: string = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', '../..', '../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sipflow' && pkg.version) return pkg.version;
    } catch { /* try the next level */ }
  }
  return '0.0.0';
})();
