/** The two sinks: the disk spool (agent mode, shipped by the Shipper) and the store (`pptpmon run`). */
import type { Event } from '../events/index.js';
import type { Session } from '../logs/session.js';
import type { Store } from '../store/index.js';
import type { AgentSink } from './agent.js';
import type { AgentItem } from './items.js';
import { Spool } from './spool.js';

export function spoolSink(spool: Spool<AgentItem>): AgentSink {
  return { write: async (items) => spool.append(items) };
}

export function storeSink(store: Store): AgentSink {
  return {
    async write(items) {
      const events: Event[] = [];
      const sessions: Session[] = [];
      for (const it of items) {
        if ('e' in it) events.push(it.e);
        else sessions.push(it.s);
      }
      if (events.length) await store.insertEvents(events);
      if (sessions.length) await store.upsertSessions(sessions);
    },
  };
}

export function openSpool(dir: string, maxBytes: number, host: string): Spool<AgentItem> {
  let n = 0;
  return new Spool<AgentItem>({
    dir,
    maxBytes,
    droppedItem: (count) => ({
      e: {
        kind: 'agent.spool.dropped',
        id: `spool-dropped:${Date.now()}:${n++}`,
        ts: new Date().toISOString(),
        host,
        severity: 'warning',
        attrs: { count },
        source: { collector: 'spool' },
      },
    }),
    droppedCountOf: (it) => ('e' in it && it.e.kind === 'agent.spool.dropped' ? it.e.attrs.count : undefined),
  });
}
