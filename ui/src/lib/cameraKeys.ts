// Camera keys in the UI: pure helpers over a camera's keys (studio/src/motion.rs CameraKey;
// studio/src/warp/camera_keys.rs renders them). Every helper returns new arrays, so each edit
// can be one undo step of the project history.

import type { Camera } from "./bindings/Camera";
import type { CameraKey } from "./bindings/CameraKey";
import type { Easing } from "./bindings/Easing";

/** The same limits as MAX_CAMERA_KEYS, MAX_KEY_ZOOM and MAX_KEY_ROLL in motion.rs. */
export const MAX_CAMERA_KEYS = 64;
export const MIN_KEY_ZOOM = 1;
export const MAX_KEY_ZOOM = 10;
export const MAX_KEY_ROLL = 90;
/** Two keys closer than this in shot time are the same key (the backend refuses equal times). */
export const SAME_TIME = 1e-3;

export type KeyField = "t" | "x" | "y" | "zoom" | "roll";

export function easingApply(easing: Easing, t: number): number {
  const u = Math.min(1, Math.max(0, t));
  switch (easing) {
    case "linear":
      return u;
    case "ease-in":
      return u * u;
    case "ease-out":
      return 1 - (1 - u) * (1 - u);
    case "ease-in-out":
      return u * u * (3 - 2 * u);
  }
}

