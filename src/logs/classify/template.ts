/**
 * Templates for unknown lines: numbers, IPs, hex and quoted strings masked, so that the top-10 of
 * unclassified messages groups variants of one message together ("we miss this one, 1234 times").
 */
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
const IPV6 = /\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi;
const HEX = /\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b/gi;
const NUM = /\d+/g;
const QUOTED = /"[^"]*"/g;

export function messageTemplate(message: string): string {
  const m = message.length > 300 ? message.slice(0, 300) : message;
  return m
    .replace(QUOTED, '"<s>"')
    .replace(IPV4, '<ip>')
    .replace(IPV6, (x) => (x.includes('::') || /[a-f]/i.test(x) ? '<ip6>' : x))
    .replace(HEX, '<hex>')
    .replace(NUM, '<n>');
}
