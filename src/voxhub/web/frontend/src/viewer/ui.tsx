/**
 * The viewer's page: toolbar, planes (WebGL canvas + overlay canvas) and the layers panel.
 * Components read the controller's state and change it only through `controller.update`.
 */
import type { Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { DatasetInfo, LayerInfo, Vec3 } from "./dataset";
import { screenToVoxel, type PlaneId } from "./geometry";
import type { Histogram } from "./histogram";
import { drawOverlay } from "./overlay";
import { segmentColor } from "./shaders";
import { LAYOUTS, segmentId, type ColorLayerState, type LayerState, type SegmentationLayerState, type ViewerState } from "./urlstate";
import type { ViewController } from "./view";

export interface Extras {
  histograms: Record<string, Histogram>;
  saveDefault: (() => Promise<string>) | null;
  openmsiUrl: string | null;
  mzAt: ((z: number) => number | null) | null;
}

const LAYOUT_NAMES: Record<string, string> = { ortho: "3 planes", xy: "XY", xz: "XZ", yz: "YZ" };

function toHex(c: Vec3): string {
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

function fromHex(text: string): Vec3 {
  return [1, 3, 5].map((i) => parseInt(text.slice(i, i + 2), 16)) as Vec3;
}

function useControllerState(controller: ViewController): ViewerState {
  const [state, setState] = useState(controller.state);
  useEffect(() => controller.onChange((s) => setState(s)), [controller]);
  return state;
}

function PositionInput({ controller, state }: { controller: ViewController; state: ViewerState }) {
  const shown = state.position.map(Math.floor).join(", ");
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const apply = () => {
    const parts = text.split(/[\s,]+/).filter(Boolean).map(Number);
    if (parts.length === 3 && parts.every(Number.isFinite)) controller.update({ position: parts as Vec3 });
    else setText(shown);
  };
  return (
    <label>
      Position{" "}
      <input id="viewer-position" size={16} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} onKeyDown={(e) => e.key === "Enter" && apply()} onBlur={apply} />
    </label>
  );
}

function Toolbar({ controller, state, extras, hoverRef }: { controller: ViewController; state: ViewerState; extras: Extras; hoverRef: Ref<HTMLSpanElement> }) {
  const [saved, setSaved] = useState("");
  const info = controller.info;
  const mz = extras.mzAt?.(Math.floor(state.position[2]));
  return (
    <div class="vx-toolbar">
      <strong title={`${info.organization}/${info.name}`}>{info.displayName}</strong>
      <PositionInput controller={controller} state={state} />
      <span>
        Zoom{" "}
        <button title="Zoom out" onClick={() => controller.update({ zoom: state.zoom * 2 })}>−</button>
        <output id="viewer-zoom">{+state.zoom.toPrecision(3)}</output>
        <button title="Zoom in" onClick={() => controller.update({ zoom: state.zoom / 2 })}>+</button>
      </span>
      <span>
        Mag <output id="viewer-mag">{controller.currentMag()}</output>
      </span>
      {mz != null && <span id="viewer-mz">m/z {mz.toFixed(3)}</span>}
      <span class="vx-group">
        {LAYOUTS.map((layout) => (
          <button key={layout} aria-pressed={state.layout === layout} class={state.layout === layout ? "on" : ""} onClick={() => controller.update({ layout })}>
            {LAYOUT_NAMES[layout]}
          </button>
        ))}
      </span>
      <label>
        <select id="viewer-interpolation" value={state.interpolation} onChange={(e) => controller.update({ interpolation: (e.target as HTMLSelectElement).value as ViewerState["interpolation"] })}>
          <option value="nearest">Nearest</option>
          <option value="linear">Linear</option>
        </select>
      </label>
      {extras.openmsiUrl && <a href={extras.openmsiUrl} id="viewer-openmsi">Spectra in the OpenMSI viewer</a>}
      {extras.saveDefault && (
        <button id="viewer-save-default" onClick={async () => setSaved(await extras.saveDefault!())}>
          Save as default view
        </button>
      )}
      {saved && <span role="status">{saved}</span>}
      <span id="viewer-hover" class="vx-hover" ref={hoverRef} />
    </div>
  );
}

function HistogramView({ histogram, range }: { histogram: Histogram; range: [number, number] | null }) {
  const peak = Math.max(1, ...histogram.counts.map((c) => Math.log1p(c)));
  const n = histogram.counts.length;
  const span = histogram.max - histogram.min || 1;
  const points = histogram.counts.map((c, i) => `${(i / n) * 200},${40 - (Math.log1p(c) / peak) * 38}`).join(" ");
  const x = (v: number) => Math.min(200, Math.max(0, ((v - histogram.min) / span) * 200));
  return (
    <svg class="vx-histogram" width="200" height="40" viewBox="0 0 200 40">
      <polyline points={`0,40 ${points} 200,40`} fill="#6a8" stroke="none" />
      {range && <rect x={x(range[0])} y="0" width={Math.max(1, x(range[1]) - x(range[0]))} height="40" fill="rgba(255,255,255,0.15)" stroke="#fff" />}
    </svg>
  );
}

function ColorControls({ layer, state, set, histogram }: { layer: LayerInfo; state: ColorLayerState; set: (s: LayerState) => void; histogram?: Histogram }) {
  const range = state.range ?? [0, 255];
  const num = (e: Event) => Number((e.target as HTMLInputElement).value);
  return (
    <>
      <label>
        Colour <input type="color" value={toHex(state.color)} onInput={(e) => set({ ...state, color: fromHex((e.target as HTMLInputElement).value) })} />
      </label>
      <label>
        Opacity <input type="range" min="0" max="100" value={state.opacity} onInput={(e) => set({ ...state, opacity: num(e) })} />
      </label>
      {histogram && <HistogramView histogram={histogram} range={state.range} />}
      <label>
        Range <input class="vx-num" type="number" value={range[0]} onChange={(e) => set({ ...state, range: [num(e), Math.max(num(e), range[1])] })} />–
        <input class="vx-num" type="number" value={range[1]} onChange={(e) => set({ ...state, range: [Math.min(range[0], num(e)), num(e)] })} />
      </label>
      <label>
        <input type="checkbox" checked={state.inverted} onChange={(e) => set({ ...state, inverted: (e.target as HTMLInputElement).checked })} /> Invert
      </label>
      <small>{layer.elementClass}, additive</small>
    </>
  );
}

function SegmentationControls({ layer, state, set }: { layer: LayerInfo; state: SegmentationLayerState; set: (s: LayerState) => void }) {
  const swatch = state.selected !== "0" ? toHex(segmentColor(BigInt(state.selected))) : "transparent";
  const [text, setText] = useState(state.selected);
  useEffect(() => setText(state.selected), [state.selected]);
  return (
    <>
      <label>
        Opacity <input type="range" min="0" max="100" value={state.opacity} onInput={(e) => set({ ...state, opacity: Number((e.target as HTMLInputElement).value) })} />
      </label>
      <label>
        Selected id{" "}
        <input id="viewer-selected" class="vx-id" inputMode="numeric" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)}
          onChange={(e) => {
            const id = segmentId((e.target as HTMLInputElement).value.trim() || "0");
            if (id === null) setText(state.selected); // not a uint64: keep the selection
            else set({ ...state, selected: id });
          }} />
        <span class="vx-swatch" style={{ background: swatch }} />
      </label>
      <label>
        <input type="checkbox" checked={state.onlySelected} onChange={(e) => set({ ...state, onlySelected: (e.target as HTMLInputElement).checked })} /> Show only the selected id
      </label>
      <small>{layer.elementClass}{layer.largestSegmentId != null ? `, largest id ${layer.largestSegmentId}` : ""} — press s to select the id under the cursor</small>
    </>
  );
}

