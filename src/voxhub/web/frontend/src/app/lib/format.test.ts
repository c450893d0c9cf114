import { describe, expect, it } from "vitest";
import { formatBox, formatBytes, formatDuration, formatVoxelSize } from "./format";

describe("format", () => {
  it("bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(50 * 1024 * 1024)).toBe("50 MB");
    expect(formatBytes(undefined)).toBe("–");
  });
  it("voxel size", () => {
    expect(formatVoxelSize([11, 11, 24], "nanometer")).toBe("11 × 11 × 24 nm");
    expect(formatVoxelSize([0.1 + 0.2, 1, 1], "micrometer")).toBe("0.3 × 1 × 1 µm");
  });
  it("durations and boxes", () => {
    expect(formatDuration(65)).toBe("1 min 5 s");
    expect(formatBox({ topLeft: [0, 0, 1], width: 5, height: 6, depth: 7 })).toBe(
      "5 × 6 × 7 at (0, 0, 1)",
    );
  });
});
