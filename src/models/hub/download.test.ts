import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEtag } from './client.js';
import { digestKind, gitBlobSha1, parseContentRange } from './download.js';

test('git blob sha1 matches `git hash-object`', () => {
  assert.equal(gitBlobSha1(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
  assert.equal(gitBlobSha1(new Uint8Array(0)), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
});

test('etags are normalized as huggingface_hub _normalize_etag and classified by length', () => {
  const sha256 = 'a'.repeat(64);
  assert.equal(normalizeEtag(`"${sha256}"`), sha256);
  assert.equal(normalizeEtag(`W/"${'b'.repeat(40)}"`), 'b'.repeat(40));
  assert.equal(normalizeEtag('plain'), 'plain');
  assert.equal(digestKind(sha256), 'sha256');
  assert.equal(digestKind('b'.repeat(40)), 'git-sha1');
  assert.equal(digestKind('"etag-of-a-mirror"'), undefined);
});

test('Content-Range of a 206', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, end: 199, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 5-9/*'), { start: 5, end: 9, total: undefined });
  assert.equal(parseContentRange('bytes */1000'), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});
