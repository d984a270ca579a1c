// Drawing the editing overlays on the stage canvas: motion paths (curve, arrowhead, start disk,
// handles), static paint (hatched grey), the stroke being drawn, the brush cursor, and the
// output frame (what the export keeps, its safe area, the paths that leave it).
// Everything is in canvas CSS pixels; the caller sets the device-pixel-ratio transform.

import {
  MASK_FEATHER,
  curveBeziers,
  endDirection,
  maskWeight,
  radiusToCanvas,
  toCanvas,
  type PathLike,
  type Rect,
  type Vec,
} from "./geometry";

import type { PathMask } from "./bindings/PathMask";
import type { Framing, Kept } from "./framing";
import { keptPart } from "./framing";
import { placedStrokes } from "./pathMask";

export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
}

function traceCurve(ctx: CanvasRenderingContext2D, pts: readonly Vec[]): void {
  ctx.beginPath();
  ctx.moveTo(pts[0].x, pts[0].y);
  for (const b of curveBeziers(pts)) ctx.bezierCurveTo(b[1].x, b[1].y, b[2].x, b[2].y, b[3].x, b[3].y);
}

function circlePath(ctx: CanvasRenderingContext2D, c: Vec, r: number): void {
  ctx.beginPath();
  ctx.arc(c.x, c.y, Math.max(0, r), 0, Math.PI * 2);
}

export interface PathStyle {
  color: string;
  selected: boolean;
  /** Draw every point as a draggable handle. */
  handles: boolean;
}

/**
 * What a path moves, as the warp engine weighs it: solid over the disk, fading over the
 * feathered edge beyond it. Drawn under the static paint, which wins where the two overlap.
 */
export function drawMask(ctx: CanvasRenderingContext2D, rect: Rect, path: PathLike, color: string, selected: boolean): void {
  const start = path.points[0];
  if (!start) return;
  const c = toCanvas(rect, start);
  const r = radiusToCanvas(rect, path.radius);
  const outer = r * (1 + MASK_FEATHER);
  if (!(outer > 0)) return;
  const alpha = selected ? 0.3 : 0.18;
  const fill = ctx.createRadialGradient(c.x, c.y, 0, c.x, c.y, outer);
  fill.addColorStop(0, withAlpha(color, alpha));
  const steps = 6;
  for (let k = 0; k <= steps; k++) {
    const d = r + ((outer - r) * k) / steps;
    fill.addColorStop(d / outer, withAlpha(color, alpha * maskWeight(d, r)));
  }
  ctx.save();
  circlePath(ctx, c, outer);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.restore();
}

