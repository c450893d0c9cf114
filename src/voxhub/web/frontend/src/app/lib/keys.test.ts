import { describe, expect, it } from "vitest";
import { stepIndex } from "./keys";

describe("stepIndex", () => {
  it("moves one down and up, stopping at the ends", () => {
    expect(stepIndex("ArrowDown", 0, 3)).toBe(1);
    expect(stepIndex("ArrowDown", 2, 3)).toBe(2);
    expect(stepIndex("ArrowUp", 1, 3)).toBe(0);
    expect(stepIndex("ArrowUp", 0, 3)).toBe(0);
  });
  it("jumps to the first and last with Home and End", () => {
    expect(stepIndex("Home", 2, 5)).toBe(0);
    expect(stepIndex("End", 0, 5)).toBe(4);
  });
  it("ignores other keys and empty lists", () => {
    expect(stepIndex("a", 0, 3)).toBeNull();
    expect(stepIndex("Enter", 0, 3)).toBeNull();
    expect(stepIndex("ArrowDown", 0, 0)).toBeNull();
  });
});
