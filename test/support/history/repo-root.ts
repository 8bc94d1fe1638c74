import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root, wherever this file was compiled to (Jest runs it from test/, the harness build from .build/harness/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('not inside the repository');
    dir = dirname(dir);
  }
  return dir;
}
