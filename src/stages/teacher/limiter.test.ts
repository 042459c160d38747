import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, TokenBucket, type LimiterClock } from './limiter.js';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements LimiterClock {
  t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  schedule(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}

test('token bucket: 5 s of burst, then the per-minute rate', () => {
  const b = new TokenBucket(120, 0); // 2 per second, burst 10
  assert.equal(b.capacity, 10);
  for (let i = 0; i < 10; i++) {
    assert.equal(b.waitMs(1, 0), 0);
    b.take(1, 0);
  }
  assert.equal(b.waitMs(1, 0), 500);
  assert.equal(b.waitMs(1, 500), 0);
});

test('a request larger than the bucket waits for a full bucket, then runs into debt', () => {
  const b = new TokenBucket(600, 0); // 10/s, capacity 50
  b.take(50, 0);
  assert.equal(b.waitMs(200, 0), 5_000);
  b.take(200, 5_000); // level 50 - 200 = -150
  assert.equal(b.waitMs(1, 5_000), 15_100);
});

test('requests per minute: the 11th request of a 120 rpm limiter waits 500 ms; FIFO order', async () => {
  const clock = new FakeClock();
  const l = new RateLimiter({ requestsPerMinute: 120 }, clock);
  const order: number[] = [];
  const ps = Array.from({ length: 13 }, (_, i) => l.acquire(0).then(() => order.push(i)));
  await clock.advance(0);
  assert.equal(order.length, 10);
  await clock.advance(499);
  assert.equal(order.length, 10);
  await clock.advance(1);
  assert.equal(order.length, 11);
  await clock.advance(1_000);
  await Promise.all(ps);
  assert.deepEqual(order, [...Array(13).keys()]);
});

test('tokens per minute: reservations are settled with the real usage', async () => {
  const clock = new FakeClock();
  const l = new RateLimiter({ tokensPerMinute: 60_000 }, clock); // 1000/s, capacity 5000
  const r1 = await l.acquire(4_000);
  let second = false;
  void l.acquire(4_000).then(() => (second = true));
  await clock.advance(0);
  assert.equal(second, false, 'only 1000 tokens left');
  l.settle(r1, 1_000); // used 1000 of the 4000 reserved: 3000 come back
  await clock.advance(0);
  await clock.advance(1);
  assert.equal(second, true);
});

test('an aborted waiter leaves the queue and rejects with the reason', async () => {
  const clock = new FakeClock();
  const l = new RateLimiter({ requestsPerMinute: 12 }, clock); // capacity 1
  await l.acquire(0);
  const ac = new AbortController();
  const p = l.acquire(0, ac.signal);
  let third = false;
  void l.acquire(0).then(() => (third = true));
  ac.abort(new Error('stopped'));
  await assert.rejects(p, /stopped/);
  await clock.advance(5_000);
  assert.equal(third, true);
});

test('no limits: acquire resolves at once', async () => {
  const l = new RateLimiter({});
  assert.equal(l.active, false);
  assert.deepEqual(await l.acquire(123), { tokens: 0 });
});