function LayersPanel({ controller, state, extras }: { controller: ViewController; state: ViewerState; extras: Extras }) {
  return (
    <aside class="vx-layers">
      <h2>Layers</h2>
      {controller.info.layers.map((layer) => {
        const layerState = state.layers[layer.name];
        if (!layerState) return null;
        const set = (next: LayerState) => controller.update({ layers: { ...controller.state.layers, [layer.name]: next } });
        return (
          <section key={layer.name} class="vx-layer" data-layer={layer.name}>
            <label class="vx-layer-name">
              <input type="checkbox" checked={layerState.visible} onChange={(e) => set({ ...layerState, visible: (e.target as HTMLInputElement).checked })} /> {layer.name}
            </label>
            {layerState.kind === "color" ? (
              <ColorControls layer={layer} state={layerState} set={set} histogram={extras.histograms[layer.name]} />
            ) : (
              <SegmentationControls layer={layer} state={layerState} set={set} />
            )}
          </section>
        );
      })}
      <p class="vx-help">Drag to pan, wheel to zoom, click to move the other planes there, f/d or arrows for slices (Shift ×10).</p>
    </aside>
  );
}

export function ViewerApp({ controller, extras }: { controller: ViewController; extras: Extras }) {
  const state = useControllerState(controller);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  // The hover line changes with every mouse move: it is written into its element directly,
  // so moving the mouse (or dragging) never re-renders the panels.
  const hoverRef = useRef<HTMLSpanElement>(null);
  const activePlane = useRef<PlaneId>("xy");
  const hovered = useRef<{ layer: string; id: string } | null>(null);

  useEffect(() => {
    const box = boxRef.current!;
    const overlay = overlayRef.current!;
    controller.canvas.classList.add("vx-gl");
    box.insertBefore(controller.canvas, overlay);
    const ctx = overlay.getContext("2d")!;
    // The crosshairs are always at the planes' centres (the position is the centre): the
    // overlay changes only with the zoom (scale bar), the layout and the size, so panning
    // frames leave it alone instead of repainting a canvas-sized 2D layer each time.
    let drawn = "";
    const redrawOverlay = () => {
      const { zoom, layout } = controller.state;
      const key = `${zoom}|${layout}|${overlay.width}x${overlay.height}`;
      if (key === drawn) return;
      drawn = key;
      drawOverlay(ctx, controller, window.devicePixelRatio || 1);
    };
    const observer = new ResizeObserver(() => {
      const { width, height } = box.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      overlay.width = Math.round(width * dpr);
      overlay.height = Math.round(height * dpr);
      controller.resize(Math.floor(width), Math.floor(height));
      redrawOverlay();
    });
    observer.observe(box);
    const off = controller.onFrame(redrawOverlay);
    return () => {
      observer.disconnect();
      off();
    };
  }, [controller]);

  useEffect(() => {
    const overlay = overlayRef.current!;
    let drag: { x: number; y: number; plane: PlaneId; moved: number } | null = null;
    const local = (e: MouseEvent) => {
      const r = overlay.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    const describeHover = (x: number, y: number) => {
      const hit = controller.planeAt(x, y);
      if (!hit) return;
      activePlane.current = hit.layout.plane;
      const point = screenToVoxel(hit.view, hit.px, hit.py);
      const parts = [`(${point.map(Math.floor).join(", ")})`];
      hovered.current = null;
      for (const layer of controller.info.layers) {
        if (!controller.state.layers[layer.name]?.visible) continue;
        const value = controller.valueAt(layer, point);
        if (value === null) continue;
        if (layer.category === "segmentation") {
          parts.push(`segment ${value}`);
          hovered.current = { layer: layer.name, id: String(value) };
        } else {
          parts.push(`${layer.name} ${typeof value === "number" ? +value.toPrecision(6) : value}`);
        }
      }
      if (hoverRef.current) hoverRef.current.textContent = parts.join("  ");
    };
    const down = (e: PointerEvent) => {
      const [x, y] = local(e);
      const hit = controller.planeAt(x, y);
      if (!hit) return;
      overlay.setPointerCapture(e.pointerId);
      drag = { x, y, plane: hit.layout.plane, moved: 0 };
    };
    const move = (e: PointerEvent) => {
      const [x, y] = local(e);
      if (drag) {
        const dx = x - drag.x;
        const dy = y - drag.y;
        drag.moved += Math.abs(dx) + Math.abs(dy);
        if (drag.moved > 3) {
          controller.pan(drag.plane, dx, dy);
          drag.x = x;
          drag.y = y;
        }
      }
      describeHover(x, y);
    };
    const up = (e: PointerEvent) => {
      if (drag && drag.moved <= 3) {
        const [x, y] = local(e);
        const hit = controller.planeAt(x, y);
        if (hit) {
          // A click moves the position there: the other planes now cut through this point.
          const point = screenToVoxel(hit.view, hit.px, hit.py);
          controller.update({ position: point.map(Math.floor) as Vec3 });
        }
      }
      drag = null;
    };
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const [x, y] = local(e);
      const hit = controller.planeAt(x, y);
      if (!hit) return;
      controller.zoomAround(hit.layout, hit.px, hit.py, Math.exp(e.deltaY * 0.002));
    };
    const key = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const plane = controller.state.layout === "ortho" ? activePlane.current : controller.state.layout;
      const step = e.shiftKey ? 10 : 1;
      const k = e.key.toLowerCase();
      if (k === "f" || e.key === "ArrowUp" || e.key === "ArrowRight") controller.moveSlice(plane, step);
      else if (k === "d" || e.key === "ArrowDown" || e.key === "ArrowLeft") controller.moveSlice(plane, -step);
      else if (k === "s" && hovered.current) {
        const { layer, id } = hovered.current;
        const current = controller.state.layers[layer] as SegmentationLayerState;
        controller.update({ layers: { ...controller.state.layers, [layer]: { ...current, selected: id } } });
      } else return;
      e.preventDefault();
    };
    overlay.addEventListener("pointerdown", down);
    overlay.addEventListener("pointermove", move);
    overlay.addEventListener("pointerup", up);
    overlay.addEventListener("wheel", wheel, { passive: false });
    window.addEventListener("keydown", key);
    return () => {
      overlay.removeEventListener("pointerdown", down);
      overlay.removeEventListener("pointermove", move);
      overlay.removeEventListener("pointerup", up);
      overlay.removeEventListener("wheel", wheel);
      window.removeEventListener("keydown", key);
    };
  }, [controller]);

  return (
    <div class="vx-viewer">
      <Toolbar controller={controller} state={state} extras={extras} hoverRef={hoverRef} />
      <div class="vx-main">
        <div class="vx-planes" ref={boxRef}>
          <canvas class="vx-overlay" ref={overlayRef} />
        </div>
        <LayersPanel controller={controller} state={state} extras={extras} />
      </div>
    </div>
  );
}

export function Message({ title, text }: { title: string; text: string }) {
  return (
    <div class="vx-message-page">
      <div class="vx-message" id="viewer-message" role="alert">
        <h1>{title}</h1>
        <p>{text}</p>
        <p>
          <a href="/ui/">Back to the datasets</a>
        </p>
      </div>
    </div>
  );
}

export type { DatasetInfo };
