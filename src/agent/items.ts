/** What the agent ships: events and (ended) session records, in one ordered stream. */
import type { Event } from '../events/index.js';
import type { Session } from '../logs/session.js';

export type AgentItem = { e: Event } | { s: Session };

export interface IngestBody {
  host: string;
  events: Event[];
  sessions: Session[];
}

export function toBody(host: string, items: readonly AgentItem[]): IngestBody {
  const events: Event[] = [];
  const sessions: Session[] = [];
  for (const it of items) {
    if ('e' in it) events.push(it.e);
    else sessions.push(it.s);
  }
  return { host, events, sessions };
}
