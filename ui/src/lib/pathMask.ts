// A motion path's painted mask as data: what a paint or erase stroke on the stage does to it.
// The mask is a list of brush strokes whose points are offsets from the path's first point in
// picture fractions (x of the width, y of the height), so it moves with the start point; the
// warp engine rasterises them (studio/src/warp/painted.rs). Pure functions, no DOM.

import type { MaskStroke } from "./bindings/MaskStroke";
import type { MotionPath } from "./bindings/MotionPath";
import type { PathMask } from "./bindings/PathMask";
import type { Point } from "./bindings/Point";
import { MAX_MASK_STROKES, MAX_MASK_STROKE_POINTS } from "./bindings/constants";
import { clamp, simplifyStroke } from "./geometry";

/** The strokes that draw a path's mask: the painted ones, or its disk as one stamp. */
export function maskStrokes(path: Pick<MotionPath, "radius" | "mask">): MaskStroke[] {
  if (path.mask) return path.mask.strokes;
  return [{ points: [{ x: 0, y: 0 }], radius: path.radius, erase: false }];
}

/** Why a stroke was not added, if it was not. */
export type PaintRefusal = "too-many-strokes" | "empty";

/**
 * The mask after one more stroke through `points` (normalised picture coordinates) with a
 * brush of `radius` (a fraction of the width). The first stroke on a path that still moves
 * its disk starts from that disk, so painting grows it and erasing bites into it. The stroke
 * is thinned to at most MAX_MASK_STROKE_POINTS points within `tolerance` (picture fractions).
 */
export function addMaskStroke(
  path: Pick<MotionPath, "points" | "radius" | "mask">,
  points: readonly Point[],
  radius: number,
  erase: boolean,
  tolerance = 0.002,
): PathMask | PaintRefusal {
  const start = path.points[0];
  if (!start || points.length === 0 || !(radius > 0)) return "empty";
  const strokes = maskStrokes(path);
  if (strokes.length >= MAX_MASK_STROKES) return "too-many-strokes";
  const offsets = points.map((p) => ({ x: clamp(p.x - start.x, -1, 1), y: clamp(p.y - start.y, -1, 1) }));
  const thinned = offsets.length > 2 ? simplifyStroke(offsets, tolerance, MAX_MASK_STROKE_POINTS) : offsets;
  const stroke: MaskStroke = { points: thinned.slice(0, MAX_MASK_STROKE_POINTS), radius, erase };
  return { strokes: [...strokes.map(copyStroke), stroke] };
}

function copyStroke(s: MaskStroke): MaskStroke {
  return { points: s.points.map((p) => ({ x: p.x, y: p.y })), radius: s.radius, erase: s.erase };
}

/** The mask's strokes in normalised picture coordinates, placed at the path's start `at`. */
export function placedStrokes(path: Pick<MotionPath, "radius" | "mask">, at: Point): MaskStroke[] {
  return maskStrokes(path).map((s) => ({
    points: s.points.map((p) => ({ x: at.x + p.x, y: at.y + p.y })),
    radius: s.radius,
    erase: s.erase,
  }));
}
