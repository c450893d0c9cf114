import { describe, expect, it } from "vitest";
import type { Dataset } from "../api/types";
import {
  NO_FILTER,
  facets,
  filterQuery,
  listingQuery,
  nextSelection,
  parseFilter,
  parseTags,
} from "./filters";

describe("filters", () => {
  it("round-trips through the URL", () => {
    const filter = { ...NO_FILTER, q: "brain", tags: ["em", "raw"], status: "active", folder: 4 };
    expect(parseFilter(filterQuery(filter))).toEqual(filter);
    expect(filterQuery(NO_FILTER)).toBe("");
    expect(parseFilter("?folder=abc").folder).toBeNull();
  });
  it("becomes listing parameters without empty parts", () => {
    expect(listingQuery({ ...NO_FILTER, q: "  x " })).toEqual({
      q: "x", tags: undefined, status: undefined, organization: undefined, folder: undefined,
      includeSubfolders: undefined,
    });
    expect(listingQuery({ ...NO_FILTER, folder: 2 })).toMatchObject({
      folder: 2, includeSubfolders: true,
    });
  });
  it("counts facets, most frequent first", () => {
    const d = (tags: string[], status: string) =>
      ({ tags, status, organization: "lab" }) as unknown as Dataset;
    const found = facets([d(["a", "b"], "active"), d(["b"], "missing")]);
    expect(found.tags).toEqual([["b", 2], ["a", 1]]);
    expect(found.statuses).toEqual([["active", 1], ["missing", 1]]);
  });
  it("parses typed tags", () => {
    expect(parseTags(" em, raw  em\tlight ")).toEqual(["em", "raw", "light"]);
  });
});

describe("selection", () => {
  const order = ["a", "b", "c", "d"];
  const none = { ctrl: false, shift: false };
  it("plain click selects one", () => {
    expect(nextSelection(order, ["a", "b"], "a", "c", none)).toEqual({
      selected: ["c"], anchor: "c",
    });
  });
  it("ctrl toggles", () => {
    const ctrl = { ctrl: true, shift: false };
    expect(nextSelection(order, ["a"], "a", "c", ctrl).selected).toEqual(["a", "c"]);
    expect(nextSelection(order, ["a", "c"], "a", "a", ctrl).selected).toEqual(["c"]);
  });
  it("shift selects a range from the anchor, either way", () => {
    const shift = { ctrl: false, shift: true };
    expect(nextSelection(order, ["b"], "b", "d", shift).selected).toEqual(["b", "c", "d"]);
    expect(nextSelection(order, ["c"], "c", "a", shift).selected).toEqual(["a", "b", "c"]);
  });
});
