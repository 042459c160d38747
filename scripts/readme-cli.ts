/**
 * The README's "CLI at a glance" table, made from the command registry so that it cannot go
 * stale: `test/readme.test.ts` checks the README against it, and
 * `npm run build && node dist/scripts/readme-cli.js --write` rewrites it in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from '../src/surfaces/cli/registry.js';
import { repoRoot } from '../src/util/shared-data.js';

export const BEGIN = '<!-- cli:begin (made from src/surfaces/cli/registry.ts by scripts/readme-cli.ts) -->';
export const END = '<!-- cli:end -->';

/** Commands in a stable order: by name, so groups (`data …`, `eval …`, `model …`) stay together. */
export function commandTable(): string {
  const rows = [...COMMANDS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => `| \`clinsum ${c.name}\` | ${c.summary.replace(/\|/g, '\\|')} |`);
  return ['| command | what it does |', '| --- | --- |', ...rows].join('\n');
}

/** The README's text between the markers (undefined when the markers are missing). */
export function readmeTable(readme: string): string | undefined {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + BEGIN.length, b).trim();
}

export function rewriteReadme(readme: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} block`);
  return `${readme.slice(0, a + BEGIN.length)}\n${commandTable()}\n${readme.slice(b)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = join(repoRoot(), 'README.md');
  if (process.argv.includes('--write')) {
    writeFileSync(file, rewriteReadme(readFileSync(file, 'utf8')));
    console.log(`wrote the command table of ${file}`);
  } else {
    console.log(commandTable());
  }
}
