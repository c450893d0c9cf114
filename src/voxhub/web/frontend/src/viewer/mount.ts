export function mountViewer(root: HTMLElement, org: string, dataset: string): void {
  root.textContent = `viewer for ${org}/${dataset}`;
}
