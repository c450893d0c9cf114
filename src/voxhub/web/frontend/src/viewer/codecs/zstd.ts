/**
 * Zstandard frames, decoded by zstddec (zstd's own decoder built to WebAssembly: 54 KB,
 * where numcodecs' Blosc build is 615 KB of JavaScript). Measured against the pure-JS
 * fzstd on the viewer's chunks: about twice as fast to decode, and its start-up (a small
 * module to compile) is paid once per worker (docs/viewer.md).
 */
import { ZSTDDecoder } from "zstddec";
import type { ZstdFrameDecoder } from "./blosc";

let loading: Promise<ZstdFrameDecoder> | null = null;

/** The decoder, compiled once per thread (start it early: `chunkworker.ts`). */
export function loadZstd(): Promise<ZstdFrameDecoder> {
  if (!loading) {
    const decoder = new ZSTDDecoder();
    loading = decoder.init().then(() => (src: Uint8Array, size: number) => {
      // zstddec returns fewer bytes than asked (none on an error code): the caller
      // compares the length with what the frame must decode to.
      return decoder.decode(src, size);
    });
    loading.catch(() => (loading = null));
  }
  return loading;
}

const MAGIC = 0xfd2fb528;

/**
 * The decoded size a single Zstandard frame declares in its header, or null when it
 * declares none (then the frame is left to another decoder, which can grow its output).
 */
export function frameContentSize(src: Uint8Array): number | null {
  if (src.length < 6) return null;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const descriptor = src[4];
  const sizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor >>> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
  if (sizeBytes === 0 || at + sizeBytes > src.length) return null;
  if (sizeBytes === 1) return src[at];
  if (sizeBytes === 2) return view.getUint16(at, true) + 256;
  if (sizeBytes === 4) return view.getUint32(at, true);
  const size = Number(view.getBigUint64(at, true));
  return Number.isSafeInteger(size) ? size : null;
}
