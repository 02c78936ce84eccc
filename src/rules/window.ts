/**
 * A sliding-window event counter with bounded memory: the window is cut into BUCKETS slots of
 * window/BUCKETS each, so a count costs BUCKETS numbers whatever the event rate. The count covers the
 * last window to within one slot (the resolution the rate rules document).
 */
export const BUCKETS = 10;

export class SlidingCounter {
  private readonly counts = new Float64Array(BUCKETS);
  /** Slot number (time / slotMs) that each bucket currently holds. */
  private readonly slots = new Float64Array(BUCKETS).fill(-1);
  private readonly slotMs: number;

  constructor(windowMs: number) {
    this.slotMs = windowMs / BUCKETS;
  }

  add(tMs: number, n = 1): void {
    const slot = Math.floor(tMs / this.slotMs);
    const i = slot % BUCKETS;
    if (this.slots[i] !== slot) {
      this.slots[i] = slot;
      this.counts[i] = 0;
    }
    this.counts[i] = (this.counts[i] ?? 0) + n;
  }

  /** Events in the window ending at `tMs`. */
  count(tMs: number): number {
    const now = Math.floor(tMs / this.slotMs);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.slots[i] ?? -1;
      if (s > now - BUCKETS && s <= now) sum += this.counts[i] ?? 0;
    }
    return sum;
  }
}
