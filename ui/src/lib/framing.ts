// Where a shot's picture sits in the output frame, as the export computes it
// (studio/src/export/reframe.rs): the fit scaled by the shot's crop zoom and moved so the
// crop's picture point is at the frame's centre, never uncovering the frame. The stage draws
// the kept part, the export dialog previews it, and both flag heavy upscaling.

import type { Crop } from "./bindings/Crop";
import type { Fit } from "./bindings/Fit";
import type { Preset } from "./bindings/Preset";
import type { Project } from "./bindings/Project";
import type { Shot } from "./bindings/Shot";
import type { ZoomLimit } from "./bindings/ZoomLimit";
import { outputSize } from "./presets";

export const DEFAULT_CROP: Crop = { x: 0.5, y: 0.5, zoom: 1 };
/** As Crop::MAX_ZOOM: no crop zooms further whatever the sizes (see zoomLimit). */
export const MAX_ZOOM = 8;
/** As MIN_KEPT_PIXELS: the fewest picture pixels a zoomed frame keeps across its short side. */
export const MIN_KEPT_PIXELS = 240;
/** As MAX_ZOOMED_PIXELS: the export warps the whole zoomed picture, so it stays within this. */
export const MAX_ZOOMED_PIXELS = 64e6;
/** Past this many output pixels per picture pixel a photo looks soft on a phone. */
export const HEAVY_UPSCALE = 2;

export interface Framing {
  /** The picture's size once scaled for the frame. */
  content: [number, number];
  /** Its top-left corner in the frame (negative where it is cropped). */
  offset: [number, number];
  out: [number, number];
}