/** A painted mask drawn once into its own canvas, reused while nothing it shows changes. */
export interface MaskImage {
  key: string;
  canvas: HTMLCanvasElement;
  /** Where the canvas goes on the stage, in CSS pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Bands the painted mask's feathered edge is drawn in (the disk's gradient has 6 stops). */
const FEATHER_BANDS = 4;

/**
 * A path's painted mask as the warp engine weighs it: solid over the paint, fading over the
 * feathered edge (MASK_FEATHER times the path's radius) beyond. The edge is drawn as bands of
 * the paint grown by a growing share of the feather (erasing strokes shrunk by it), each as
 * opaque as the engine's weight in the middle of its band. `reuse` is the image drawn last
 * time for this path: it comes back as it is when nothing changed. Null without a mask.
 */
export function paintedMaskImage(
  rect: Rect,
  path: PathLike & { mask?: PathMask },
  color: string,
  selected: boolean,
  dpr: number,
  reuse: MaskImage | null = null,
): MaskImage | null {
  const start = path.points[0];
  if (!start || !path.mask || typeof document === "undefined") return null;
  const key = JSON.stringify([rect, start, path.radius, path.mask, color, selected, dpr]);
  if (reuse && reuse.key === key) return reuse;
  const strokes = placedStrokes(path, start).map((st) => ({
    pts: st.points.map((p) => toCanvas(rect, p)),
    r: radiusToCanvas(rect, st.radius),
    erase: st.erase,
  }));
  const feather = radiusToCanvas(rect, path.radius) * MASK_FEATHER;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const st of strokes) {
    if (st.erase) continue;
    for (const p of st.pts) {
      const reach = st.r + feather + 2;
      [x0, y0, x1, y1] = [Math.min(x0, p.x - reach), Math.min(y0, p.y - reach), Math.max(x1, p.x + reach), Math.max(y1, p.y + reach)];
    }
  }
  if (!(x1 > x0 && y1 > y0)) return null;
  const canvas = reuse?.canvas ?? document.createElement("canvas");
  const band = document.createElement("canvas");
  canvas.width = band.width = Math.max(1, Math.ceil((x1 - x0) * dpr));
  canvas.height = band.height = Math.max(1, Math.ceil((y1 - y0) * dpr));
  const out = canvas.getContext("2d");
  const b = band.getContext("2d");
  if (!out || !b) return null;
  out.clearRect(0, 0, canvas.width, canvas.height);
  const alpha = selected ? 0.3 : 0.18;
  const weight = (k: number) => (k === 0 ? 1 : maskWeight(1 + ((k - 0.5) / FEATHER_BANDS) * MASK_FEATHER, 1));
  for (let k = FEATHER_BANDS; k >= 0; k--) {
    const grow = (feather * k) / FEATHER_BANDS;
    b.setTransform(1, 0, 0, 1, 0, 0);
    b.globalCompositeOperation = "source-over";
    b.clearRect(0, 0, band.width, band.height);
    b.setTransform(dpr, 0, 0, dpr, -x0 * dpr, -y0 * dpr);
    b.fillStyle = b.strokeStyle = "#fff";
    b.lineCap = b.lineJoin = "round";
    for (const st of strokes) {
      const r = st.erase ? st.r - grow : st.r + grow;
      if (!(r > 0)) continue;
      b.globalCompositeOperation = st.erase ? "destination-out" : "source-over";
      if (st.pts.length === 1) {
        circlePath(b, st.pts[0], r);
        b.fill();
      } else {
        b.beginPath();
        b.moveTo(st.pts[0].x, st.pts[0].y);
        for (const p of st.pts.slice(1)) b.lineTo(p.x, p.y);
        b.lineWidth = 2 * r;
        b.stroke();
      }
    }
    b.setTransform(1, 0, 0, 1, 0, 0);
    b.globalCompositeOperation = "source-in";
    b.fillStyle = color;
    b.fillRect(0, 0, band.width, band.height);
    // Nested bands add up: each adds what its weight has over the next one out's.
    out.globalAlpha = alpha * (weight(k) - (k === FEATHER_BANDS ? 0 : weight(k + 1)));
    out.drawImage(band, 0, 0);
  }
  out.globalAlpha = 1;
  return { key, canvas, x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** One motion path: the outline of the disk it moves, the Catmull-Rom curve, an arrowhead, handles. */
export function drawPath(
  ctx: CanvasRenderingContext2D,
  rect: Rect,
  path: PathLike & { mask?: PathMask },
  style: PathStyle,
): void {
  const pts = path.points.map((p) => toCanvas(rect, p));
  if (pts.length === 0) return;
  const { color, selected } = style;
  const r = radiusToCanvas(rect, path.radius);
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";

  // What moves: the disk around the start (its soft mask is drawn by drawMask; a painted
  // mask shows itself).
  if (!path.mask) {
    circlePath(ctx, pts[0], r);
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = selected ? 2 : 1.5;
    ctx.strokeStyle = withAlpha(color, selected ? 1 : 0.85);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  if (pts.length >= 2) {
    // The way it goes: dark casing, then the colour.
    traceCurve(ctx, pts);
    ctx.lineWidth = selected ? 7 : 5.5;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.5)";
    ctx.stroke();
    traceCurve(ctx, pts);
    ctx.lineWidth = selected ? 3.5 : 2.5;
    ctx.strokeStyle = color;
    ctx.stroke();

    // Arrowhead at the end, along the curve's final tangent.
    const tip = pts[pts.length - 1];
    const dir = endDirection(pts);
    const size = selected ? 15 : 13;
    const base = { x: tip.x - dir.x * size, y: tip.y - dir.y * size };
    const perp = { x: -dir.y, y: dir.x };
    const w = size * 0.55;
    ctx.beginPath();
    ctx.moveTo(tip.x + dir.x * 2, tip.y + dir.y * 2);
    ctx.lineTo(base.x + perp.x * w, base.y + perp.y * w);
    ctx.lineTo(base.x - perp.x * w, base.y - perp.y * w);
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.55)";
    ctx.stroke();
    ctx.fill();
  }

  // Handles.
  if (style.handles) {
    pts.forEach((p, j) => {
      circlePath(ctx, p, j === 0 ? 6 : 5);
      ctx.fillStyle = j === 0 ? color : "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = j === 0 ? "#ffffff" : color;
      ctx.stroke();
    });
  } else {
    circlePath(ctx, pts[0], 4);
    ctx.fillStyle = color;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
    ctx.stroke();
  }
  ctx.restore();
}

let hatch: CanvasPattern | null = null;

function hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  if (hatch) return hatch;
  const tile = document.createElement("canvas");
  tile.width = 10;
  tile.height = 10;
  const t = tile.getContext("2d");
  if (!t) return null;
  t.strokeStyle = "rgba(255, 255, 255, 0.55)";
  t.lineWidth = 1.5;
  t.beginPath();
  t.moveTo(-2, 12);
  t.lineTo(12, -2);
  t.moveTo(-2, 2);
  t.lineTo(2, -2);
  t.moveTo(8, 12);
  t.lineTo(12, 8);
  t.stroke();
  hatch = ctx.createPattern(tile, "repeat");
  return hatch;
}

