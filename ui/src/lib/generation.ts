// Generating shots with the video model, the parts that need no component: a shot's settings
// kept in the ranges the engine takes, the queue's jobs as events arrive, step previews as
// pictures, and the Models panel's figures.

import type { Engine } from "./bindings/Engine";
import type { GenerateEvent } from "./bindings/GenerateEvent";
import type { Generation } from "./bindings/Generation";
import type { GenerationStatus } from "./bindings/GenerationStatus";
import type { ClipState } from "./bindings/ClipState";
import type { PackageStatus } from "./bindings/PackageStatus";
import type { Shot } from "./bindings/Shot";
import type { Soundness } from "./bindings/Soundness";
import type { StepPreview } from "./api";
import { en, translate, type Key, type Lang } from "./i18n";

export const ENGINES: readonly Engine[] = ["warp", "wan-text-to-video", "wan-image-to-video"];

export const MIN_STEPS = 1;
export const MAX_STEPS = 100;
/** Wan makes 4k + 1 frames in one run: at most 81 for Wan2.1 (5 s at 16 fps), 121 for
 * Wan2.2 TI2V (5 s at 24 fps). */
export const MIN_FRAMES = 5;
export const MAX_FRAMES = 121;
export const MAX_SIDE = 2048;

/** The settings a shot without its own has (as `Generation::default()` in schema.rs). */
export function defaultGeneration(): Generation {
  return {
    engine: "warp",
    model: "",
    steps: 50,
    guidance: null,
    shift: null,
    t_weak: 3,
    t_strong: 7,
    size: null,
    frames: null,
  };
}

/** The shot's settings, its own or the defaults. */
export function generationOf(shot: Shot | null | undefined): Generation {
  return { ...defaultGeneration(), ...(shot?.generation ?? {}) };
}

function whole(n: number, lo: number, hi: number, fallback: number): number {
  if (!Number.isFinite(n)) return fallback;
  return Math.max(lo, Math.min(hi, Math.round(n)));
}

/** The nearest frame count the model makes (4k + 1, 5 to `max`). */
export function snapFrames(n: number, max: number = MAX_FRAMES): number {
  const f = whole(n, MIN_FRAMES, max, max);
  return Math.max(MIN_FRAMES, Math.min(max, 4 * Math.round((f - 1) / 4) + 1));
}

/** A package's official defaults (as `models::pipeline::PackageDefaults`): what a shot's empty
 * settings become. */
export interface PackageDefaults {
  fps: number;
  maxFrames: number;
  guidance: number;
  shift: number;
}

export const WAN21_DEFAULTS: PackageDefaults = { fps: 16, maxFrames: 81, guidance: 6, shift: 8 };
export const WAN22_DEFAULTS: PackageDefaults = { fps: 24, maxFrames: 121, guidance: 5, shift: 5 };

/** The defaults of the package a shot runs on (Wan2.2 TI2V for image-to-video). */
export function packageDefaults(engine: Engine, pkg: PackageStatus | null | undefined): PackageDefaults {
  return sideMultiple(engine, pkg) === 32 ? WAN22_DEFAULTS : WAN21_DEFAULTS;
}

/** Whether the shot has paths or held regions: motion only image-to-video can follow. */
export function hasBrushMotion(shot: Shot | null | undefined): boolean {
  const m = shot?.motion;
  return !!m && (m.paths.some((p) => p.points.length >= 2) || m.statics.length > 0);
}

/** A side rounded to the model's multiple (16 for Wan2.1, 32 for Wan2.2), at least one. */
export function snapSide(n: number, multiple: number): number {
  const side = whole(n, multiple, MAX_SIDE, multiple);
  return Math.max(multiple, Math.round(side / multiple) * multiple);
}

/** The side multiple of the package a shot runs on: Wan2.2 (image-to-video) needs 32. */
export function sideMultiple(engine: Engine, pkg: PackageStatus | null | undefined): number {
  if (pkg?.kind.kind === "pipeline") return pkg.kind.version === "wan22" ? 32 : 16;
  return engine === "wan-image-to-video" ? 32 : 16;
}

/** `g` with every number in the engine's range: steps 1..100, guidance 0..20, shift > 0, the
 * strengths ordered and inside the steps (as the engine's plan clamps them). */
