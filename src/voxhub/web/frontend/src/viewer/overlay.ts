/**
 * What is drawn over the planes on a 2D canvas: plane names, crosshairs at the position,
 * and a scale bar in physical units. Kept off the WebGL canvas so that the drawn data can
 * be read back pixel for pixel.
 */
import { formatLength, niceLength, voxelToScreen } from "./geometry";
import type { PlaneLayout, ViewController } from "./view";

const AXIS_COLORS: Record<string, string> = { xy: "#4f8cff", xz: "#4fd16b", yz: "#ff5a5a" };

export function drawOverlay(ctx: CanvasRenderingContext2D, controller: ViewController, dpr: number): void {
  const { width, height } = ctx.canvas;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  for (const layout of controller.layouts()) drawPlane(ctx, controller, layout);
}

function drawPlane(ctx: CanvasRenderingContext2D, controller: ViewController, layout: PlaneLayout): void {
  const view = controller.planeView(layout);
  ctx.save();
  ctx.translate(layout.x, layout.y);
  ctx.beginPath();
  ctx.rect(0, 0, layout.width, layout.height);
  ctx.clip();
  ctx.strokeStyle = AXIS_COLORS[layout.plane];
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, layout.width - 2, layout.height - 2);
  // Crosshairs: the lines of the other two planes through the position.
  const [cx, cy] = voxelToScreen(view, controller.state.position);
  ctx.globalAlpha = 0.7;
  ctx.lineWidth = 1;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(0, cy);
  ctx.lineTo(layout.width, cy);
  ctx.moveTo(cx, 0);
  ctx.lineTo(cx, layout.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  // Plane name.
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "rgba(0,0,0,0.6)";
  ctx.fillRect(4, 4, 28, 17);
  ctx.fillStyle = AXIS_COLORS[layout.plane];
  ctx.fillText(layout.plane.toUpperCase(), 8, 17);
  // Scale bar: a round physical length about a fifth of the plane wide.
  const length = niceLength(view.pixelSize * layout.width * 0.2);
  const pixels = length / view.pixelSize;
  const x0 = layout.width - pixels - 12;
  const y0 = layout.height - 14;
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.fillRect(x0 - 6, y0 - 18, pixels + 12, 26);
  ctx.fillStyle = "#fff";
  ctx.fillRect(x0, y0, pixels, 3);
  ctx.textAlign = "center";
  ctx.fillText(formatLength(length, controller.info.unit), x0 + pixels / 2, y0 - 5);
  ctx.textAlign = "start";
  ctx.restore();
}