/** The part of the picture the frame keeps, as fractions of the picture. */
export interface Kept {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function clampCrop(crop: Crop | null | undefined): Crop {
  const c = crop ?? DEFAULT_CROP;
  const unit = (v: number) => (Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0.5);
  const zoom = Number.isFinite(c.zoom) ? Math.max(1, Math.min(MAX_ZOOM, c.zoom)) : 1;
  return { x: unit(c.x), y: unit(c.y), zoom };
}

/** `a * b / c`, rounded, at least 1 (as the backend rounds). */
function scale(a: number, b: number, c: number): number {
  return Math.max(1, Math.floor((a * b + Math.floor(c / 2)) / c));
}

function axisOffset(out: number, content: number, at: number): number {
  if (content <= out) return Math.trunc((out - content) / 2);
  const free = content - out;
  const share = Math.max(0, Math.min(1, (at * content - out / 2) / free));
  return -Math.floor(free * share + 1e-9) || 0;
}

/** The plain fit's content size (as the export's `fitted`). */
function fitted(src: [number, number], out: [number, number], fit: Fit): [number, number] {
  const [sw, sh] = [Math.max(1, src[0]), Math.max(1, src[1])];
  const [ow, oh] = [Math.max(1, out[0]), Math.max(1, out[1])];
  const wider = sw * oh >= sh * ow;
  if (fit === "crop") return wider ? [Math.max(scale(sw, oh, sh), ow), oh] : [ow, Math.max(scale(sh, ow, sw), oh)];
  return wider ? [ow, Math.min(scale(sh, ow, sw), oh)] : [Math.min(scale(sw, oh, sh), ow), oh];
}

/** How far a crop of a `src` picture may zoom in an `out` frame and what stops it there, as
 * the export's `zoom_limit` says: the frame keeps MIN_KEPT_PIXELS of the picture across, the
 * zoomed picture stays within MAX_ZOOMED_PIXELS. At least 1. */
export function zoomLimit(src: [number, number], out: [number, number], fit: Fit): { zoom: number; why: ZoomLimit } {
  const [cw, ch] = fitted(src, out, fit);
  const upscale = cw / Math.max(1, src[0]);
  const detail = Math.min(Math.max(1, out[0]), Math.max(1, out[1])) / (upscale * MIN_KEPT_PIXELS);
  const size = Math.sqrt(MAX_ZOOMED_PIXELS / (cw * ch));
  const [limit, why]: [number, ZoomLimit] =
    detail <= size && detail <= MAX_ZOOM ? [detail, "detail"] : size <= MAX_ZOOM ? [size, "size"] : [MAX_ZOOM, "ceiling"];
  return { zoom: Math.max(1, Math.floor(limit * 100) / 100), why };
}

export function frameShot(src: [number, number], out: [number, number], fit: Fit, crop?: Crop | null): Framing {
  const c = clampCrop(crop);
  const [ow, oh] = [Math.max(1, out[0]), Math.max(1, out[1])];
  let content = fitted(src, out, fit);
  const zoom = Math.min(c.zoom, zoomLimit(src, out, fit).zoom);
  if (zoom > 1) content = [Math.max(1, Math.round(content[0] * zoom)), Math.max(1, Math.round(content[1] * zoom))];
  return { content, offset: [axisOffset(ow, content[0], c.x), axisOffset(oh, content[1], c.y)], out: [ow, oh] };
}

export function keptPart(f: Framing): Kept {
  const [cw, ch] = f.content;
  const left = Math.max(0, -f.offset[0] / cw);
  const top = Math.max(0, -f.offset[1] / ch);
  const right = Math.min(1, (f.out[0] - f.offset[0]) / cw);
  const bottom = Math.min(1, (f.out[1] - f.offset[1]) / ch);
  return { x: left, y: top, w: right - left, h: bottom - top };
}

/** Output pixels per picture pixel (above 1: the picture is scaled up). */
export function upscaleOf(f: Framing, srcW: number): number {
  return f.content[0] / Math.max(1, srcW);
}

/** The frame size every shot of `project` is framed into: the preset's, or without one the
 * first shot's picture (as the sequence export does). */
export function projectOutput(project: Project, preset: Preset | null = project.export.preset): [number, number] | null {
  const first = project.shots.find((s) => s.image_size)?.image_size ?? null;
  return outputSize(preset, first ? [first[0], first[1]] : null);
}

/** A shot's framing in `project`'s output, or null without a picture. */
export function shotFraming(project: Project, shot: Shot, preset: Preset | null = project.export.preset, fit: Fit = project.export.fit): Framing | null {
  const out = projectOutput(project, preset);
  if (!out || !shot.image_size) return null;
  return frameShot([shot.image_size[0], shot.image_size[1]], out, fit, shot.crop);
}

/** The crop after dragging the kept part by (dx, dy) fractions of the picture: it moves
 * from where the frame is now (not from a stored centre past the edge), up to the edges. */
export function dragCrop(f: Framing, crop: Crop, dx: number, dy: number): Crop {
  const k = keptPart(f);
  const centre = (start: number, size: number, d: number) => {
    if (size >= 1) return 0.5;
    return Math.max(size / 2, Math.min(1 - size / 2, start + size / 2 + d));
  };
  return { ...clampCrop(crop), x: centre(k.x, k.w, dx), y: centre(k.y, k.h, dy) };
}

/** The crop zoomed by `factor`, keeping its centre (1 to `max`, the shot's zoomLimit). */
export function zoomCrop(crop: Crop, factor: number, max = MAX_ZOOM): Crop {
  const c = clampCrop(crop);
  const zoom = Math.min(Math.min(c.zoom, max) * factor, max);
  return clampCrop({ ...c, zoom: Math.round(zoom * 1000) / 1000 });
}

/** A shot's zoom limit in `project`'s output, or null without a picture. */
export function shotZoomLimit(project: Project, shot: Shot): { zoom: number; why: ZoomLimit } | null {
  const out = projectOutput(project);
  if (!out || !shot.image_size) return null;
  return zoomLimit([shot.image_size[0], shot.image_size[1]], out, project.export.fit);
}

/** The area of a frame that a platform's buttons and captions leave clear, as fractions of
 * the frame: the vertical feeds cover the bottom (caption), the right (buttons) and the top
 * (tabs); other frames keep the usual 5 % title-safe margin. Approximate, from the apps'
 * layouts at 1080x1920. */
export function safeArea(preset: Preset | null): Kept {
  switch (preset) {
    case "tiktok":
    case "reels":
    case "shorts":
      return { x: 0.06, y: 0.08, w: 0.78, h: 0.72 };
    default:
      return { x: 0.05, y: 0.05, w: 0.9, h: 0.9 };
  }
}
