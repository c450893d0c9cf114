import { render } from "preact";

export function mountApp(root: HTMLElement): void {
  render(<main><h1>voxhub</h1></main>, root);
}
