/**
 * A sliding-window event counter with bounded memory: the window is cut into BUCKETS slots of
 * window/BUCKETS each, so a count costs BUCKETS small integers (a plain array: cheaper to allocate
 * than a typed array) whatever the event rate (a rule
 * grouped by peer keeps one of these per peer seen in the window, so it must stay small). The count
 * covers the last window to within one slot (the resolution the rate rules document).
 */
export const BUCKETS = 10;

export class SlidingCounter {
  private readonly counts: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  /** The newest slot (time / slotMs) written; older slots live in the ring behind it. */
  private lastSlot = -Infinity;

  constructor(private readonly slotMs: number) {}

  static forWindow(windowMs: number): SlidingCounter {
    return new SlidingCounter(windowMs / BUCKETS);
  }

  add(tMs: number, n = 1): void {
    const slot = Math.floor(tMs / this.slotMs);
    if (slot > this.lastSlot) {
      // Clear the buckets of the slots skipped since the last write (at most the whole ring).
      const gap = Math.min(BUCKETS, slot - this.lastSlot);
      for (let k = 0; k < gap; k++) this.counts[(slot - k) % BUCKETS] = 0;
      this.lastSlot = slot;
    } else if (slot <= this.lastSlot - BUCKETS) {
      return; // older than the window: a late event that no longer counts
    }
    const i = slot % BUCKETS;
    this.counts[i] = (this.counts[i] ?? 0) + n;
  }

  /** Events in the window ending at `tMs`. */
  count(tMs: number): number {
    const now = Math.floor(tMs / this.slotMs);
    let sum = 0;
    // Slots in (now - BUCKETS, now] that the ring still holds: (lastSlot - BUCKETS, lastSlot].
    const from = Math.max(now - BUCKETS + 1, this.lastSlot - BUCKETS + 1);
    const to = Math.min(now, this.lastSlot);
    for (let s = from; s <= to; s++) sum += this.counts[s % BUCKETS] ?? 0;
    return sum;
  }
}
