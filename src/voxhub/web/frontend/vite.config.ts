import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// The app is served by `voxhub serve` under /ui; the build lands next to the Python
// package (src/voxhub/web/dist) so the installed package can serve it.
export default defineConfig({
  base: "/ui/",
  plugins: [preact()],
  // The viewer's decoding workers import zarrita's codecs lazily: ES module workers.
  worker: { format: "es" },
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    sourcemap: true,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
