import { describe, expect, it } from "vitest";
import { fromRows, toRows } from "./metadata";

describe("metadata rows", () => {
  it("round-trips every type", () => {
    const entries = [
      { key: "sample", type: "string" as const, value: "A1" },
      { key: "age", type: "number" as const, value: 4.5 },
      { key: "stains", type: "string[]" as const, value: ["DAPI", "GFP"] },
    ];
    expect(fromRows(toRows(entries))).toEqual({ entries });
  });
  it("drops empty rows and trims keys", () => {
    expect(fromRows([{ key: "", type: "string", text: "" }, { key: " k ", type: "string", text: "v" }]))
      .toEqual({ entries: [{ key: "k", type: "string", value: "v" }] });
  });
  it("refuses a number that is not one, a missing key and a repeated key", () => {
    expect(fromRows([{ key: "n", type: "number", text: "five" }])).toHaveProperty("problem");
    expect(fromRows([{ key: "n", type: "number", text: "" }])).toHaveProperty("problem");
    expect(fromRows([{ key: "", type: "string", text: "orphan" }])).toHaveProperty("problem");
    expect(fromRows([{ key: "a", type: "string", text: "1" }, { key: "a", type: "string", text: "2" }]))
      .toHaveProperty("problem");
  });
});