function clamp(v: number, lo: number, hi: number, fallback: number): number {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

/** A field's value brought into its range (what the backend accepts). */
export function clampField(field: KeyField, v: number, fallback: number): number {
  switch (field) {
    case "t":
    case "x":
    case "y":
      return clamp(v, 0, 1, fallback);
    case "zoom":
      return clamp(v, MIN_KEY_ZOOM, MAX_KEY_ZOOM, fallback);
    case "roll":
      return clamp(v, -MAX_KEY_ROLL, MAX_KEY_ROLL, fallback);
  }
}

/**
 * The roll move's constant crop-in over a picture of `aspect` = width / height (camera.rs
 * crop_scale): the largest the turned view needs at any angle up to the move's last.
 */
function rollCrop(amount: number, aspect: number): number {
  const theta = (amount * Math.PI) / 2;
  const bound = (k: number) => {
    const phi = Math.min(theta, Math.atan(k));
    return Math.cos(phi) + k * Math.sin(phi);
  };
  return Math.min(MAX_KEY_ZOOM, Math.max(1, bound(1 / aspect), bound(aspect)));
}

/**
 * What the preset move (kind, amount, easing) shows at shot time `t`, as a key: so a key added
 * to a camera without keys starts from exactly the framing on screen. Mirrors camera.rs: pans
 * and tilts crop in by 1 / (1 - amount), rolls by their constant crop for the picture's
 * `aspect` (width / height).
 */
export function moveFraming(camera: Camera, t: number, aspect = 1): CameraKey {
  const key: CameraKey = { t, x: 0.5, y: 0.5, zoom: 1, roll: 0 };
  const a = clamp(camera.amount, 0, 1, 0);
  if (camera.kind === "static" || a === 0) return key;
  const p = easingApply(camera.easing, t);
  // 1 / 0 is Infinity for a full-width pan: capped like camera.rs's MAX_CROP.
  const crop = Math.min(MAX_KEY_ZOOM, 1 / (1 - a));
  const ratio = Number.isFinite(aspect) && aspect > 0 ? aspect : 1;
  switch (camera.kind) {
    case "pan-left":
      return { ...key, x: 0.5 + a * (0.5 - p), zoom: crop };
    case "pan-right":
      return { ...key, x: 0.5 + a * (p - 0.5), zoom: crop };
    case "tilt-up":
      return { ...key, y: 0.5 + a * (0.5 - p), zoom: crop };
    case "tilt-down":
      return { ...key, y: 0.5 + a * (p - 0.5), zoom: crop };
    case "zoom-in":
      return { ...key, zoom: 1 + a * p };
    case "zoom-out":
      return { ...key, zoom: 1 + a * (1 - p) };
    case "roll-left":
      return { ...key, roll: a * MAX_KEY_ROLL * p, zoom: rollCrop(a, ratio) };
    case "roll-right":
      return { ...key, roll: -a * MAX_KEY_ROLL * p, zoom: rollCrop(a, ratio) };
  }
}

/** The framing the keys give at `t` (camera_keys.rs keyed_framing), or null without keys. */
export function keyedFraming(keys: readonly CameraKey[], easing: Easing, t: number): CameraKey | null {
  if (keys.length === 0) return null;
  const tt = clamp(t, 0, 1, 0);
  let before: CameraKey | null = null;
  let after: CameraKey | null = null;
  for (const k of keys) {
    if (k.t <= tt) {
      if (!before || k.t >= before.t) before = k;
    } else if (!after || k.t < after.t) {
      after = k;
    }
  }
  if (before && after) {
    const p = easingApply(easing, (tt - before.t) / (after.t - before.t));
    const mix = (u: number, v: number) => u + (v - u) * p;
    return {
      t: tt,
      x: mix(before.x, after.x),
      y: mix(before.y, after.y),
      zoom: mix(before.zoom, after.zoom),
      roll: mix(before.roll, after.roll),
    };
  }
  const only = (before ?? after) as CameraKey;
  return { ...only, t: tt };
}

/** The framing on screen at `t`: the keys' when there are keys, else the preset move's. */
export function framingAt(camera: Camera, t: number, aspect = 1): CameraKey {
  return keyedFraming(camera.keys ?? [], camera.easing, t) ?? moveFraming(camera, t, aspect);
}

function byTime(keys: CameraKey[]): CameraKey[] {
  return keys.sort((a, b) => a.t - b.t);
}

/** The index of the key at (about) time `t`, or -1. */
export function keyIndexAt(keys: readonly CameraKey[], t: number): number {
  return keys.findIndex((k) => Math.abs(k.t - t) < SAME_TIME);
}

/**
 * The keys with a key at `t` holding the framing on screen there; a key already at that time
 * is replaced. Null when the camera already has the most keys.
 */
export function addKey(camera: Camera, t: number, aspect = 1): { keys: CameraKey[]; index: number } | null {
  const keys = [...(camera.keys ?? [])];
  const tt = clamp(t, 0, 1, 0);
  const framing = framingAt(camera, tt, aspect);
  const key: CameraKey = {
    t: tt,
    x: clampField("x", framing.x, 0.5),
    y: clampField("y", framing.y, 0.5),
    zoom: clampField("zoom", framing.zoom, 1),
    roll: clampField("roll", framing.roll, 0),
  };
  const same = keyIndexAt(keys, tt);
  if (same >= 0) keys[same] = key;
  else if (keys.length >= MAX_CAMERA_KEYS) return null;
  else keys.push(key);
  const sorted = byTime(keys);
  return { keys: sorted, index: sorted.indexOf(key) };
}

/**
 * The keys with one field of key `index` set (clamped to its range). A time that would land on
 * another key's is refused (null): two keys at one time would be a jump the backend rejects.
 * Returns the key's index after re-sorting, so a selection can follow it.
 */
export function updateKey(
  keys: readonly CameraKey[],
  index: number,
  field: KeyField,
  value: number,
): { keys: CameraKey[]; index: number } | null {
  const old = keys[index];
  if (!old) return null;
  const v = clampField(field, value, old[field]);
  const next: CameraKey = { ...old, [field]: v };
  if (field === "t" && keys.some((k, i) => i !== index && Math.abs(k.t - v) < SAME_TIME)) return null;
  const out = [...keys];
  out[index] = next;
  const sorted = byTime(out);
  return { keys: sorted, index: sorted.indexOf(next) };
}

export function deleteKey(keys: readonly CameraKey[], index: number): CameraKey[] {
  return keys.filter((_, i) => i !== index);
}
