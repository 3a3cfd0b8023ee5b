/** Defaults of the import settings (service.ts), also quoted by the API document. */
export const importLimits = {
  /** IMPORT_MAX_LINE_BYTES: a venue line with a large seat map fits; a runaway line does not. */
  maxLineBytesDefault: 1_048_576,
  /** IMPORT_MAX_BYTES: after decompression; about 1.5 million CSV showtimes. */
  maxBytesDefault: 268_435_456,
  /** Most CSV columns a header may have. */
  maxColumns: 32,
  /** Bytes per stored chunk of an uploaded file (small: each one travels as a hex string twice its size). */
  chunkBytes: 262_144,
} as const;
