/**
 * The agent loop: log followers and journald feed the LineIntake; each collector runs on its own timer
 * (so a slow one cannot delay pptpd-death detection); everything goes to one sink. For the logs the
 * order is: poll -> sink.write (durable) -> checkpoint commit, which is what makes a restart lose nothing
 * (at-least-once) while line ids make the repeats detectable.
 */
import type { Event } from '../events/index.js';
import type { Collector } from '../collectors/index.js';
import type { FollowerSet } from '../logs/follow/set.js';
import type { JournalFollower } from '../logs/follow/journal.js';
import type { LineIntake } from './intake.js';
import type { AgentItem } from './items.js';

/** Where items go: resolves once they are durable (spool fsync'd, or store transaction committed). */
export interface AgentSink {
  write(items: AgentItem[]): Promise<void>;
}

export interface AgentOptions {
  followers?: FollowerSet;
  journal?: JournalFollower;
  intake: LineIntake;
  collectors: Collector[];
  sink: AgentSink;
  pollMs?: number;
  /** Called with every event after it is durable (metrics, the rules bus). */
  onEvents?: (events: Event[]) => void;
  onNote?: (note: string) => void;
}

export class Agent {
  // One pending timer per loop (slot i), replaced on each tick: pushing every tick's timer into a list
  // kept ~4 Timeout objects a second alive for the agent's whole life.
  private timers: Array<NodeJS.Timeout | undefined> = [];
  private running = false;
  private chain: Promise<void> = Promise.resolve();
  readonly counts = { lines: 0, events: 0, sinkErrors: 0, collectorErrors: 0 };

  constructor(private readonly opts: AgentOptions) {}

  /** Serializes writes from the log loop and the collector loops, so the sink sees one ordered stream. */
  private write(items: AgentItem[]): Promise<void> {
    const p = this.chain.then(() => this.opts.sink.write(items));
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** One pass over the logs: read, store, then move the checkpoints. */
  async pollLogs(): Promise<number> {
    const f = this.opts.followers?.poll();
    const j = this.opts.journal?.poll();
    for (const n of [...(f?.notes ?? []), ...(j?.notes ?? [])]) this.opts.onNote?.(n);
    const lines = [...(f?.lines ?? []), ...(j?.lines ?? [])];
    const events = this.opts.intake.push(lines);
    const items: AgentItem[] = events.map((e) => ({ e }));
    for (const s of this.opts.intake.closedSessions()) items.push({ s });
    if (items.length > 0) await this.write(items);
    if (this.opts.followers) {
      if (j?.cursor !== undefined) this.opts.followers.journalCursor = j.cursor;
      if (lines.length > 0 || this.commitsPending) this.opts.followers.commit();
    }
    this.commitsPending = false;
    this.counts.lines += lines.length;
    this.counts.events += events.length;
    if (events.length) this.opts.onEvents?.(events);
    return lines.length;
  }
  private commitsPending = true;

  /** One collector pass into the sink; returns how many events it made. */
  async runCollector(c: Collector): Promise<number> {
    let n = 0;
    for await (const events of c.collectSlices ? c.collectSlices() : [await c.collect()]) {
      if (events.length === 0) continue;
      await this.write(events.map((e) => ({ e })));
      n += events.length;
      this.counts.events += events.length;
      this.opts.onEvents?.(events);
    }
    return n;
  }

  /**
   * Events produced outside the loops (scheduled probes): into the same ordered, durable stream, then
   * onEvents like the rest.
   */
  async publish(events: Event[]): Promise<void> {
    if (events.length === 0) return;
    await this.write(events.map((e) => ({ e })));
    this.counts.events += events.length;
    this.opts.onEvents?.(events);
  }

  start(): void {
    this.running = true;
    this.opts.journal?.start();
    const loop = (ms: number, fn: () => Promise<unknown>, what: string): void => {
      const slot = this.timers.length;
      this.timers.push(undefined);
      const tick = async (): Promise<void> => {
        if (!this.running) return;
        try {
          await fn();
        } catch (err) {
          if (what === 'logs') this.counts.sinkErrors++;
          else this.counts.collectorErrors++;
          this.opts.onNote?.(`${what}: ${(err as Error).message}`);
        }
        if (this.running) this.timers[slot] = setTimeout(() => void tick(), ms);
      };
      void tick();
    };
    loop(this.opts.pollMs ?? 250, () => this.pollLogs(), 'logs');
    for (const c of this.opts.collectors)
      loop(c.intervalMs, () => this.runCollector(c), `collector ${c.name}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) if (t) clearTimeout(t);
    this.timers = [];
    this.opts.journal?.stop();
    await this.chain;
    this.opts.followers?.close();
  }
}
