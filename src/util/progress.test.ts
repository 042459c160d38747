import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './log.js';
import { Progress, withProgress } from './progress.js';

/** A terminal (or a pipe) of `columns` that records what is written to it. */
function terminal(columns: number, isTTY = true) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number } };
}

/** A training progress at step 3 of 10 after 6 s, with the trainer's extras and priorities. */
function trainingProgress(stream: NodeJS.WritableStream, clock = { t: 0 }) {
  const p = new Progress({ label: 'train', total: 10, unit: 'steps', stream, now: () => clock.t, priority: ['tok/s', 'loss', 'lr'] });
  clock.t = 6000;
  p.update(3, { loss: 9.518912, lr: '1.00e-05', 'tok/s': 244 });
  return p;
}

/** What a terminal shows after `\r` redraws: the text after the last carriage return, escape codes removed. */
function shown(chunks: readonly string[]): string {
  const all = chunks.join('');
  return all.slice(all.lastIndexOf('\r') + 1).replace(/\x1b\[K/g, '');
}

test('a full line has every field; a narrow terminal drops whole fields, never digits', () => {
  const full = trainingProgress(terminal(200).stream).line();
  assert.equal(full, 'train: 3/10 steps (30.0%) | 0.50 steps/s | ETA 14s | elapsed 6s | loss 9.52 | lr 1.00e-05 | tok/s 244');
  const fields = new Set(full.split(' | '));
  for (const [cols, want] of [
    [200, full],
    [100, 'train: 3/10 steps (30.0%) | 0.50 steps/s | ETA 14s | loss 9.52 | lr 1.00e-05 | tok/s 244'],
    [80, 'train: 3/10 steps (30.0%) | ETA 14s | loss 9.52 | lr 1.00e-05 | tok/s 244'],
    [60, 'train: 3/10 steps (30.0%) | ETA 14s | loss 9.52 | tok/s 244'],
    [45, 'train: 3/10 steps (30.0%) | ETA 14s'],
    [40, 'train: 3/10 steps (30.0%) | ETA 14s'],
    [30, 'train: 3/10 steps (30.0%)'],
    [16, '3/10 (30.0%)'],
    [5, '3/10'],
  ] as const) {
    const t = terminal(cols);
    trainingProgress(t.stream);
    const line = shown(t.chunks);
    assert.equal(line, want, `${cols} columns`);
    assert.ok(line.length < cols, `${cols} columns: ${line.length} characters`);
  }
  // Every width: only whole fields, the count first, within the width.
  for (let cols = 27; cols <= 140; cols++) {
    const t = terminal(cols);
    trainingProgress(t.stream);
    const line = shown(t.chunks);
    assert.ok(line.length <= cols - 1, `${cols}`);
    const parts = line.split(' | ');
    assert.equal(parts[0], 'train: 3/10 steps (30.0%)');
    for (const p of parts) assert.ok(fields.has(p), `${cols} columns: "${p}" is a whole field`);
    if (cols > 'train: 3/10 steps (30.0%) | ETA 14s | tok/s 244'.length) assert.ok(parts.includes('ETA 14s') && parts.includes('tok/s 244'), `${cols}: ${line}`);
  }
});

test('a pipe gets every field on its own line, whatever the columns', () => {
  const t = terminal(40, false);
  const p = trainingProgress(t.stream);
  assert.deepEqual(t.chunks, [`${p.line()}\n`]);
});

test('log lines go above the progress line: it is cleared before and drawn again after', () => {
  const t = terminal(100);
  const clock = { t: 0 };
  const p = trainingProgress(t.stream, clock);
  const log = withProgress(createLogger({ level: 'info', write: (l) => void t.stream.write(`clinsum: ${l}`) }), p);
  t.chunks.length = 0;
  log.info('eval at step 3: rougeLsum 0.1234 (best), loss 9.5189');
  assert.deepEqual(t.chunks, ['\r\x1b[K', 'clinsum: eval at step 3: rougeLsum 0.1234 (best), loss 9.5189\n', `\r${p.fitLine(99)}\x1b[K`]);
  t.chunks.length = 0;
  log.debug('checkpoint written');
  assert.deepEqual(t.chunks, [], 'a message below the level touches nothing');
  p.finish();
  t.chunks.length = 0;
  log.info('interrupted');
  assert.deepEqual(t.chunks, ['clinsum: interrupted\n'], 'after finish the line is gone: nothing to clear or redraw');

  const pipe = terminal(100, false);
  const q = trainingProgress(pipe.stream);
  pipe.chunks.length = 0;
  withProgress(createLogger({ level: 'info', write: (l) => void pipe.stream.write(l) }), q).info('x');
  assert.deepEqual(pipe.chunks, ['x\n'], 'no escape codes on a pipe');
});
