/**
 * IPCP (RFC 1332, DNS options RFC 1877) client policy: ask for 0.0.0.0 and take the address the server
 * Naks with (pppd: `rcvd [IPCP ConfNak id=0x2 <addr 192.168.213.10>]`), ack the server's own address,
 * reject VJ compression (we do not implement it) and anything unknown. DNS (129/131) is asked for only
 * when configured; a server that rejects it is fine.
 */
import type { CpOption } from './cp.js';
import type { OptionPolicy, Verdict } from './fsm.js';

export const IPCP_OPT = { COMPRESSION: 2, ADDRESS: 3, DNS1: 129, NBNS1: 130, DNS2: 131, NBNS2: 132 } as const;

export function ipToString(b: Buffer): string {
  return `${b.readUInt8(0)}.${b.readUInt8(1)}.${b.readUInt8(2)}.${b.readUInt8(3)}`;
}

export class IpcpPolicy implements OptionPolicy {
  local = Buffer.alloc(4);
  remote: Buffer | undefined;
  dns1: Buffer | undefined;
  dns2: Buffer | undefined;
  private askDns: boolean;

  constructor(askDns: boolean) {
    this.askDns = askDns;
    if (askDns) {
      this.dns1 = Buffer.alloc(4);
      this.dns2 = Buffer.alloc(4);
    }
  }

  ours(): CpOption[] {
    const o: CpOption[] = [{ type: IPCP_OPT.ADDRESS, data: this.local }];
    if (this.askDns && this.dns1) o.push({ type: IPCP_OPT.DNS1, data: this.dns1 });
    if (this.askDns && this.dns2) o.push({ type: IPCP_OPT.DNS2, data: this.dns2 });
    return o;
  }

  judge(opt: CpOption): Verdict {
    if (opt.type === IPCP_OPT.ADDRESS && opt.data.length === 4) {
      // A server that asks us to assign its address (0.0.0.0) cannot be served: we have no pool.
      return opt.data.readUInt32BE(0) === 0 ? { verdict: 'reject' } : { verdict: 'ack' };
    }
    return { verdict: 'reject' };
  }

  onNak(opt: CpOption): boolean {
    if (opt.data.length !== 4) return true;
    if (opt.type === IPCP_OPT.ADDRESS) this.local = Buffer.from(opt.data);
    else if (opt.type === IPCP_OPT.DNS1) this.dns1 = Buffer.from(opt.data);
    else if (opt.type === IPCP_OPT.DNS2) this.dns2 = Buffer.from(opt.data);
    return true;
  }

  onReject(opt: CpOption): boolean {
    if (opt.type === IPCP_OPT.DNS1) this.dns1 = undefined;
    else if (opt.type === IPCP_OPT.DNS2) this.dns2 = undefined;
    // Without an address option the server gives no address: that is an IP configuration failure.
    return opt.type !== IPCP_OPT.ADDRESS;
  }

  onPeerAcked(opts: CpOption[]): void {
    for (const o of opts) if (o.type === IPCP_OPT.ADDRESS) this.remote = Buffer.from(o.data);
  }
}