/**
 * Static paint as one translucent hatched grey region (the union of all capsules, so overlaps
 * do not darken). `scratch` is an offscreen canvas reused between frames.
 */
export function drawStatics(
  ctx: CanvasRenderingContext2D,
  scratch: HTMLCanvasElement,
  rect: Rect,
  brushes: readonly PathLike[],
  dpr: number,
): void {
  if (brushes.length === 0) return;
  const cw = ctx.canvas.width;
  const ch = ctx.canvas.height;
  if (scratch.width !== cw || scratch.height !== ch) {
    scratch.width = cw;
    scratch.height = ch;
  }
  const s = scratch.getContext("2d");
  if (!s) return;
  s.setTransform(1, 0, 0, 1, 0, 0);
  s.globalCompositeOperation = "source-over";
  s.clearRect(0, 0, cw, ch);
  s.setTransform(dpr, 0, 0, dpr, 0, 0);
  s.fillStyle = "#fff";
  s.strokeStyle = "#fff";
  s.lineCap = "round";
  s.lineJoin = "round";
  for (const b of brushes) {
    const pts = b.points.map((p) => toCanvas(rect, p));
    const r = radiusToCanvas(rect, b.radius);
    if (pts.length === 0) continue;
    if (pts.length === 1) {
      circlePath(s, pts[0], r);
      s.fill();
    } else {
      s.beginPath();
      s.moveTo(pts[0].x, pts[0].y);
      for (const p of pts.slice(1)) s.lineTo(p.x, p.y);
      s.lineWidth = 2 * r;
      s.stroke();
    }
  }
  s.setTransform(1, 0, 0, 1, 0, 0);
  s.globalCompositeOperation = "source-in";
  s.fillStyle = "rgba(120, 128, 142, 0.55)";
  s.fillRect(0, 0, cw, ch);
  const pattern = hatchPattern(s);
  if (pattern) {
    s.globalCompositeOperation = "source-atop";
    s.fillStyle = pattern;
    s.fillRect(0, 0, cw, ch);
  }
  s.globalCompositeOperation = "source-over";

  // Paint outside the picture means nothing: show it clipped to the picture.
  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(scratch, 0, 0);
  ctx.restore();
}

