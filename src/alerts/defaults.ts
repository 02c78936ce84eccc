/**
 * Root-cause inhibition out of the box, for the default rule pack (src/rules/defaults.yaml). Each
 * entry: while a `source` alert fires, `target` alerts with equal labels are explained by it - not
 * notified on their own, but listed under it in its notification. Chains resolve to the top: host
 * down explains pptpd down, which explains the session drops, so all of it is one notification.
 */
import { parseMatcher } from './matchers.js';
import type { InhibitRule } from './policy.js';

function rule(source: string[], target: string[], equal: string[] = ['host']): InhibitRule {
  return { source: source.map(parseMatcher), target: target.map(parseMatcher), equal };
}

const PPTPD_EXPLAINS =
  'pppd-orphans|session-drop|tcp-1723-down|login-probe-fail|probes-silent|sessions-anomaly|lcp-timeouts|connection-limit|pppd-crash';

export const DEFAULT_INHIBIT_RULES: readonly InhibitRule[] = [
  // The host (or its agent) is gone: everything else on it follows from that.
  rule(['alertname="host-down"'], ['alertname!="host-down"']),
  // pptpd down: the process collector saw it; crash and restart storms are the same fact seen in logs.
  rule(['alertname="pptpd-down"'], [`alertname=~"pptpd-crash|pptpd-restart-storm|${PPTPD_EXPLAINS}"`]),
  rule(['alertname="pptpd-crash"'], [`alertname=~"pptpd-restart-storm|${PPTPD_EXPLAINS}"`]),
  rule(['alertname="pptpd-restart-storm"'], [`alertname=~"${PPTPD_EXPLAINS}"`]),
  // Port 1723 closed explains the login and GRE probes of the same target failing.
  rule(
    ['alertname="tcp-1723-down"'],
    ['alertname=~"login-probe-fail|gre-blocked|probes-silent"'],
    ['host', 'target'],
  ),
  // GRE blocked: logins die in LCP.
  rule(['alertname="gre-blocked"'], ['alertname=~"lcp-timeouts|login-probe-fail|session-drop"']),
  // RADIUS down: logins fail with backend timeouts, which looks like an auth-failure spike.
  rule(
    ['alertname=~"radius-down|radius-timeouts"'],
    ['alertname=~"auth-fail-per-peer|auth-fail-per-user|login-probe-fail|radius-latency"'],
  ),
  rule(['alertname="radius-down"'], ['alertname="radius-timeouts"']),
];
