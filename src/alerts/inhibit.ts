/**
 * Root-cause inhibition: while a source alert fires, target alerts with equal labels are explained by
 * it (Alertmanager's inhibit rules, with one difference: explained alerts are not dropped but listed
 * under their root in its notification). Chains resolve to the top root.
 */
import { matchesAll } from './matchers.js';
import type { InhibitRule } from './policy.js';

export interface Inhibitable {
  fingerprint: string;
  labels: Record<string, string>;
}

export class Inhibitor {
  constructor(readonly rules: readonly InhibitRule[]) {}

  /** The root of every firing alert that something explains (alerts absent from the map are roots). */
  roots<A extends Inhibitable>(firing: readonly A[]): Map<A, A> {
    const sources = this.sourcesByRule(firing);
    const out = new Map<A, A>();
    for (const a of firing) {
      const root = this.rootOf(a, sources);
      if (root !== a) out.set(a, root);
    }
    return out;
  }

  /** Follows "explained by" up to the top root; a cycle stops at the alert itself. */
  private rootOf<A extends Inhibitable>(a: A, sources: readonly A[][]): A {
    let cur = a;
    const seen = new Set<string>([a.fingerprint]);
    for (;;) {
      const by = this.explainer(cur, sources);
      if (by === undefined || seen.has(by.fingerprint)) return cur;
      seen.add(by.fingerprint);
      cur = by;
    }
  }

  /**
   * Per inhibition rule, the firing alerts that match its source: computed once per tick, so
   * finding what explains each alert costs the (few) possible roots, not every firing alert.
   */
  private sourcesByRule<A extends Inhibitable>(firing: readonly A[]): A[][] {
    return this.rules.map((r) => firing.filter((a) => matchesAll(r.source, a.labels)));
  }

  private explainer<A extends Inhibitable>(target: A, sources: readonly A[][]): A | undefined {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      const srcs = sources[i];
      if (r === undefined || srcs === undefined || srcs.length === 0 || !matchesAll(r.target, target.labels))
        continue;
      for (const src of srcs) {
        if (src === target) continue;
        if (r.equal.every((l) => (src.labels[l] ?? '') === (target.labels[l] ?? ''))) return src;
      }
    }
    return undefined;
  }
}
