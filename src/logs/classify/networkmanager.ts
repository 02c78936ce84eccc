/**
 * NetworkManager-pptp client logs. The pppd it starts logs as pppd (with the plugin
 * nm-pptp-pppd-plugin.so: see pppd.ts); here are the service's own lines (nm-pptp-service.c:
 * "pppd started with pid %d", "pppd pid %d exited with error: %s", "pppd pid %d died with signal %d")
 * and NetworkManager's VPN state lines ("VPN plugin: failed: ...", "VPN connection: failed ...").
 * NetworkManager logs much that is not VPN: those lines are known noise, not "unclassified".
 */
import { draft, KNOWN, type Classifier, type Match } from './types.js';

export function classifyNmPptp(m: string): Match | undefined {
  if (m.includes('exited with error') || m.includes('died with signal') || m.includes('died with unknown'))
    return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
  if (m.includes('pppd started with pid') || m.includes('<info>') || m.includes('<debug>')) return KNOWN;
  return undefined;
}

export function classifyNetworkManager(m: string): Match | undefined {
  if (!m.includes('vpn') && !m.includes('VPN')) return KNOWN;
  if (
    /VPN (?:plugin|connection)[^:]*: (?:\([^)]*\) )?failed|VPN plugin: failed|Failed to connect|connect-failed|login-failed/.test(
      m,
    )
  )
    return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
  return KNOWN;
}

export const nmPptp: Classifier = {
  name: 'nm-pptp',
  programs: ['nm-pptp-service', 'nm-pptp-ppp-plugin', 'nm-pptp-pppd-plugin'],
  classify: (message) => classifyNmPptp(message),
};

export const networkManager: Classifier = {
  name: 'networkmanager',
  programs: ['NetworkManager', 'networkmanager'],
  classify: (message) => classifyNetworkManager(message),
};
