/** Types of the `snappyjs` package (snappy block format), which ships none. */
declare module 'snappyjs' {
  /** Decodes a snappy block; throws for corrupt input or a decoded length above `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  /** Encodes `uncompressed` as one snappy block. */
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
