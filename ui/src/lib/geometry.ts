// Plane geometry for the stage: mapping between canvas pixels and image-normalised
// coordinates, stroke simplification, the Catmull-Rom curve the warp engine uses, and
// hit testing. Pure functions, no DOM.

import type { Point } from "./bindings/Point";
import { MASK_FEATHER } from "./bindings/constants";

export interface Vec {
  x: number;
  y: number;
}

/** Where the picture sits inside the stage, in canvas (CSS) pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

// ---------------------------------------------------------------------------------------
// Letterboxing and coordinate conversion

/**
 * The largest rectangle of the image's aspect that fits inside the box (minus `padding` on
 * every side), centred: the picture is letterboxed, never stretched or cropped.
 */
export function fitRect(imageW: number, imageH: number, boxW: number, boxH: number, padding = 0): Rect {
  const availW = Math.max(0, boxW - 2 * padding);
  const availH = Math.max(0, boxH - 2 * padding);
  if (imageW <= 0 || imageH <= 0 || availW <= 0 || availH <= 0) {
    return { x: boxW / 2, y: boxH / 2, w: 0, h: 0 };
  }
  const scale = Math.min(availW / imageW, availH / imageH);
  const w = imageW * scale;
  const h = imageH * scale;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}

/** Canvas pixel -> normalised image coordinates (may fall outside 0..1 off the picture). */
export function toImage(rect: Rect, px: number, py: number): Point {
  return {
    x: rect.w > 0 ? (px - rect.x) / rect.w : 0,
    y: rect.h > 0 ? (py - rect.y) / rect.h : 0,
  };
}

/** Normalised image coordinates -> canvas pixel. */
export function toCanvas(rect: Rect, p: Point): Vec {
  return { x: rect.x + p.x * rect.w, y: rect.y + p.y * rect.h };
}

/** A radius given as a fraction of the image width, in canvas pixels. */
export function radiusToCanvas(rect: Rect, radius: number): number {
  return radius * rect.w;
}

/** How far a path's soft mask fades out beyond its disk, as a fraction of its radius: the
 * warp engine's own number, written into the bindings by `cargo test`. */
export { MASK_FEATHER } from "./bindings/constants";

/** A path's mask at distance `d` from its centre (any unit, as `radius`): 1 on the disk, then
 * falling smoothly (smoothstep) to 0 over the feathered edge, as the warp engine weighs it. */
export function maskWeight(d: number, radius: number): number {
  if (d <= radius) return 1;
  const feather = radius * MASK_FEATHER;
  if (!(feather > 0)) return 0;
  const u = clamp((d - radius) / feather, 0, 1);
  return 1 - u * u * (3 - 2 * u);
}

export function isInside(rect: Rect, px: number, py: number): boolean {
  return px >= rect.x && px <= rect.x + rect.w && py >= rect.y && py <= rect.y + rect.h;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function clampPoint(p: Point): Point {
  return { x: clamp(p.x, 0, 1), y: clamp(p.y, 0, 1) };
}

// ---------------------------------------------------------------------------------------
// Distances

export function dist(a: Vec, b: Vec): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Distance from p to the segment a-b. */
export function distToSegment(p: Vec, a: Vec, b: Vec): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return dist(p, a);
  const u = clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0, 1);
  return Math.hypot(p.x - (a.x + u * dx), p.y - (a.y + u * dy));
}

/** Shortest distance from p to a polyline (a single point counts as a polyline). */
export function distToPolyline(p: Vec, line: readonly Vec[]): number {
  if (line.length === 0) return Infinity;
  if (line.length === 1) return dist(p, line[0]);
  let best = Infinity;
  for (let i = 0; i + 1 < line.length; i++) best = Math.min(best, distToSegment(p, line[i], line[i + 1]));
  return best;
}

export function polylineLength(line: readonly Vec[]): number {
  let len = 0;
  for (let i = 0; i + 1 < line.length; i++) len += dist(line[i], line[i + 1]);
  return len;
}

// ---------------------------------------------------------------------------------------
// Simplification

/** Ramer–Douglas–Peucker: keeps the endpoints and every point further than epsilon from the chord. */
export function simplifyRdp<T extends Vec>(points: readonly T[], epsilon: number): T[] {
  if (points.length <= 2) return points.slice();
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: Array<[number, number]> = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop()!;
    let maxD = -1;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const d = distToSegment(points[i], points[first], points[last]);
      if (d > maxD) {
        maxD = d;
        index = i;
      }
    }
    if (index !== -1 && maxD > epsilon) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/**
 * Simplifies a freehand stroke to at most `maxPoints` points: RDP with `epsilon`, then with
 * a growing epsilon until the stroke is short enough. Always keeps both endpoints.
 */
