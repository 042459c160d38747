/** The README stays true: its two commands exist, its command table is the registry's, its links resolve. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandTable, readmeTable } from '../scripts/readme-cli.js';
import { repoRoot } from '../src/util/shared-data.js';

const root = repoRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('the README starts with the set-up-and-demo and the test commands, and both exist', () => {
  const block = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  assert.match(block, /^bash scripts\/setup\.sh && npm start\s/m);
  assert.match(block, /^npm test\s/m);
  assert.ok(existsSync(join(root, 'scripts', 'setup.sh')));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, 'node bin/clinsum demo');
  assert.match(pkg.scripts.test ?? '', /run-tests/);
});

test('the CLI table lists every registered command with its summary', () => {
  assert.equal(
    readmeTable(readme),
    commandTable(),
    'README.md is out of date: run `npm run build && node dist/scripts/readme-cli.js --write` and commit the README',
  );
});

test('every relative link of the README points at a file of the repository', () => {
  const links = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length > 10);
  const missing = links.filter((l) => !existsSync(join(root, l)));
  assert.deepEqual(missing, []);
});
