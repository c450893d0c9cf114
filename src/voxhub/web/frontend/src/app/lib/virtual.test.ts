import { describe, expect, it } from "vitest";
import { visibleRows } from "./virtual";

describe("visibleRows", () => {
  it("draws only the viewport and a margin of a long table", () => {
    const window = visibleRows(28 * 25_000, 400, 28, 50_000, 10);
    expect(window.first).toBe(24_990);
    expect(window.end - window.first).toBe(Math.ceil(400 / 28) + 20);
    expect(window.padTop + (window.end - window.first) * 28 + window.padBottom).toBe(50_000 * 28);
  });
  it("clamps at both ends", () => {
    expect(visibleRows(0, 400, 28, 5)).toEqual({ first: 0, end: 5, padTop: 0, padBottom: 0 });
    const last = visibleRows(10_000_000, 400, 28, 100, 0);
    expect(last.end).toBe(100);
    expect(visibleRows(0, 400, 28, 0)).toEqual({ first: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