export function normalizeGeneration(g: Generation): Generation {
  const steps = whole(g.steps, MIN_STEPS, MAX_STEPS, 50);
  const t_weak = whole(g.t_weak, 0, steps - 1, 0);
  const t_strong = whole(g.t_strong, t_weak, steps, t_weak);
  const guidance = g.guidance !== null && Number.isFinite(g.guidance) ? Math.max(0, Math.min(20, g.guidance)) : null;
  const shift = g.shift !== null && Number.isFinite(g.shift) && g.shift > 0 ? Math.min(20, g.shift) : null;
  return {
    ...g,
    steps,
    t_weak,
    t_strong,
    guidance,
    shift,
    frames: g.frames === null ? null : snapFrames(g.frames),
  };
}

/** A folder's last name (a package's `model` value: the engine matches installed folders by it). */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? path;
}

export interface ModelOption {
  value: string;
  label: string;
}

/** The installed packages that run `engine`: Wan2.2 TI2V for image-to-video, any for text. */
export function modelOptions(packages: readonly PackageStatus[], engine: Engine): ModelOption[] {
  if (engine === "warp") return [];
  return packages
    .filter((p) => p.ready && p.root && p.kind.kind === "pipeline")
    .filter((p) => engine !== "wan-image-to-video" || (p.kind.kind === "pipeline" && p.kind.version === "wan22"))
    .map((p) => ({ value: folderName(p.root ?? ""), label: p.name }));
}

/** The package `model` names among `packages`, or the first that runs `engine`. */
export function packageFor(packages: readonly PackageStatus[], g: Generation): PackageStatus | null {
  const options = modelOptions(packages, g.engine);
  const want = g.model.trim();
  const value = want ? options.find((o) => o.value === want)?.value : options[0]?.value;
  return packages.find((p) => p.root && folderName(p.root) === value) ?? null;
}

// ---- the queue ----

export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";

export interface Job {
  job: number;
  shotId: string;
  /** The shot's index when it was queued. */
  shot: number;
  state: JobState;
  step: number;
  steps: number;
  device: string;
  message: string;
  key: string;
}

export function isActive(job: Job): boolean {
  return job.state === "queued" || job.state === "running";
}

/** The jobs after `e`; a job the list does not hold yet is added when it is queued. */
export function applyEvent(jobs: readonly Job[], e: GenerateEvent): Job[] {
  if (e.kind === "queued") {
    if (jobs.some((j) => j.job === e.job)) return [...jobs];
    return [
      ...jobs,
      { job: e.job, shotId: e.shot_id, shot: e.shot, state: "queued", step: 0, steps: 0, device: "", message: "", key: "" },
    ];
  }
  return jobs.map((j) => {
    if (j.job !== e.job) return j;
    switch (e.kind) {
      case "started":
        return { ...j, state: "running", device: e.device };
      case "done":
        return { ...j, state: "done", key: e.key, step: j.steps || j.step };
      case "failed":
        return { ...j, state: "failed", message: e.message };
      case "cancelled":
        return { ...j, state: "cancelled" };
    }
  });
}

/** The jobs after a step preview of `p.job`. */
export function applyStep(jobs: readonly Job[], p: StepPreview): Job[] {
  return jobs.map((j) => (j.job === p.job && isActive(j) ? { ...j, state: "running", step: p.step, steps: p.steps } : j));
}

/** Finished jobs beyond the newest `keep` are dropped: the panel shows what is going on. */
export function pruneJobs(jobs: readonly Job[], keep = 6): Job[] {
  const finished = jobs.filter((j) => !isActive(j));
  const drop = new Set(finished.slice(0, Math.max(0, finished.length - keep)).map((j) => j.job));
  return jobs.filter((j) => !drop.has(j.job));
}

/** 0..1 done of a job. */
export function progress(job: Job): number {
  if (job.state === "done") return 1;
  return job.steps > 0 ? Math.min(1, job.step / job.steps) : 0;
}

// ---- step previews ----

/** Latent frame `index` of a preview (clamped; the middle one by default) as RGBA. */
export function previewFrameRgba(p: StepPreview, index = Math.floor(p.frames / 2)): Uint8ClampedArray<ArrayBuffer> {
  const i = Math.max(0, Math.min(p.frames - 1, index));
  const n = p.width * p.height;
  const out = new Uint8ClampedArray(n * 4);
  const base = i * n * 3;
  for (let k = 0; k < n; k++) {
    out[k * 4] = p.rgb[base + k * 3];
    out[k * 4 + 1] = p.rgb[base + k * 3 + 1];
    out[k * 4 + 2] = p.rgb[base + k * 3 + 2];
    out[k * 4 + 3] = 255;
  }
  return out;
}