/** The freehand stroke being drawn (canvas px), with the disk that will move. */
export function drawLiveStroke(
  ctx: CanvasRenderingContext2D,
  pts: readonly Vec[],
  radiusPx: number,
  color: string,
  kind: "path" | "static",
): void {
  if (pts.length === 0) return;
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  if (kind === "static") {
    ctx.beginPath();
    ctx.moveTo(pts[0].x, pts[0].y);
    for (const p of pts.slice(1)) ctx.lineTo(p.x, p.y);
    if (pts.length === 1) ctx.lineTo(pts[0].x + 0.01, pts[0].y);
    ctx.lineWidth = 2 * radiusPx;
    ctx.strokeStyle = "rgba(120, 128, 142, 0.55)";
    ctx.stroke();
  } else {
    circlePath(ctx, pts[0], radiusPx);
    ctx.fillStyle = withAlpha(color, 0.2);
    ctx.fill();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = color;
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(pts[0].x, pts[0].y);
    for (const p of pts.slice(1)) ctx.lineTo(p.x, p.y);
    ctx.lineWidth = 5;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.45)";
    ctx.stroke();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = color;
    ctx.stroke();
  }
  ctx.restore();
}

/** The brush outline under the pointer. */
export function drawCursor(ctx: CanvasRenderingContext2D, at: Vec, radiusPx: number, mode: "path" | "static" | "erase"): void {
  ctx.save();
  circlePath(ctx, at, radiusPx);
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.5)";
  ctx.stroke();
  if (mode === "erase") ctx.setLineDash([4, 4]);
  ctx.lineWidth = 1.25;
  ctx.strokeStyle = mode === "static" ? "rgba(220, 226, 235, 0.95)" : "rgba(255, 255, 255, 0.95)";
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(at.x - 4, at.y);
  ctx.lineTo(at.x + 4, at.y);
  ctx.moveTo(at.x, at.y - 4);
  ctx.lineTo(at.x, at.y + 4);
  ctx.stroke();
  ctx.restore();
}

/** Whether any part of a path lies outside the kept part of the picture. */
export function pathLeavesFrame(path: PathLike, kept: Kept): boolean {
  const eps = 1e-6;
  return path.points.some(
    (p) => p.x < kept.x - eps || p.x > kept.x + kept.w + eps || p.y < kept.y - eps || p.y > kept.y + kept.h + eps,
  );
}

/** The output frame over the picture: the picture outside it dimmed, its outline (past the
 * picture's edges where a blur fit pads it), and its safe area dashed. */
export function drawFrame(ctx: CanvasRenderingContext2D, rect: Rect, framing: Framing, safe: Kept): void {
  const k = keptPart(framing);
  const kx = rect.x + k.x * rect.w;
  const ky = rect.y + k.y * rect.h;
  const kw = k.w * rect.w;
  const kh = k.h * rect.h;
  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.rect(kx, ky, kw, kh);
  ctx.fillStyle = "rgba(8, 10, 14, 0.6)";
  ctx.fill("evenodd");
  // The whole output frame, in picture pixels scaled to the stage.
  const [cw, ch] = framing.content;
  const fx = rect.x + (-framing.offset[0] / cw) * rect.w;
  const fy = rect.y + (-framing.offset[1] / ch) * rect.h;
  const fw = (framing.out[0] / cw) * rect.w;
  const fh = (framing.out[1] / ch) * rect.h;
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
  ctx.strokeRect(fx, fy, fw, fh);
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.45)";
  ctx.strokeRect(fx + safe.x * fw, fy + safe.y * fh, safe.w * fw, safe.h * fh);
  ctx.restore();
}

/** The parts of paths outside the kept frame, dashed red over the paths. */
export function drawPathsOutside(ctx: CanvasRenderingContext2D, rect: Rect, framing: Framing, paths: readonly PathLike[]): void {
  const k = keptPart(framing);
  const outside = paths.filter((p) => pathLeavesFrame(p, k));
  if (outside.length === 0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x - 4000, rect.y - 4000, rect.w + 8000, rect.h + 8000);
  ctx.rect(rect.x + k.x * rect.w, rect.y + k.y * rect.h, k.w * rect.w, k.h * rect.h);
  ctx.clip("evenodd");
  ctx.strokeStyle = "#ff4d4f";
  ctx.lineWidth = 3;
  ctx.setLineDash([6, 4]);
  for (const p of outside) {
    const pts = p.points.map((q) => toCanvas(rect, q));
    if (pts.length < 2) continue;
    traceCurve(ctx, pts);
    ctx.stroke();
  }
  ctx.restore();
}

