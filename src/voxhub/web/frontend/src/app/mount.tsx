import { render } from "preact";
import { App } from "./App";
import "./styles.css";

export function mountApp(root: HTMLElement): void {
  render(<App />, root);
}
