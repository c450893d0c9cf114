import { describe, expect, it } from "vitest";
import {
  ApiError,
  call,
  cookieValue,
  errorFrom,
  fillPath,
  messageOf,
  queryString,
  requestHeaders,
  type Transport,
} from "./client";
import type { Dataset } from "./types";

function answering(status: number, body: unknown, seen: Request[] = []): Transport {
  return {
    cookies: () => "other=1; voxhub_csrf=abc%3D; x=2",
    fetch: async (input, init) => {
      seen.push(new Request(new URL(String(input), "http://hub.test"), init));
      const text = body === undefined ? null : JSON.stringify(body);
      return new Response(status === 204 ? null : text, {
        status,
        headers: { "Content-Type": "application/json" },
      });
    },
  };
}

describe("errors", () => {
  it("uses the server's detail as a sentence", () => {
    const error = errorFrom(404, { error: "not_found", detail: "dataset a/b not found" });
    expect(error.code).toBe("not_found");
    expect(error.message).toBe("Dataset a/b not found");
  });
  it("turns validation lists into field: message text", () => {
    const error = errorFrom(422, {
      detail: [{ loc: ["body", "voxelSize", 0], msg: "Input should be a valid number" }],
    });
    expect(error.message).toBe("voxelSize.0: Input should be a valid number");
  });
  it("never shows raw bodies or stack traces", () => {
    expect(errorFrom(500, null).message).toBe("The server failed; try again later.");
    expect(errorFrom(403, { unexpected: true }).message).toBe("You are not allowed to do this.");
    expect(messageOf(new TypeError("x is undefined"))).toBe("Something went wrong; try again.");
  });
});

describe("urls and headers", () => {
  it("fills and encodes path parameters", () => {
    expect(fillPath("/d/{organization}/{name}", { organization: "lab", name: "a b/c" })).toBe(
      "/d/lab/a%20b%2Fc",
    );
    expect(() => fillPath("/d/{name}", {})).toThrow();
  });
  it("repeats list parameters and skips empty ones", () => {
    expect(queryString({ tags: ["a", "b"], q: "", status: undefined, limit: 5 })).toBe(
      "?tags=a&tags=b&limit=5",
    );
    expect(queryString({})).toBe("");
  });
  it("sends the CSRF cookie's value on writes only", () => {
    expect(cookieValue("a=1; voxhub_csrf=t%3D", "voxhub_csrf")).toBe("t=");
    expect(requestHeaders("POST", "voxhub_csrf=tok", true).get("X-CSRF-Token")).toBe("tok");
    expect(requestHeaders("GET", "voxhub_csrf=tok", false).get("X-CSRF-Token")).toBeNull();
  });
});

describe("call", () => {
  it("returns typed JSON from a schema path", async () => {
    const seen: Request[] = [];
    const dataset = { name: "b", organization: "a" } as Dataset;
    const result = await call(
      "get",
      "/api/v1/datasets/{organization}/{name}",
      { path: { organization: "a", name: "b" } },
      answering(200, dataset, seen),
    );
    expect(result.name).toBe("b");
    expect(new URL(seen[0].url).pathname).toBe("/api/v1/datasets/a/b");
  });
  it("sends JSON with the CSRF header and rejects with a readable ApiError", async () => {
    const seen: Request[] = [];
    const failing = answering(403, { error: "forbidden", detail: "you may not edit it" }, seen);
    const promise = call(
      "patch",
      "/api/v1/datasets/{organization}/{name}",
      { path: { organization: "a", name: "b" }, json: { tags: ["x"] } },
      failing,
    );
    await expect(promise).rejects.toEqual(new ApiError(403, "forbidden", "You may not edit it"));
    expect(seen[0].headers.get("X-CSRF-Token")).toBe("abc=");
    expect(await seen[0].json()).toEqual({ tags: ["x"] });
  });
  it("sends JSON text as it is and reads the answer with a given parser", async () => {
    const seen: Request[] = [];
    const digits = '{"dataLayers":[{"largestSegmentId":18446744073709551614}]}';
    const transport: Transport = {
      cookies: () => "",
      fetch: async (input, init) => {
        seen.push(new Request(new URL(String(input), "http://hub.test"), init));
        return new Response(digits, { status: 200, headers: { "Content-Type": "application/json" } });
      },
    };
    const result = await call(
      "put",
      "/api/v1/datasets/{organization}/{name}/properties",
      { path: { organization: "a", name: "b" }, jsonText: digits, parse: (text) => ({ text }) },
      transport,
    );
    expect(result).toEqual({ text: digits });
    expect(seen[0].headers.get("Content-Type")).toBe("application/json");
    expect(await seen[0].text()).toBe(digits);
  });
  it("reads uint64 fields of any answer as exact digits and sends such digits as numbers", async () => {
    const seen: Request[] = [];
    const answer = '{"organization": "a", "name": "b", "description": "\\"largestSegmentId\\": 1",' +
      ' "layers": [{"name": "seg", "largestSegmentId": 18446744073709551614}]}';
    const transport: Transport = {
      cookies: () => "",
      fetch: async (input, init) => {
        seen.push(new Request(new URL(String(input), "http://hub.test"), init));
        return new Response(answer, { status: 201, headers: { "Content-Type": "application/json" } });
      },
    };
    const properties = { dataLayers: [{ name: "seg", largestSegmentId: "18446744073709551614" }] };
    await call("post", "/api/v1/datasets/remote", {
      json: { name: "b", url: "https://data.test/x.zarr", properties, credentialScope: "dataset" },
    }, transport);
    expect(await seen[0].text()).toContain('"largestSegmentId":18446744073709551614}');
    const dataset: Dataset = await call("get", "/api/v1/datasets/{organization}/{name}", {
      path: { organization: "a", name: "b" },
    }, transport);
    expect(dataset.layers[0].largestSegmentId).toBe("18446744073709551614");
    expect(dataset.description).toBe('"largestSegmentId": 1');
  });
  it("resolves empty answers to undefined", async () => {
    const result = await call(
      "delete",
      "/api/v1/auth/tokens/{token_id}",
      { path: { token_id: 3 } },
      answering(204, undefined),
    );
    expect(result).toBeUndefined();
  });
  it("reports an unreachable server as such", async () => {
    const offline: Transport = {
      cookies: () => "",
      fetch: async () => {
        throw new TypeError("Failed to fetch");
      },
    };
    await expect(call("get", "/api/v1/jobs", {}, offline)).rejects.toMatchObject({
      status: 0,
      message: "Cannot reach the server; check the connection.",
    });
  });
});
