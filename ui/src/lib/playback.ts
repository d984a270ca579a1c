// Pure helpers for the timeline's transport and editing: J/K/L shuttle speeds, snapping to
// cuts, clip edges, beats and the playhead, the ruler's ticks, zoom around the pointer, and
// where cuts and beats fall on the sequence (the same rules as studio/src/sequence).

import type { AudioClip } from "./bindings/AudioClip";
import type { Shot } from "./bindings/Shot";
import { SEQUENCE_FPS, clipLength, clipOut } from "./timeline";

/** The fastest shuttle speed J and L reach (as editors do: 1, 2, 4, 8). */
export const MAX_SHUTTLE = 8;
/** How near (in pixels) a dragged time must come to a target to snap to it. */
export const SNAP_PX = 8;
/** Zoom range, as a multiple of "the whole sequence fits the width". */
export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 64;
/** Each zoom step (button or wheel notch) multiplies the scale by this. */
export const ZOOM_STEP = 1.25;

export type ShuttleKey = "j" | "k" | "l";

/**
 * The play speed after pressing J, K or L at `speed` (0 is paused): L plays forwards and each
 * further L doubles the speed; J the same backwards; K pauses. Pressing the other direction
 * while playing starts again at 1x that way.
 */
export function shuttle(speed: number, key: ShuttleKey): number {
  if (key === "k") return 0;
  const dir = key === "l" ? 1 : -1;
  if (Math.sign(speed) !== dir) return dir;
  return dir * Math.min(MAX_SHUTTLE, Math.abs(speed) * 2);
}

/** Where each cut of the sequence falls (seconds), as studio::sequence::Timing places it:
 * the next shot's first frame for a cut or a dip, the middle of the overlap for a crossfade. */
export function cutTimes(shots: readonly Shot[], fps = SEQUENCE_FPS): number[] {
  const frames = shots.map((s) => Math.max(1, framesOf(s.seconds, fps)));
  const cuts: number[] = [];
  let start = 0;
  for (let i = 0; i + 1 < shots.length; i++) {
    const n = frames[i];
    const shot = shots[i];
    let t = 0;
    if (shot.transition.kind !== "cut") {
      t = Math.min(framesOf(shot.transition.seconds, fps), Math.floor(Math.min(n, frames[i + 1]) / 2));
    }
    const overlap = shot.transition.kind === "crossfade" ? t : 0;
    const next = start + n - overlap;
    cuts.push((next + overlap / 2) / fps);
    start = next;
  }
  return cuts;
}

function framesOf(seconds: number, fps: number): number {
  const f = Math.round(seconds * fps);
  return Number.isFinite(f) && f > 0 ? f : 0;
}

/** Where the beats of `clip` (times in its file) fall on the sequence, inside its trim. */
export function beatsOnSequence(clip: AudioClip, fileBeats: readonly number[]): number[] {
  const end = clipOut(clip);
  return fileBeats.filter((b) => b >= clip.trim_in && b <= end).map((b) => clip.start + (b - clip.trim_in));
}

/** Both edges of every audio clip on the sequence (seconds), except the clip `exceptId`. */
export function clipEdges(clips: readonly AudioClip[], exceptId: string | null = null): number[] {
  const out: number[] = [];
  for (const c of clips) {
    if (c.id === exceptId) continue;
    out.push(c.start, c.start + clipLength(c));
  }
  return out;
}

/**
 * `time` moved to the nearest of `targets` when that is within `px` pixels at `pps` pixels per
 * second; `snapped` is the target or null.
 */
export function snapTime(
  time: number,
  targets: readonly number[],
  pps: number,
  px = SNAP_PX,
): { time: number; snapped: number | null } {
  let best: number | null = null;
  let bestDist = px / Math.max(pps, 1e-9);
  for (const t of targets) {
    const d = Math.abs(t - time);
    if (Number.isFinite(t) && d <= bestDist) {
      best = t;
      bestDist = d;
    }
  }
  return best === null ? { time, snapped: null } : { time: best, snapped: best };
}

/**
 * How far to move a span [start, start + length] so that whichever of its edges is nearer a
 * target lands on it (0 when neither is within reach).
 */
export function snapSpan(start: number, length: number, targets: readonly number[], pps: number, px = SNAP_PX): number {
  const a = snapTime(start, targets, pps, px);
  const b = snapTime(start + length, targets, pps, px);
  const da = a.snapped === null ? Infinity : Math.abs(a.time - start);
  const db = b.snapped === null ? Infinity : Math.abs(b.time - (start + length));
  if (da === Infinity && db === Infinity) return 0;
  return da <= db ? a.time - start : b.time - (start + length);
}

export interface Tick {
  time: number;
  /** A labelled (major) tick. */
  major: boolean;
}

const STEPS = [1 / 30, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

/** The ruler's ticks between `from` and `to` seconds: labels at least `minLabelPx` apart,
 * five minor ticks per label (or fewer when they would crowd under 6 px). */
export function rulerTicks(pps: number, from: number, to: number, minLabelPx = 64): { step: number; ticks: Tick[] } {
  const step = STEPS.find((s) => s * pps >= minLabelPx) ?? STEPS[STEPS.length - 1];
  const minor = step / 5 >= 1 / 30 && (step / 5) * pps >= 6 ? step / 5 : step;
  const ticks: Tick[] = [];
  const first = Math.max(0, Math.floor(from / minor));
  for (let k = first; k * minor <= to + 1e-9 && ticks.length < 5000; k++) {
    const time = k * minor;
    const ratio = time / step;
    ticks.push({ time, major: Math.abs(ratio - Math.round(ratio)) < 1e-6 });
  }
  return { step, ticks };
}

/** A zoom level within range. */
export function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom)) return 1;
  return Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
}

/** The scroll offset that keeps the time under `anchorX` (pixels from the track's left edge
 * in view) where it is when the scale goes from `pps` to `nextPps`. */
export function scrollForZoom(scrollX: number, anchorX: number, pps: number, nextPps: number): number {
  const time = (scrollX + anchorX) / pps;
  return Math.max(0, time * nextPps - anchorX);
}

/** A scroll offset within the content. */
export function clampScroll(scrollX: number, contentPx: number, viewPx: number): number {
  return Math.max(0, Math.min(Math.max(0, contentPx - viewPx), Number.isFinite(scrollX) ? scrollX : 0));
}

/** A fade length within the clip (seconds, at least 0, to a hundredth). */
export function clampFade(clip: AudioClip, seconds: number): number {
  if (!Number.isFinite(seconds)) return 0;
  return Math.round(Math.max(0, Math.min(clipLength(clip), seconds)) * 100) / 100;
}
