/**
 * What a frame shows and asks for: for every plane and visible layer, the level that fits the
 * screen (a coarser one for a plane whose slice sweeps while the view moves) and the coarser
 * levels that show through until it arrives; the chunks to fetch, coarsest fallback first, and
 * those to prefetch in the direction of the last movement.
 */
import type { Vec3 } from "./dataset";
import { PLANE_AXES, shiftedView, visibleChunks } from "./geometry";
import { chunkKey, type ChunkRequest } from "./loader";
import type { DrawLayer, DrawLevel, DrawPlane } from "./renderer";
import type { PlaneLayout, ViewController } from "./view";

/** Levels coarser than the one that fits that a plane whose slice sweeps shows while moving (see `planFrame`). */
const SIDE_COARSER = 2;

/** The last change of the view's position. */
export interface Motion {
  /** Whether the view has not settled since (see `FramePacer.settling`). */
  moving: boolean;
  /** How far it moved the position along x, y, z (mag-1 voxels). */
  step: Vec3;
  /** Its sign along x, y, z (prefetch looks that way). */
  direction: Vec3;
}

export interface FramePlan {
  planes: DrawPlane[];
  /** The chunks of the levels the planes show. */
  wanted: ChunkRequest[];
  /** The chunks of the coarsest levels (asked for first: something is drawn at once). */
  coarse: ChunkRequest[];
  prefetch: ChunkRequest[];
  /** Whether a plane shows a level coarser than the one that fits (see `SIDE_COARSER`). */
  coarseSides: boolean;
}

/** A plane's rectangle in canvas pixels, at `ratio` canvas pixels per CSS pixel. */
export function canvasRect(layout: PlaneLayout, ratio: number): DrawPlane["rect"] {
  return { x: Math.round(layout.x * ratio), y: Math.round(layout.y * ratio), width: Math.round(layout.width * ratio), height: Math.round(layout.height * ratio) };
}

/** The planes of the controller's view and the chunks they need, at `ratio` canvas pixels per CSS pixel. */
export function planFrame(controller: ViewController, motion: Motion, ratio: number): FramePlan {
  const wanted: ChunkRequest[] = [];
  const coarse: ChunkRequest[] = [];
  const prefetch: ChunkRequest[] = [];
  const planes: DrawPlane[] = [];
  let coarseSides = false;
  for (const layout of controller.layouts()) {
    const view = controller.planeView(layout);
    const drawLayers: DrawLayer[] = [];
    for (const layer of controller.info.layers) {
      const state = controller.state.layers[layer.name];
      const levels = controller.levels.get(layer.name);
      if (!state || !state.visible || !levels) continue;
      const fits = controller.levelIndex(layer, layout.plane);
      const w = PLANE_AXES[layout.plane][2];
      // A plane whose slice sweeps by more than one voxel of its level per step shows a
      // different picture every frame: every tile is uploaded again (under SwiftShader the
      // slicing and uploads of the side planes were most of a pan frame's script) and its
      // chunks are fetched only to be passed. While the view moves, it shows a coarser level.
      const sweeping = motion.moving && motion.step[w] > levels[fits].mag[w];
      const target = sweeping ? Math.min(levels.length - 1, fits + SIDE_COARSER) : fits;
      coarseSides ||= target !== fits;
      const drawLevels: DrawLevel[] = [];
      const bounds = { min: layer.topLeft, max: [0, 1, 2].map((i) => layer.topLeft[i] + layer.size[i]) as Vec3 };
      const add = (index: number, list: ChunkRequest[] | null) => {
        const level = levels[index];
        const chunks = visibleChunks(view, level, index).map((ref) => {
          list?.push({ layer, level: index, coords: ref.coords });
          return { key: chunkKey(layer.name, index, ref.coords), coords: ref.coords };
        });
        drawLevels.push({ level: index, mag: level.mag, chunkShape: level.chunk, arrayShape: level.shape, chunks, rank: index - target });
      };
      add(target, wanted);
      // Coarser levels already loaded show through until the target arrives; the coarsest
      // is asked for too (a handful of chunks) so something is drawn at once.
      for (let index = target + 1; index < levels.length; index++) add(index, index === levels.length - 1 ? coarse : null);
      const [u, v] = PLANE_AXES[layout.plane];
      const direction = motion.direction;
      const level = levels[target];
      if (direction[w] !== 0) {
        // Moving through slices: the next two chunk layers ahead.
        for (const steps of [1, 2]) {
          const ahead = shiftedView(view, level, direction[w] * steps);
          if (!ahead) break;
          for (const ref of visibleChunks(ahead, level, target)) prefetch.push({ layer, level: target, coords: ref.coords, prefetch: true });
        }
      } else if (direction[u] !== 0 || direction[v] !== 0) {
        // Panning: the chunks one chunk further in the direction of movement.
        const position: Vec3 = [...view.position];
        position[u] += direction[u] * level.chunk[u] * level.mag[u];
        position[v] += direction[v] * level.chunk[v] * level.mag[v];
        for (const ref of visibleChunks({ ...view, position }, level, target)) prefetch.push({ layer, level: target, coords: ref.coords, prefetch: true });
      }
      drawLayers.push({ layer, state, bounds, levels: drawLevels });
    }
    planes.push({ view, rect: canvasRect(layout, ratio), layers: drawLayers });
  }
  return { planes, wanted, coarse, prefetch, coarseSides };
}
