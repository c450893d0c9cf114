// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders Markdown", () => {
    const html = renderMarkdown("# Title\n\n*cells* in `z`\n\n- a\n- b");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<em>cells</em>");
    expect(html).toContain("<li>a</li>");
  });
  it("removes scripts, handlers and javascript: links", () => {
    const html = renderMarkdown(
      '<script>alert(1)</script><img src=x onerror="alert(2)">[x](javascript:alert(3))' +
        '<iframe src="https://evil"></iframe><a href="#" onclick="alert(4)">y</a>',
    );
    expect(html).not.toMatch(/<script|onerror|onclick|href="javascript:|<iframe/i);
    expect(renderMarkdown("[x](javascript:alert(3))")).not.toContain("javascript:");
  });
  it("opens links in a new tab without an opener", () => {
    const html = renderMarkdown("[site](https://example.org)");
    expect(html).toContain('href="https://example.org"');
    expect(html).toContain('rel="noopener noreferrer"');
  });
  it("accepts an empty text", () => {
    expect(renderMarkdown("")).toBe("");
  });
});
