/**
 * Markdown from dataset and investigation descriptions, rendered to HTML that is safe to insert.
 *
 * Descriptions are written by any editor of a dataset and read by everyone who may view it,
 * so the HTML marked produces is sanitised by DOMPurify (scripts, event handlers,
 * `javascript:` URLs and unknown tags removed) before it reaches the page. Links open in a
 * new tab without giving that tab a handle on this one.
 */
import DOMPurify from "dompurify";
import { marked } from "marked";

let hooked = false;

function purifier(): typeof DOMPurify {
  if (!hooked) {
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.getAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
    hooked = true;
  }
  return DOMPurify;
}

/** Sanitised HTML for a Markdown text. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text ?? "", { async: false, gfm: true, breaks: false }) as string;
  return purifier().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "iframe", "object", "embed"],
    FORBID_ATTR: ["style"],
  });
}
