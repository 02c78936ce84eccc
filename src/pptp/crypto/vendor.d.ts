// Types for the two small pure-JS crypto packages (they ship none); only what primitives.ts uses.
declare module 'js-md4' {
  interface Md4 {
    arrayBuffer(message: Uint8Array | ArrayBuffer | string): ArrayBuffer;
    hex(message: Uint8Array | ArrayBuffer | string): string;
  }
  const md4: Md4;
  export default md4;
}

declare module 'des.js' {
  interface DesCipher {
    update(data: number[]): number[];
    final(): number[];
  }
  const des: {
    DES: { create(options: { type: 'encrypt' | 'decrypt'; key: number[]; padding?: boolean }): DesCipher };
  };
  export default des;
}