export function simplifyStroke<T extends Vec>(points: readonly T[], epsilon: number, maxPoints: number): T[] {
  // Drop exact repeats first (pointer events often repeat a position).
  const dedup: T[] = [];
  for (const p of points) {
    const last = dedup[dedup.length - 1];
    if (!last || last.x !== p.x || last.y !== p.y) dedup.push(p);
  }
  let eps = Math.max(epsilon, 1e-9);
  let out = simplifyRdp(dedup, eps);
  for (let guard = 0; out.length > Math.max(2, maxPoints) && guard < 64; guard++) {
    eps *= 1.5;
    out = simplifyRdp(dedup, eps);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The curve: uniform Catmull-Rom through all points, endpoints duplicated as phantom points.
// This is exactly the formula of the Rust warp engine; keep the two in step.

/** C(u) = 0.5 (2P1 + (-P0+P2)u + (2P0-5P1+4P2-P3)u^2 + (-P0+3P1-3P2+P3)u^3) */
export function catmullRom(p0: Vec, p1: Vec, p2: Vec, p3: Vec, u: number): Vec {
  const u2 = u * u;
  const u3 = u2 * u;
  const f = (a: number, b: number, c: number, d: number) =>
    0.5 * (2 * b + (-a + c) * u + (2 * a - 5 * b + 4 * c - d) * u2 + (-a + 3 * b - 3 * c + d) * u3);
  return { x: f(p0.x, p1.x, p2.x, p3.x), y: f(p0.y, p1.y, p2.y, p3.y) };
}

/** The four control points of segment i (between points[i] and points[i+1]). */
export function segmentControls<T extends Vec>(points: readonly T[], i: number): [T, T, T, T] {
  const n = points.length;
  const at = (k: number) => points[clamp(k, 0, n - 1)];
  return [at(i - 1), at(i), at(i + 1), at(i + 2)];
}

/** A point on the whole curve; s in 0..1 spreads evenly over the segments (not arc length). */
export function curvePoint(points: readonly Vec[], s: number): Vec {
  const n = points.length;
  if (n === 0) return { x: 0, y: 0 };
  if (n === 1) return { ...points[0] };
  const segs = n - 1;
  const x = clamp(s, 0, 1) * segs;
  const i = Math.min(Math.floor(x), segs - 1);
  const [p0, p1, p2, p3] = segmentControls(points, i);
  return catmullRom(p0, p1, p2, p3, x - i);
}

/** Samples the curve: `perSegment` steps per segment, passing through every point exactly. */
export function sampleCurve(points: readonly Vec[], perSegment = 16): Vec[] {
  const n = points.length;
  if (n <= 1) return points.map((p) => ({ x: p.x, y: p.y }));
  const out: Vec[] = [{ x: points[0].x, y: points[0].y }];
  for (let i = 0; i + 1 < n; i++) {
    const [p0, p1, p2, p3] = segmentControls(points, i);
    for (let k = 1; k <= perSegment; k++) {
      out.push(k === perSegment ? { x: p2.x, y: p2.y } : catmullRom(p0, p1, p2, p3, k / perSegment));
    }
  }
  return out;
}

/**
 * The same curve as cubic Bézier segments (exact for uniform Catmull-Rom):
 * B0 = P1, B1 = P1 + (P2 - P0) / 6, B2 = P2 - (P3 - P1) / 6, B3 = P2. Used to stroke it on a canvas.
 */
export function curveBeziers(points: readonly Vec[]): Array<[Vec, Vec, Vec, Vec]> {
  const out: Array<[Vec, Vec, Vec, Vec]> = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [p0, p1, p2, p3] = segmentControls(points, i);
    out.push([
      { x: p1.x, y: p1.y },
      { x: p1.x + (p2.x - p0.x) / 6, y: p1.y + (p2.y - p0.y) / 6 },
      { x: p2.x - (p3.x - p1.x) / 6, y: p2.y - (p3.y - p1.y) / 6 },
      { x: p2.x, y: p2.y },
    ]);
  }
  return out;
}

export function cubicBezier(b: readonly [Vec, Vec, Vec, Vec], u: number): Vec {
  const v = 1 - u;
  const a = v * v * v;
  const c1 = 3 * v * v * u;
  const c2 = 3 * v * u * u;
  const d = u * u * u;
  return {
    x: a * b[0].x + c1 * b[1].x + c2 * b[2].x + d * b[3].x,
    y: a * b[0].y + c1 * b[1].y + c2 * b[2].y + d * b[3].y,
  };
}

/** Unit direction of the curve at its end (for the arrowhead), from the last sampled piece. */
export function endDirection(points: readonly Vec[]): Vec {
  const n = points.length;
  if (n < 2) return { x: 1, y: 0 };
  const [p0, p1, p2, p3] = segmentControls(points, n - 2);
  // Derivative of the last segment at u = 1: 0.5 (P3 - P1) with P3 = P2 duplicated -> 0.5 (P2 - P1).
  let dx = 0.5 * (p3.x - p1.x);
  let dy = 0.5 * (p3.y - p1.y);
  if (Math.hypot(dx, dy) < 1e-9) {
    dx = p2.x - p0.x;
    dy = p2.y - p0.y;
  }
  const len = Math.hypot(dx, dy);
  return len < 1e-9 ? { x: 1, y: 0 } : { x: dx / len, y: dy / len };
}

// ---------------------------------------------------------------------------------------
// Hit testing (all in canvas pixels)

export interface PathLike {
  points: readonly Point[];
  radius: number;
}

export type PathHit =
  | { kind: "handle"; path: number; point: number }
  | { kind: "curve"; path: number }
  | { kind: "disk"; path: number };

/**
 * What is under canvas pixel (px, py): a handle (a path's point) first, then a curve, then a
 * path's start disk. `prefer` (the selected path) wins ties; among the rest the topmost (last
 * drawn) path wins.
 */
export function hitTestPaths(
  paths: readonly PathLike[],
  rect: Rect,
  px: number,
  py: number,
  opts: { handleTolerance?: number; curveTolerance?: number; prefer?: number | null; handlesOf?: number[] | "all" } = {},
): PathHit | null {
  const handleTol = opts.handleTolerance ?? 9;
  const curveTol = opts.curveTolerance ?? 7;
  const q = { x: px, y: py };
  const order: number[] = [];
  if (opts.prefer != null && opts.prefer >= 0 && opts.prefer < paths.length) order.push(opts.prefer);
  for (let i = paths.length - 1; i >= 0; i--) if (i !== opts.prefer) order.push(i);
  const handlesOf = opts.handlesOf ?? "all";

  // Handles.
  for (const i of order) {
    if (handlesOf !== "all" && !handlesOf.includes(i)) continue;
    let bestPoint = -1;
    let bestD = Infinity;
    const pts = paths[i].points;
    for (let j = 0; j < pts.length; j++) {
      const d = dist(q, toCanvas(rect, pts[j]));
      if (d <= handleTol && d < bestD) {
        bestD = d;
        bestPoint = j;
      }
    }
    // The preferred / topmost path with a handle in reach wins.
    if (bestPoint >= 0) return { kind: "handle", path: i, point: bestPoint };
  }

  // Curves.
  for (const i of order) {
    const line = sampleCurve(paths[i].points.map((p) => toCanvas(rect, p)), 12);
    if (distToPolyline(q, line) <= curveTol) return { kind: "curve", path: i };
  }

  // Start disks.
  for (const i of order) {
    const p = paths[i].points[0];
    if (!p) continue;
    if (dist(q, toCanvas(rect, p)) <= radiusToCanvas(rect, paths[i].radius)) return { kind: "disk", path: i };
  }
  return null;
}

/**
 * Whether canvas pixel (px, py) lies in a static brush: the union of capsules of `radius`
 * around each segment (a single point is a disk). `extra` widens it (e.g. the eraser's radius).
 */
export function hitStaticBrush(brush: PathLike, rect: Rect, px: number, py: number, extra = 0): boolean {
  const line = brush.points.map((p) => toCanvas(rect, p));
  return distToPolyline({ x: px, y: py }, line) <= radiusToCanvas(rect, brush.radius) + extra;
}

/** Moves every point by (dx, dy) in normalised units, limited so that all stay inside 0..1. */
export function translateClamped(points: readonly Point[], dx: number, dy: number): Point[] {
  if (points.length === 0) return [];
  const minX = Math.min(...points.map((p) => p.x));
  const maxX = Math.max(...points.map((p) => p.x));
  const minY = Math.min(...points.map((p) => p.y));
  const maxY = Math.max(...points.map((p) => p.y));
  const cx = clamp(dx, -minX, 1 - maxX);
  const cy = clamp(dy, -minY, 1 - maxY);
  return points.map((p) => ({ x: p.x + cx, y: p.y + cy }));
}
