/**
 * The one way the app talks to the server: typed by the OpenAPI schema, errors as readable text.
 *
 * Paths are the schema's own templates (`"/api/v1/datasets/{organization}/{name}"`), so a
 * route renamed or removed on the server fails `tsc`, not the user. Every failure becomes an
 * {@link ApiError} whose `message` is a sentence for people: the server's `{error, detail}`
 * body when it sent one, otherwise a description of what went wrong — never raw JSON or a
 * stack trace. Writes made with the session cookie carry the CSRF token the server set in
 * the readable `voxhub_csrf` cookie, in the `X-CSRF-Token` header it checks.
 *
 * uint64 fields (`largestSegmentId`) are exact both ways: answers are read with their digits
 * as strings (the types say so: {@link Exact}), and such strings in `json` are sent as JSON
 * numbers with the same digits.
 */
import { type Exact, exactJsonText, parseExactJson } from "../lib/exactjson";
import type { paths } from "./schema";

export const CSRF_COOKIE = "voxhub_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = paths[P][M] extends infer O
  ? O extends { responses: unknown }
    ? O
    : never
  : never;

type JsonBody<R> = R extends { content: { "application/json": infer T } } ? T : undefined;
/**
 * What a successful call returns: the JSON of its 200/201/202 answer (uint64 fields as
 * digits), `undefined` for 204.
 */
export type Result<P extends keyof paths, M extends Method> =
  Operation<P, M>["responses"] extends infer R
    ? R extends { 200: infer Ok }
      ? Exact<JsonBody<Ok>>
      : R extends { 201: infer Created }
        ? Exact<JsonBody<Created>>
        : R extends { 202: infer Accepted }
          ? Exact<JsonBody<Accepted>>
          : undefined
    : never;

type Params<O> = O extends { parameters: infer P } ? P : never;
type PathParams<O> = Params<O> extends { path?: infer X } ? X : never;
type QueryParams<O> = Params<O> extends { query?: infer X } ? X : never;
type RequestJson<O> = O extends { requestBody?: { content: { "application/json": infer B } } }
  ? B
  : never;

export interface CallOptions<O> {
  path?: PathParams<O>;
  query?: QueryParams<O>;
  json?: RequestJson<O>;
  /** A raw body (a file, a FormData) instead of `json`. */
  body?: BodyInit;
  /** JSON already written as text, sent as `application/json` (exact uint64 digits). */
  jsonText?: string;
  /** Reads the answer's JSON text (default: {@link parseExactJson}, uint64 digits exact). */
  parse?: (text: string) => unknown;
  signal?: AbortSignal;
}

/** A refused or failed request: `status` (0 when the network failed), `code`, readable `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "The request was not accepted.",
  401: "Please log in.",
  403: "You are not allowed to do this.",
  404: "Not found (or you may not see it).",
  409: "This conflicts with the current state; reload and try again.",
  413: "That is too large for the server.",
  422: "Some of the values are not valid.",
  429: "Too many attempts; wait a little and try again.",
};

/** One readable line from a validation error list (FastAPI's `detail: [{loc, msg}]`). */
function validationText(detail: unknown[]): string {
  return detail
    .map((item) => {
      if (item && typeof item === "object" && "msg" in item) {
        const loc = (item as { loc?: unknown[] }).loc ?? [];
        const field = loc.filter((p) => p !== "body" && p !== "query" && p !== "path").join(".");
        return field ? `${field}: ${(item as { msg: string }).msg}` : (item as { msg: string }).msg;
      }
      return String(item);
    })
    .join("; ");
}

/** The error a response body stands for; exported for tests. */
export function errorFrom(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const { error, detail } = body as { error?: unknown; detail?: unknown };
    const code = typeof error === "string" ? error : `http_${status}`;
    if (typeof detail === "string" && detail.trim()) {
      const text = detail.trim();
      return new ApiError(status, code, text.charAt(0).toUpperCase() + text.slice(1));
    }
    if (Array.isArray(detail) && detail.length) {
      return new ApiError(status, code, validationText(detail));
    }
    return new ApiError(status, code, STATUS_TEXT[status] ?? `The server answered ${status}.`);
  }
  const fallback = status >= 500 ? "The server failed; try again later." : STATUS_TEXT[status];
  return new ApiError(status, `http_${status}`, fallback ?? `The server answered ${status}.`);
}

/** A readable message from anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof DOMException && error.name === "AbortError") return "Cancelled.";
  return "Something went wrong; try again.";
}

/** `/a/{b}/c` with `{b: "x y"}` → `/a/x%20y/c`. */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in params)) throw new Error(`missing path parameter ${key}`);
    return encodeURIComponent(String(params[key]));
  });
}

/** `?a=1&t=x&t=y` from an object; lists repeat their key, undefined and null are left out. */
export function queryString(query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The value of a cookie of `document.cookie`-style text. */
export function cookieValue(cookies: string, name: string): string | null {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export interface Transport {
  fetch: typeof fetch;
  cookies: () => string;
}

const browser: Transport = {
  fetch: (...args) => fetch(...args),
  cookies: () => (typeof document === "undefined" ? "" : document.cookie),
};

/** Headers for a request: CSRF on every write (the server ignores it for token callers). */
export function requestHeaders(method: string, cookies: string, json: boolean): Headers {
  const headers = new Headers({ Accept: "application/json" });
  if (json) headers.set("Content-Type", "application/json");
  if (method !== "GET" && method !== "HEAD") {
    const csrf = cookieValue(cookies, CSRF_COOKIE);
    if (csrf) headers.set(CSRF_HEADER, csrf);
  }
  return headers;
}

/** Send a request to any URL and turn failures into {@link ApiError}. */
export async function send(
  method: string,
  url: string,
  init: { json?: unknown; jsonText?: string; body?: BodyInit; signal?: AbortSignal } = {},
  transport: Transport = browser,
): Promise<Response> {
  const hasJson = init.json !== undefined || init.jsonText !== undefined;
  let response: Response;
  try {
    response = await transport.fetch(url, {
      method,
      headers: requestHeaders(method, transport.cookies(), hasJson),
      body: init.jsonText ?? (hasJson ? exactJsonText(init.json) : init.body),
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Cannot reach the server; check the connection.");
  }
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw errorFrom(response.status, body);
  }
  return response;
}

/** Call a route of the schema; resolves to its JSON (undefined for an empty answer). */
export async function call<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  options: CallOptions<Operation<P, M>> = {},
  transport: Transport = browser,
): Promise<Result<P, M>> {
  const url =
    fillPath(path as string, (options.path ?? {}) as Record<string, unknown>) +
    queryString((options.query ?? {}) as Record<string, unknown>);
  const response = await send(
    method.toUpperCase(),
    url,
    { json: options.json, jsonText: options.jsonText, body: options.body, signal: options.signal },
    transport,
  );
  if (response.status === 204) return undefined as Result<P, M>;
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) return undefined as Result<P, M>;
  return (options.parse ?? parseExactJson)(await response.text()) as Result<P, M>;
}
