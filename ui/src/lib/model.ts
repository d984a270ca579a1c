// Defaults and small pure helpers over the project data model.

import type { Camera } from "./bindings/Camera";
import type { CameraKind } from "./bindings/CameraKind";
import type { Easing } from "./bindings/Easing";
import type { Motion } from "./bindings/Motion";
import type { Project } from "./bindings/Project";
import type { Shot } from "./bindings/Shot";

/** The most motion paths one shot may carry (written from studio/src/motion.rs). */
export { MAX_PATHS } from "./bindings/constants";
export const MIN_SECONDS = 1;
export const MAX_SECONDS = 15;
export const DEFAULT_SECONDS = 5;
export const MIN_RADIUS = 0.01;
export const MAX_RADIUS = 0.5;
export const DEFAULT_RADIUS = 0.08;

/** One colour per path index: distinct hues that read on dark and light photos. */
export const PATH_COLORS = [
  "#ff5d5d",
  "#ffb547",
  "#3ddc84",
  "#4aa8ff",
  "#b98cff",
  "#ff6fcf",
  "#2fe0d0",
  "#d8e85a",
] as const;

export const CAMERA_KINDS: readonly CameraKind[] = [
  "static",
  "pan-left",
  "pan-right",
  "tilt-up",
  "tilt-down",
  "zoom-in",
  "zoom-out",
  "roll-left",
  "roll-right",
];

export const EASINGS: readonly Easing[] = ["linear", "ease-in", "ease-out", "ease-in-out"];

export function defaultCamera(): Camera {
  return { kind: "static", amount: 0.15, easing: "ease-in-out" };
}

export function emptyMotion(): Motion {
  return { paths: [], statics: [], camera: defaultCamera() };
}

/** The longest transition between two shots, in seconds (the exporter shortens it further). */
export const MAX_TRANSITION_SECONDS = 5;

export function newId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `shot-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A blank shot at position `index`, named `name` (the UI passes its name for a new shot in
 * the creator's language). */
export function newShot(index = 0, name = `Shot ${index + 1}`): Shot {
  return {
    id: newId(),
    name,
    image: null,
    image_size: null,
    seconds: DEFAULT_SECONDS,
    motion: emptyMotion(),
    source: "image",
    prompt: "",
    negative_prompt: "",
    shot_size: "medium",
    seed: 0,
    transition: { kind: "cut", seconds: 0 },
    subjects: [],
    crop: { x: 0.5, y: 0.5, zoom: 1 },
  };
}

/** Whether `shot` holds nothing the creator made: no picture, prompt, motion or clip. */
export function isBlankShot(shot: Shot): boolean {
  const m = shot.motion;
  return (
    !shot.image &&
    !shot.result &&
    shot.prompt === "" &&
    shot.negative_prompt === "" &&
    m.paths.length === 0 &&
    m.statics.length === 0 &&
    m.camera.kind === "static" &&
    (m.camera.keys?.length ?? 0) === 0
  );
}

/** A placeholder project shown before the backend answers. */
export function emptyProject(name = "Untitled"): Project {
  return {
    schema_version: 3,
    name,
    shots: [newShot()],
    export: { preset: "tiktok", fit: "crop" },
    audio: [],
    subjects: [],
  };
}

export function pathColor(index: number): string {
  return PATH_COLORS[((index % PATH_COLORS.length) + PATH_COLORS.length) % PATH_COLORS.length];
}

/** Whether the preview changes over time: any path, camera keys, or a camera move that moves. */
export function isAnimated(motion: Motion): boolean {
  return (
    motion.paths.length > 0 ||
    (motion.camera.keys?.length ?? 0) > 0 ||
    (motion.camera.kind !== "static" && motion.camera.amount > 0)
  );
}

export function clampSeconds(v: number): number {
  if (!Number.isFinite(v)) return DEFAULT_SECONDS;
  return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Math.round(v * 10) / 10));
}

export function clampRadius(v: number): number {
  if (!Number.isFinite(v)) return DEFAULT_RADIUS;
  return Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, v));
}

const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

export function isImagePath(path: string): boolean {
  return IMAGE_EXT.test(path);
}

/** The last part of a path, for messages ("/a/b/c.mp4" -> "c.mp4"). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** A file name for the exported video from the project's name. */
export function exportFileName(projectName: string): string {
  const safe = projectName.replace(/[\\/:*?"<>|]+/g, " ").trim();
  return `${safe || "Motionboard"}.mp4`;
}
