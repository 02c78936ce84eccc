/**
 * Sliding-window event counters with bounded memory: the window is cut into BUCKETS slots of
 * window/BUCKETS each, so a count costs BUCKETS small integers whatever the event rate. The count
 * covers the last window to within one slot (the resolution the rate rules document).
 *
 * A rate rule grouped by peer or user keeps one counter per group seen in the window: tens of
 * thousands per rule. As JS objects (a counter, its array, a holder) each cost ~290 bytes of heap
 * that lived exactly one or two windows: long enough to be promoted, then garbage in the old
 * generation, which is what made the 0.3-0.6 s mark-compact pauses (bench/rules/eval.bench.ts).
 * So counters live in a CounterArena: plain numbers in typed arrays (40 bytes of counts plus the
 * newest slot), allocated by bumping an index and released a whole arena at a time, which the
 * garbage collector never has to trace.
 */
export const BUCKETS = 10;

/** A slot's bucket in the ring (also for times before 1970: `%` keeps the sign in JS). */
function ring(slot: number): number {
  return ((slot % BUCKETS) + BUCKETS) % BUCKETS;
}

/** Counters for many groups, addressed by the index `alloc` returned. */
export class CounterArena {
  /** Per counter, BUCKETS counts (ring indexed by slot % BUCKETS). */
  private counts: Int32Array;
  /** Per counter, the newest slot (time / slotMs) written; older slots live in the ring behind it. */
  private last: Float64Array;
  private used = 0;

  constructor(capacity = 64) {
    this.counts = new Int32Array(capacity * BUCKETS);
    this.last = new Float64Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** A fresh, empty counter. */
  alloc(): number {
    if (this.used === this.last.length) this.grow();
    const c = this.used++;
    this.counts.fill(0, c * BUCKETS, (c + 1) * BUCKETS);
    this.last[c] = -Infinity;
    return c;
  }

  /** A copy of counter `c` of `from` in this arena (a group carried into a new generation). */
  copyFrom(from: CounterArena, c: number): number {
    const d = this.alloc();
    this.counts.set(from.counts.subarray(c * BUCKETS, (c + 1) * BUCKETS), d * BUCKETS);
    this.last[d] = from.last[c] ?? -Infinity;
    return d;
  }

  /** Releases every counter at once; the memory is reused by the next allocations. */
  reset(): void {
    this.used = 0;
  }

  add(c: number, slotMs: number, tMs: number, n = 1): void {
    const slot = Math.floor(tMs / slotMs);
    const lastSlot = this.last[c] ?? -Infinity;
    const base = c * BUCKETS;
    if (slot > lastSlot) {
      // Clear the buckets of the slots skipped since the last write (at most the whole ring).
      if (slot - lastSlot >= BUCKETS) this.counts.fill(0, base, base + BUCKETS);
      else for (let s = lastSlot + 1; s <= slot; s++) this.counts[base + ring(s)] = 0;
      this.last[c] = slot;
    } else if (slot <= lastSlot - BUCKETS) {
      return; // older than the window: a late event that no longer counts
    }
    const i = base + ring(slot);
    this.counts[i] = (this.counts[i] ?? 0) + n;
  }

  /** Events in the window ending at `tMs`. */
  count(c: number, slotMs: number, tMs: number): number {
    const now = Math.floor(tMs / slotMs);
    const lastSlot = this.last[c] ?? -Infinity;
    const base = c * BUCKETS;
    let sum = 0;
    // Slots in (now - BUCKETS, now] that the ring still holds: (lastSlot - BUCKETS, lastSlot].
    const from = Math.max(now - BUCKETS + 1, lastSlot - BUCKETS + 1);
    const to = Math.min(now, lastSlot);
    for (let s = from; s <= to; s++) sum += this.counts[base + ring(s)] ?? 0;
    return sum;
  }

  private grow(): void {
    const cap = this.last.length * 2;
    const counts = new Int32Array(cap * BUCKETS);
    counts.set(this.counts);
    const last = new Float64Array(cap);
    last.set(this.last);
    this.counts = counts;
    this.last = last;
  }
}

/** One counter on its own (an arena of one): for callers that count a single stream. */
export class SlidingCounter {
  private readonly arena = new CounterArena(1);
  private readonly c = this.arena.alloc();

  constructor(private readonly slotMs: number) {}

  static forWindow(windowMs: number): SlidingCounter {
    return new SlidingCounter(windowMs / BUCKETS);
  }

  add(tMs: number, n = 1): void {
    this.arena.add(this.c, this.slotMs, tMs, n);
  }

  count(tMs: number): number {
    return this.arena.count(this.c, this.slotMs, tMs);
  }
}
