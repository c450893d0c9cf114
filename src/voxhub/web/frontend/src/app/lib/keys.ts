/**
 * Arrow-key movement through a list of focusable items (folder tree, dataset table): which
 * index a key leads to, or null when the key is not a movement key. Pure, so Vitest checks
 * the edges (first/last item, empty list) without a browser.
 */
export function stepIndex(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case "ArrowDown":
      return Math.min(count - 1, index + 1);
    case "ArrowUp":
      return Math.max(0, index - 1);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/**
 * Moves focus among the elements matching `selector` inside `container` on an arrow key;
 * returns the newly focused element's index (or null when the key was not a movement key).
 */
export function moveFocus(event: KeyboardEvent, container: Element | null, selector: string): number | null {
  if (!container) return null;
  const items = [...container.querySelectorAll<HTMLElement>(selector)];
  const index = items.indexOf(event.target as HTMLElement);
  if (index < 0) return null;
  const next = stepIndex(event.key, index, items.length);
  if (next === null) return null;
  event.preventDefault();
  items[next].focus();
  return next;
}
