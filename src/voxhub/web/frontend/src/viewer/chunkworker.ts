/**
 * A decoding worker: fetches and decodes chunks off the main thread, so that Blosc
 * decompression and shard-index parsing never delay a frame. It runs the same
 * `ZarrChunkSource` as the main thread would; the decoded buffer is transferred back
 * (not copied), together with the worker's request counters.
 */
import { ZarrChunkSource } from "./chunksource";
import { loadZstd } from "./codecs/zstd";
import type { ToWorker } from "./workerpool";

// The Zstandard decoder (WebAssembly) compiles while the page still reads the dataset's
// metadata, off the first chunk's path.
void loadZstd().catch(() => undefined);

let source: ZarrChunkSource | null = null;
const running = new Map<number, AbortController>();
const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(message: unknown, transfer?: Transferable[]): void };

scope.onmessage = ({ data: message }) => {
  if (message.type === "open") {
    source = new ZarrChunkSource({ zarrUrl: message.zarrUrl }, message.token, undefined, message.origin);
  } else if (message.type === "metadata" && source) {
    for (const [key, bytes] of message.files) source.store.metadata.set(key, bytes);
  } else if (message.type === "cancel") {
    running.get(message.id)?.abort();
  } else if (message.type === "chunk" && source) {
    const controller = new AbortController();
    running.set(message.id, controller);
    const current = source;
    current.chunkAt(message.path, message.axisOrder, message.coords, controller.signal).then(
      (chunk) => {
        running.delete(message.id);
        const view = chunk.data;
        // A chunk that owns its whole buffer moves; a view into a larger one is copied first.
        const own = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
        const buffer = own ? (view.buffer as ArrayBuffer) : (view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
        const reply = { type: "chunk", id: message.id, ok: true, buffer, kind: view.constructor.name, components: chunk.components, shape: chunk.shape, stats: current.storeStats() };
        scope.postMessage(reply, [buffer]);
      },
      (error: unknown) => {
        running.delete(message.id);
        scope.postMessage({ type: "chunk", id: message.id, ok: false, aborted: controller.signal.aborted, message: String(error), stats: current.storeStats() });
      },
    );
  }
};
