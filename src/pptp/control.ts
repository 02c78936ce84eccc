/**
 * PPTP control protocol (RFC 2637 section 2): the public face of src/pptp/control/. Pure code: message
 * types, code names, encode/decode, the stream framer and builders for the messages a PAC/PNS client
 * sends. The socket-driving client is ctrl-client.ts.
 */
export * from './control/codes.js';
export * from './control/messages.js';
export * from './control/codec.js';
export * from './control/framer.js';
export * from './control/build.js';
