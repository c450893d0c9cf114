/**
 * JSON with uint64 fields kept exact. A segmentation's `largestSegmentId` is a uint64: above
 * 2^53 a JavaScript number cannot hold it (`JSON.parse` reads 18446744073709551614 as
 * 18446744073709551616). {@link parseExactJson} reads the named fields' whole numbers as
 * their decimal digits (a string); {@link exactJsonText} writes such strings back as JSON
 * numbers with the same digits. The app's API client, the properties editors and the viewer
 * all read and write through here.
 *
 * Only a key can be followed by `:` in JSON, and a quote inside a string is always escaped,
 * so `"largestSegmentId":` in the text is always the field, never a string's content.
 * A value is taken as digits only when the digits end the value (`,`, `}`, `]` or
 * whitespace follow): `1e3`, `12.5` and `-1` stay numbers, for the caller to refuse.
 */

/** The fields that hold uint64 values in the API's JSON. */
export const UINT64_FIELDS = ["largestSegmentId"] as const;
export type Uint64Field = (typeof UINT64_FIELDS)[number];

export const UINT64_MAX = 18446744073709551615n;

/** A JSON type with each uint64 field (at any depth) held as its decimal digits. */
export type Exact<T> = T extends readonly (infer U)[]
  ? Exact<U>[]
  : T extends object
    ? { [K in keyof T]: K extends Uint64Field ? Exclude<T[K], number> | string : Exact<T[K]> }
    : T;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const keys = (fields: readonly string[]) => fields.map(escape).join("|");

function numberPattern(fields: readonly string[]): RegExp {
  return new RegExp(`("(?:${keys(fields)})"\\s*:\\s*)(\\d+)(?=[\\s,}\\]])`, "g");
}

function digitsPattern(fields: readonly string[]): RegExp {
  return new RegExp(`("(?:${keys(fields)})"\\s*:\\s*)"(\\d+)"`, "g");
}

const NUMBERS = numberPattern(UINT64_FIELDS);
const DIGITS = digitsPattern(UINT64_FIELDS);

/** Whether `digits` is a uint64 in decimal: 1 to 20 digits, at most 2^64 - 1. */
export function isUint64Digits(digits: string): boolean {
  return /^\d{1,20}$/.test(digits) && BigInt(digits) <= UINT64_MAX;
}

/**
 * `value` as a uint64's canonical digits, or null when it is none: a string of digits up to
 * 2^64 - 1, or a number that is a safe whole number ≥ 0 (`1e3` is exactly 1000; 1e19, 12.5
 * and -1 are not uint64 ids a double holds exactly).
 */
export function uint64Digits(value: unknown): string | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value !== "string" || !isUint64Digits(value)) return null;
  return BigInt(value).toString();
}

/** `JSON.parse` with each uint64 field's whole number read as its exact digits (a string). */
export function parseExactJson(text: string, fields: readonly string[] = UINT64_FIELDS): unknown {
  const pattern = fields === UINT64_FIELDS ? NUMBERS : numberPattern(fields);
  return JSON.parse(text.replace(pattern, '$1"$2"'));
}

/**
 * `JSON.stringify` with each uint64 field held as digits written as a JSON number with
 * those digits (leading zeros dropped: `007` is not JSON). Other strings stay strings.
 */
export function exactJsonText(value: unknown, indent?: number, fields: readonly string[] = UINT64_FIELDS): string {
  const pattern = fields === UINT64_FIELDS ? DIGITS : digitsPattern(fields);
  return JSON.stringify(value, null, indent).replace(pattern, (_, key: string, digits: string) =>
    key + BigInt(digits).toString());
}
