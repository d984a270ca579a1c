// Pure helpers for the storyboard strip and the audio lanes: reordering shots, where each shot
// sits on the sequence (the same rules as studio/src/sequence/timing.rs), the pixel scale the
// strip and the lanes share, and clamping of audio clip moves and trims.

import type { AudioClip } from "./bindings/AudioClip";
import type { Shot } from "./bindings/Shot";

/** The sequence's frame rate for layout (every export preset runs at 30 fps). */
export const SEQUENCE_FPS = 30;
/** The shortest an audio clip may be trimmed to, in seconds. */
export const MIN_CLIP_SECONDS = 0.1;
export const MIN_GAIN_DB = -60;
export const MAX_GAIN_DB = 12;

/** A copy of `items` with the item at `from` moved to index `to` (both clamped). */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const out = items.slice();
  if (from < 0 || from >= out.length) return out;
  const dest = Math.max(0, Math.min(out.length - 1, to));
  const [item] = out.splice(from, 1);
  out.splice(dest, 0, item);
  return out;
}

/** Where the shot at `from` lands when it is moved to `to` and `current` was selected. */
export function indexAfterMove(current: number, from: number, to: number): number {
  if (current === from) return to;
  if (from < current && to >= current) return current - 1;
  if (from > current && to <= current) return current + 1;
  return current;
}

function framesOf(seconds: number, fps: number): number {
  const f = Math.round(seconds * fps);
  return Number.isFinite(f) && f > 0 ? f : 0;
}

export interface ShotPlace {
  /** When the shot starts on the sequence, in seconds. */
  start: number;
  /** How long the shot lasts, in seconds (its own duration, in whole frames). */
  seconds: number;
  /** Until the next shot starts (shorter than `seconds` by a crossfade's overlap). */
  advance: number;
}

/** Where each shot sits on the sequence, as the exporter lays it out. */
export function layoutShots(shots: readonly Shot[], fps = SEQUENCE_FPS): { places: ShotPlace[]; total: number } {
  const frames = shots.map((s) => Math.max(1, framesOf(s.seconds, fps)));
  const places: ShotPlace[] = [];
  let start = 0;
  shots.forEach((shot, i) => {
    const n = frames[i];
    const next = frames[i + 1];
    let overlap = 0;
    if (next !== undefined && shot.transition.kind === "crossfade") {
      overlap = Math.min(framesOf(shot.transition.seconds, fps), Math.floor(Math.min(n, next) / 2));
    }
    places.push({ start: start / fps, seconds: n / fps, advance: (n - overlap) / fps });
    start += n - overlap;
  });
  const last = places[places.length - 1];
  return { places, total: last ? last.start + last.seconds : 0 };
}

/** Pixels per second so that `seconds` fill `width` pixels, never below `min`. */
export function pixelsPerSecond(width: number, seconds: number, min = 24, max = 400): number {
  if (!(seconds > 0) || !(width > 0)) return min;
  return Math.max(min, Math.min(max, width / seconds));
}

/** Where the clip stops in its file, in seconds. */
export function clipOut(clip: AudioClip): number {
  return clip.trim_out ?? clip.file_seconds;
}

/** How long the clip plays on the sequence, in seconds. */
export function clipLength(clip: AudioClip): number {
  return Math.max(0, clipOut(clip) - clip.trim_in);
}

/** A start time on the sequence: not before 0, finite. */
export function clampStart(start: number): number {
  return Number.isFinite(start) ? Math.max(0, start) : 0;
}

/**
 * A trim that stays inside the file with at least MIN_CLIP_SECONDS left between in and out.
 * `trimOut` null (or at the file's end) means "to the end of the file". Moving the in point
 * keeps the out point; moving the out point keeps the in point.
 */
export function clampTrim(
  fileSeconds: number,
  trimIn: number,
  trimOut: number | null,
): { trim_in: number; trim_out: number | null } {
  const len = Math.max(0, fileSeconds);
  const minLen = Math.min(MIN_CLIP_SECONDS, len);
  let out = trimOut === null || !Number.isFinite(trimOut) ? len : Math.min(len, Math.max(minLen, trimOut));
  const inn = Number.isFinite(trimIn) ? Math.max(0, Math.min(out - minLen, trimIn)) : 0;
  if (out < inn + minLen) out = Math.min(len, inn + minLen);
  return { trim_in: inn, trim_out: out >= len ? null : out };
}

/** A gain in dB within the range the lane offers. */
export function clampGain(db: number): number {
  if (!Number.isFinite(db)) return 0;
  return Math.max(MIN_GAIN_DB, Math.min(MAX_GAIN_DB, Math.round(db * 10) / 10));
}

/** A number field's value in seconds, to a tenth: 4, 4.5 (never "-0"). Times shown as text
 * use formatTime (time.ts). */
export function formatSeconds(s: number): string {
  const v = Math.round(s * 10) / 10;
  return String(Object.is(v, -0) || !Number.isFinite(v) ? 0 : v);
}
