import { describe, expect, it } from "vitest";
import { SpeedMeter, cleanRelativePath, planFile, totalChunks, uploadKey } from "./plan";

describe("planFile", () => {
  it("gives the remainder to the last chunk, as the server expects", () => {
    const plan = planFile("a.tif", 25, 10);
    expect(plan.totalChunks).toBe(2);
    expect(plan.chunks).toEqual([
      { number: 1, start: 0, end: 10 },
      { number: 2, start: 10, end: 25 },
    ]);
  });
  it("makes one chunk of a small or empty file", () => {
    expect(planFile("s", 3, 10).chunks).toEqual([{ number: 1, start: 0, end: 3 }]);
    expect(planFile("e", 0, 10).chunks).toEqual([{ number: 1, start: 0, end: 0 }]);
  });
  it("covers every byte exactly once", () => {
    for (const size of [1, 9, 10, 11, 19, 20, 21, 99, 100, 101]) {
      const plan = planFile("f", size, 10);
      expect(plan.chunks.length).toBe(totalChunks(size, 10));
      let at = 0;
      for (const chunk of plan.chunks) {
        expect(chunk.start).toBe(at);
        at = chunk.end;
      }
      expect(at).toBe(size);
      const last = plan.chunks[plan.chunks.length - 1];
      if (size >= 10) expect(last.end - last.start).toBeLessThan(20);
    }
  });
});

describe("paths and keys", () => {
  it("cleans relative paths", () => {
    expect(cleanRelativePath("/stack/../a/./b.tif")).toBe("stack/a/b.tif");
    expect(cleanRelativePath("dir\\x.png")).toBe("dir/x.png");
  });
  it("names the same files the same way in any order", () => {
    const a = { relativePath: "a", size: 1 };
    const b = { relativePath: "b", size: 2 };
    expect(uploadKey("n", [a, b])).toBe(uploadKey("n", [b, a]));
    expect(uploadKey("n", [a])).not.toBe(uploadKey("n", [{ ...a, size: 3 }]));
  });
});

describe("SpeedMeter", () => {
  it("measures over the recent window", () => {
    const meter = new SpeedMeter(5000);
    meter.add(1000, 0);
    meter.add(1000, 1000);
    meter.add(1000, 2000);
    expect(meter.speed(2000)).toBe(1500);
    expect(meter.speed(20_000)).toBe(0);
  });
});
