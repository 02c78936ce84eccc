/**
 * In-process event bus: sources publish, consumers (store, rules, exporters) subscribe. Data flows one
 * way; a subscriber that throws is isolated so one bad consumer cannot stop the others.
 */
import type { Event } from './event.js';

export type EventHandler = (ev: Event) => void;

export class EventBus {
  private readonly handlers = new Set<EventHandler>();
  private handlerErrors = 0;

  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(ev: Event): void {
    for (const h of this.handlers) {
      try {
        h(ev);
      } catch {
        // Counted, not rethrown: a consumer bug must not lose the event for the other consumers.
        this.handlerErrors++;
      }
    }
  }

  get errors(): number {
    return this.handlerErrors;
  }
}
