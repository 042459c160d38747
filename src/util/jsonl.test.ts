import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { InputError } from './errors.js';
import { readJsonl, readJsonlTolerant, truncateTornTail, appendJsonl } from './jsonl.js';

const Row = z.object({ id: z.string(), n: z.number() });

test('reads JSONL and .jsonl.gz with line numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-jsonl-'));
  const text = '{"id":"a","n":1}\n\n{"id":"b","n":2}\n';
  writeFileSync(join(dir, 'x.jsonl'), text);
  writeFileSync(join(dir, 'x.jsonl.gz'), gzipSync(text));
  for (const f of ['x.jsonl', 'x.jsonl.gz']) {
    const rows = readJsonl(join(dir, f), Row);
    assert.deepEqual(rows.map((r) => [r.value.id, r.line]), [['a', 1], ['b', 3]]);
  }
});

test('a bad line names file, line and field; JSON errors never echo the text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-jsonl-'));
  const f = join(dir, 'bad.jsonl');
  writeFileSync(f, '{"id":"a","n":1}\n{"id":"b","n":"two"}\n');
  assert.throws(() => readJsonl(f, Row), (e: unknown) => e instanceof InputError && /bad\.jsonl:2: field `n`/.test(e.message));
  writeFileSync(f, 'Patient has fever and cough\n');
  assert.throws(
    () => readJsonl(f, Row),
    (e: unknown) => e instanceof InputError && /bad\.jsonl:1/.test(e.message) && !/Patient|fever/.test(e.message),
  );
});

test('a torn last line is tolerated and cut before appending', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinsum-jsonl-'));
  const f = join(dir, 'out.jsonl');
  writeFileSync(f, '{"id":"a","n":1}\n{"id":"b","n"');
  const r = readJsonlTolerant(f, Row);
  assert.equal(r.torn, true);
  assert.equal(r.rows.length, 1);
  assert.equal(truncateTornTail(f), true);
  appendJsonl(f, [{ id: 'c', n: 3 }]);
  assert.deepEqual(readJsonl(f, Row).map((x) => x.value.id), ['a', 'c']);
});
