/**
 * Time series derived from sample-carrying events (collectors' `sys.sample`, `net.iface.sample`,
 * `net.ip.sample`; probe timings), so trends exist in the store without a second pipeline and
 * survive event retention through downsampling. Names follow EVENTS.md's `pptpmon_` convention;
 * labels never carry user names or client IPs (cardinality, and privacy).
 */
import type { Event } from '../events/index.js';
import type { Sample } from './types.js';

export function samplesFromEvent(ev: Event): Sample[] {
  const at = (metric: string, value: number, labels: Record<string, string> = {}): Sample => ({
    metric,
    labels: { host: ev.host, ...labels },
    ts: ev.ts,
    value,
  });
  switch (ev.kind) {
    case 'sys.sample':
      return [
        at('pptpmon_cpu_percent', ev.attrs.cpuPct),
        at('pptpmon_memory_percent', ev.attrs.memPct),
        at('pptpmon_disk_percent', ev.attrs.diskPct),
        at('pptpmon_load1', ev.attrs.load1),
      ].filter((s) => Number.isFinite(s.value));
    case 'net.iface.sample': {
      const l = { iface: ev.attrs.iface };
      return [
        at('pptpmon_iface_rx_bytes', ev.attrs.rxBytes, l),
        at('pptpmon_iface_tx_bytes', ev.attrs.txBytes, l),
        at('pptpmon_iface_rx_errors', ev.attrs.rxErrors, l),
        at('pptpmon_iface_tx_errors', ev.attrs.txErrors, l),
        at('pptpmon_iface_rx_dropped', ev.attrs.rxDropped, l),
        at('pptpmon_iface_tx_dropped', ev.attrs.txDropped, l),
      ].filter((s) => Number.isFinite(s.value));
    }
    case 'net.ip.sample':
      return [
        at('pptpmon_ip_frag_creates', ev.attrs.fragCreates),
        at('pptpmon_ip_frag_fails', ev.attrs.fragFails),
        at('pptpmon_ip_reasm_fails', ev.attrs.reasmFails),
        at('pptpmon_ip_reasm_oks', ev.attrs.reasmOks),
      ].filter((s) => Number.isFinite(s.value));
    case 'probe.tcp':
    case 'probe.control':
    case 'probe.gre':
    case 'probe.mtu':
    case 'probe.login':
    case 'probe.radius':
    case 'probe.ldap': {
      const l = { check: ev.kind.slice('probe.'.length), target: ev.attrs.target, vantage: ev.attrs.vantage };
      const out = [at('pptpmon_probe_up', ev.attrs.ok ? 1 : 0, l)];
      if (Number.isFinite(ev.attrs.ms)) out.push(at('pptpmon_probe_duration_ms', ev.attrs.ms, l));
      if (ev.kind === 'probe.login') {
        if (ev.attrs.rttMs !== undefined && Number.isFinite(ev.attrs.rttMs))
          out.push(at('pptpmon_probe_rtt_ms', ev.attrs.rttMs, l));
        if (ev.attrs.lossPct !== undefined && Number.isFinite(ev.attrs.lossPct))
          out.push(at('pptpmon_probe_loss_percent', ev.attrs.lossPct, l));
      }
      return out;
    }
    default:
      return [];
  }
}
