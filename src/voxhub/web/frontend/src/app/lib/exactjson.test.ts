import { describe, expect, it } from "vitest";
import { exactJsonText, isUint64Digits, parseExactJson, uint64Digits } from "./exactjson";

const MAX = "18446744073709551615"; // 2^64 - 1
const ABOVE_DOUBLES = "9007199254740993"; // 2^53 + 1: JSON.parse reads 9007199254740992

const read = (value: string) => (parseExactJson(`{"largestSegmentId": ${value}}`) as { largestSegmentId: unknown })
  .largestSegmentId;

describe("parseExactJson", () => {
  it("keeps whole numbers of the uint64 fields as their exact digits", () => {
    expect(String(JSON.parse(`{"a": ${ABOVE_DOUBLES}}`).a)).toBe("9007199254740992"); // the bug
    expect(read(ABOVE_DOUBLES)).toBe(ABOVE_DOUBLES);
    expect(read(MAX)).toBe(MAX);
    expect(read("0")).toBe("0");
    expect(read("null")).toBeNull();
    expect(parseExactJson(`{"largestSegmentId":${MAX}}`)).toEqual({ largestSegmentId: MAX });
    expect(parseExactJson(`{"largestSegmentId"\n :\t${MAX}\n}`)).toEqual({ largestSegmentId: MAX });
  });

  it("leaves a value that is not plain digits a number (the digits must end the value)", () => {
    expect(read("1e3")).toBe(1000);
    expect(read("12.5")).toBe(12.5);
    expect(read("-1")).toBe(-1);
    expect(read("1E400")).toBe(Infinity);
    expect(read(`${MAX}e5`)).toBe(Number(`${MAX}e5`));
    expect(read("5.0")).toBe(5);
    expect(() => parseExactJson(`{"largestSegmentId": 12abc}`)).toThrow(SyntaxError);
  });

  it("reads nested fields, arrays of layers, and no other field", () => {
    const text = `{"layers": [{"name": "a", "largestSegmentId": ${MAX}}, {"name": "b", "largestSegmentId": 7}],` +
      ` "nested": {"deeper": {"largestSegmentId": ${ABOVE_DOUBLES}}}, "size": 9007199254740993}`;
    expect(parseExactJson(text)).toEqual({
      layers: [{ name: "a", largestSegmentId: MAX }, { name: "b", largestSegmentId: "7" }],
      nested: { deeper: { largestSegmentId: ABOVE_DOUBLES } },
      size: 9007199254740992,
    });
  });

  it("leaves strings that contain the field's name alone", () => {
    const text = String.raw`{"description": "\"largestSegmentId\": 12345678901234567890, ok",` +
      String.raw` "note": "largestSegmentId", "tricky": "ends with a backslash \\", "largestSegmentId": 3}`;
    expect(parseExactJson(text)).toEqual({
      description: '"largestSegmentId": 12345678901234567890, ok',
      note: "largestSegmentId",
      tricky: "ends with a backslash \\",
      largestSegmentId: "3",
    });
  });

  it("takes other field names when asked", () => {
    expect(parseExactJson(`{"id": ${MAX}, "largestSegmentId": 1}`, ["id"])).toEqual({ id: MAX, largestSegmentId: 1 });
  });
});

describe("exactJsonText", () => {
  it("writes the digits back as a JSON number, at any depth and indent", () => {
    const doc = { layers: [{ name: "seg", largestSegmentId: MAX }], nested: { largestSegmentId: ABOVE_DOUBLES } };
    expect(exactJsonText(doc)).toBe(
      `{"layers":[{"name":"seg","largestSegmentId":${MAX}}],"nested":{"largestSegmentId":${ABOVE_DOUBLES}}}`,
    );
    expect(exactJsonText(doc, 2)).toContain(`"largestSegmentId": ${MAX}\n`);
    expect(parseExactJson(exactJsonText(doc, 2))).toEqual(doc);
  });

  it("drops leading zeros (not JSON), keeps numbers, null and other strings as they are", () => {
    expect(exactJsonText({ largestSegmentId: "007" })).toBe('{"largestSegmentId":7}');
    expect(exactJsonText({ largestSegmentId: 12 })).toBe('{"largestSegmentId":12}');
    expect(exactJsonText({ largestSegmentId: null })).toBe('{"largestSegmentId":null}');
    expect(exactJsonText({ largestSegmentId: "-1" })).toBe('{"largestSegmentId":"-1"}');
    expect(exactJsonText({ largestSegmentId: "1e3" })).toBe('{"largestSegmentId":"1e3"}');
    expect(exactJsonText({ other: "5", text: '"largestSegmentId":"5"' }))
      .toBe(String.raw`{"other":"5","text":"\"largestSegmentId\":\"5\""}`);
  });
});

describe("uint64 checks", () => {
  it("accepts 0 to 2^64 - 1 as digits, or a safe whole number", () => {
    expect(["0", "7", ABOVE_DOUBLES, MAX].map(isUint64Digits)).toEqual([true, true, true, true]);
    expect(["18446744073709551616", "-1", "1e3", "", " 5", "1.5", "123456789012345678901"].map(isUint64Digits))
      .toEqual([false, false, false, false, false, false, false]);
    expect([MAX, "007", 0, 1000, 2 ** 53 - 1].map(uint64Digits)).toEqual([MAX, "7", "0", "1000", "9007199254740991"]);
    expect([2 ** 53, 1e19, 12.5, -1, Infinity, NaN, "x", null, true].map(uint64Digits))
      .toEqual([null, null, null, null, null, null, null, null, null]);
  });
});
