import { describe, expect, it } from "vitest";
import { parseDataset } from "./dataset";
import { defaultState, formatState, parseState, toViewConfiguration } from "./urlstate";

const info = parseDataset({
  organization: "lab",
  name: "cells",
  voxelSize: [11, 11, 24],
  viewConfiguration: { zoom: 2, layers: { em: { color: [255, 0, 0], alpha: 80, isInverted: true } } },
  layers: [
    { name: "em", category: "color", elementClass: "uint8", boundingBox: { topLeft: [0, 0, 0], width: 512, height: 256, depth: 100 }, mags: [{ mag: [1, 1, 1], path: "./em/1" }] },
    { name: "raw16", category: "color", elementClass: "uint16", boundingBox: { topLeft: [0, 0, 0], width: 512, height: 256, depth: 100 }, mags: [{ mag: [1, 1, 1] }] },
    { name: "seg", category: "segmentation", elementClass: "uint64", boundingBox: { topLeft: [0, 0, 0], width: 512, height: 256, depth: 100 }, mags: [{ mag: [1, 1, 1] }] },
  ],
});

describe("URL state", () => {
  it("starts from the dataset's view configuration, completed by defaults", () => {
    const state = defaultState(info);
    expect(state.position).toEqual([256, 128, 50]);
    expect(state.zoom).toBe(2);
    expect(state.layers.em).toMatchObject({ kind: "color", color: [255, 0, 0], opacity: 80, inverted: true, range: [0, 255] });
    expect(state.layers.raw16).toMatchObject({ kind: "color", range: null, visible: true });
    expect(state.layers.seg).toMatchObject({ kind: "segmentation", selected: "0", onlySelected: false });
    expect(info.layers[0].mags[0].path).toBe("em/1");
    expect(info.layers[1].mags[0].path).toBe("raw16/1");
  });

  it("round-trips through the hash", () => {
    const base = defaultState(info);
    const state = {
      ...base,
      position: [10.5, 20, 30] as [number, number, number],
      zoom: 0.25,
      layout: "xz" as const,
      interpolation: "linear" as const,
      layers: {
        ...base.layers,
        raw16: { kind: "color" as const, visible: false, color: [0, 255, 0] as [number, number, number], opacity: 50, range: [-1.5, 3000] as [number, number], inverted: false },
        seg: { kind: "segmentation" as const, visible: true, opacity: 30, selected: "18446744073709551615", onlySelected: true },
      },
    };
    const hash = formatState(state);
    expect(hash).toMatch(/^#pos=10.5,20,30&zoom=0.25&layout=xz/);
    expect(parseState(hash, base)).toEqual(state);
  });

  it("ignores malformed parts and keeps the defaults for them", () => {
    const base = defaultState(info);
    const state = parseState("#pos=1,x,3&zoom=-2&layout=cube&interp=cubic&l.em=2~zzz~abc~9_1~5&l.nope=1", base);
    expect(state).toEqual(base);
    expect(parseState("l.em=0", base).layers.em.visible).toBe(false);
    // segment ids: uint64 kept exactly (no double rounding), anything else ignored
    const seg = (hash: string) => (parseState(hash, base).layers.seg as { selected: string }).selected;
    expect(seg("l.seg=1~40~9007199254740993~0")).toBe("9007199254740993");
    expect(seg("l.seg=1~40~0018~0")).toBe("18");
    for (const bad of ["18446744073709551616", "1e3", "-4", "12.5", "0x10"]) expect(seg(`l.seg=1~40~${bad}~0`)).toBe("0");
  });

  it("becomes a view configuration the server accepts", () => {
    const config = toViewConfiguration({ ...defaultState(info), position: [1.7, 2.2, 3.9] });
    expect(config).toMatchObject({ position: [1, 2, 3], zoom: 2, interpolation: false });
    expect((config.layers as any).em).toEqual({ alpha: 80, isDisabled: false, color: [255, 0, 0], isInverted: true, intensityRange: [0, 255] });
    expect((config.layers as any).seg).toEqual({ alpha: 40, isDisabled: false });
  });
});