// ---- the Models panel ----

/** Bytes as a person reads them (decimal units, as disks are sold). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** GiB with one decimal, as the memory plan speaks. */
export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** Why a file cannot be used, or null when it can (or is simply not there). */
export function unsoundReason(s: Soundness): string | null {
  switch (s.state) {
    case "sound":
    case "missing":
      return null;
    default:
      return s.reason;
  }
}

/** Download progress as 0..1, or null when the size is not known. */
export function downloadFraction(bytes: number, total: number | null): number | null {
  if (total === null || total <= 0) return null;
  return Math.max(0, Math.min(1, bytes / total));
}

/** The generated result that plays for `shot`: none on the warp engine, whatever it keeps
 * from before (the engine decides what plays, as in the backend's `Shot::playing_result`). */
export function playingResult(shot: Shot | null | undefined): string | null {
  if (!shot || (shot.generation?.engine ?? "warp") === "warp") return null;
  return shot.result ?? null;
}

/** What a shot card shows: generating now, generated (up to date as far as known), or
 * generated but out of date (the shot changed since, or its clip is missing). */
export function cardState(
  shot: Shot,
  job: Job | null,
  status: GenerationStatus | undefined,
  clip?: ClipState,
): "generating" | "generated" | "stale" | "none" {
  if (job && isActive(job)) return "generating";
  if (!playingResult(shot)) return "none";
  if (clip === "out-of-date" || clip === "missing") return "stale";
  return status?.state === "needs_generating" ? "stale" : "generated";
}

/** Ready packages first, then those with some file found (to be mended), then the rest; the
 * catalog's order within each. */
export function sortPackages(packages: readonly PackageStatus[]): PackageStatus[] {
  const rank = (p: PackageStatus) => (p.ready ? 0 : p.files.some((f) => f.path !== null) ? 1 : 2);
  return packages
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** The descriptive words of the backend's package and file names and their translations
 * (longest first, so " (ComfyUI, fp16)" is replaced before " (ComfyUI)"). */
const NAME_TERMS: ReadonlyArray<readonly [string, Key]> = [
  [" (diffusers package)", "models.term.package"],
  [" (single files)", "models.term.singleFiles"],
  [" (ComfyUI, fp16)", "models.term.comfyFp16"],
  [" (ComfyUI)", "models.term.comfy"],
  ["VAE and text encoder", "models.term.vaeAndText"],
  [" transformer", "models.term.transformer"],
  ["text encoder", "models.term.textEncoder"],
  ["preview decoder for", "models.term.previewFor"],
];

/** `name` with its descriptive words in `lang`; model and version names (Wan2.1, T2V, VAE,
 * umT5-XXL, TAEHV) stay as they are. */
function localizeTerms(name: string, lang: Lang): string {
  if (lang === "en") return name;
  return NAME_TERMS.reduce((out, [term, key]) => out.split(term).join(translate(lang, key)), name);
}

/** A key of the dictionary, if `key` is one (for names made from the backend's ids). */
function knownKey(key: string): Key | null {
  return key in en ? (key as Key) : null;
}

/** A package's name in `lang`: the catalog's packages by their id (the whole name
 * translated), found packages by their descriptive words. */
export function packageLabel(p: { id: string; name: string }, lang: Lang): string {
  if (lang === "en") return p.name;
  const key = knownKey(`models.package.${p.id}`);
  return key ? translate(lang, key) : localizeTerms(p.name, lang);
}

/** A package file's part ("transformer", "vae", a role's description) in `lang`. */
export function componentLabel(component: string, lang: Lang): string {
  if (lang === "en") return component;
  const key = knownKey(`models.component.${component}`);
  return key ? translate(lang, key) : localizeTerms(component, lang);
}

/** A phase of the memory plan ("loading", "denoising"…) in `lang`; one this UI does not
 * know yet as the backend wrote it. */
export function phaseLabel(phase: string, lang: Lang): string {
  if (lang === "en") return phase;
  const key = knownKey(`models.phase.${phase}`);
  return key ? translate(lang, key) : phase;
}
