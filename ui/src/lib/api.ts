// The one door to the Rust backend. Nothing else in the UI imports @tauri-apps/api: every
// command, event and webview hook the UI uses is wrapped here with its types, so the contract
// with src-tauri lives in a single file (and tests can mock this module as a whole).

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";

import type { AppInfo } from "./bindings/AppInfo";
import type { AudioPeaks } from "./bindings/AudioPeaks";
import type { EngineDevice } from "./bindings/EngineDevice";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ImportedImage } from "./bindings/ImportedImage";
import type { PictureImport } from "./bindings/PictureImport";
import type { ImportedSound } from "./bindings/ImportedSound";
import type { OpenedProject } from "./bindings/OpenedProject";
import type { PreviewRequest } from "./bindings/PreviewRequest";
import type { Project } from "./bindings/Project";
import type { BeatGrid } from "./bindings/BeatGrid";
import type { PlayRequest } from "./bindings/PlayRequest";
import type { PlayStarted } from "./bindings/PlayStarted";
import type { PlayheadPosition } from "./bindings/PlayheadPosition";
import type { SequenceFrameRequest } from "./bindings/SequenceFrameRequest";
import type { SnapRequest } from "./bindings/SnapRequest";
import type { SnapResult } from "./bindings/SnapResult";
import type { ScriptBeat } from "./bindings/ScriptBeat";
import type { ScriptShots } from "./bindings/ScriptShots";
import type { DownloadProgress } from "./bindings/DownloadProgress";
import type { GenerateEvent } from "./bindings/GenerateEvent";
import type { GenerateShotsRequest } from "./bindings/GenerateShotsRequest";
import type { GeneratedFrameRequest } from "./bindings/GeneratedFrameRequest";
import type { GenerationStatus } from "./bindings/GenerationStatus";
import type { GenerationStatusRequest } from "./bindings/GenerationStatusRequest";
import type { ClipState } from "./bindings/ClipState";
import type { DiscardClipRequest } from "./bindings/DiscardClipRequest";
import type { Imported } from "./bindings/Imported";
import type { Installed } from "./bindings/Installed";
import type { MemoryReport } from "./bindings/MemoryReport";
import type { MemoryRequest } from "./bindings/MemoryRequest";
import type { ModelsOverview } from "./bindings/ModelsOverview";

/** True inside the Tauri webview; false in a plain browser (vite dev) and in unit tests. */
export function hasBackend(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** Commands reject with a plain string; anything else is turned into a readable message. */
export function errorMessage(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === "object" && "message" in err) return String((err as { message: unknown }).message);
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBackend()) {
    throw new Error(`The Motionboard backend is not available (command "${cmd}"). Run the UI inside the desktop app.`);
  }
  return invoke<T>(cmd, args);
}

// ---- app and project ----

export const appInfo = () => call<AppInfo>("app_info");
/** Where generation runs: the GPU's line ("GPU: …, Vulkan (SPIR-V), f16, tensor cores") or why the CPU. */
export const engineDevice = () => call<EngineDevice>("engine_device");
export const newProject = () => call<OpenedProject>("new_project");
/** At start-up: the last project if it has unsaved autosaved work (recovered), else a new one. */
export const restoreSession = () => call<OpenedProject>("restore_session");
export const openProject = (dir: string) => call<OpenedProject>("open_project", { dir });
export const saveProject = (project: Project) => call<void>("save_project", { project });
export const saveProjectAs = (dir: string, project: Project) =>
  call<OpenedProject>("save_project_as", { dir, project });
export const autosave = (project: Project) => call<void>("autosave", { project });

// ---- native dialogs (run by the backend) ----

export const pickImage = () => call<string | null>("pick_image");
export const pickAudio = () => call<string | null>("pick_audio");
export const pickProjectFolder = () => call<string | null>("pick_project_folder");
export const pickExportPath = (defaultName: string) => call<string | null>("pick_export_path", { defaultName });

// ---- assets and preview ----

/** Copies a picture into the project, upright; a damaged file comes back as `damaged` (nothing
 * copied) unless `allowDamaged`. */
export const importImage = (path: string, allowDamaged = false) =>
  call<PictureImport>("import_image", { path, allowDamaged });
/** Copies a sound file into the project; with `buckets` waveform peaks computed by the backend. */
export const importAudio = (path: string, buckets: number) =>
  call<ImportedSound>("import_audio", { path, buckets });
/** The waveform of a sound already in the project (an audio clip's `file`). */
export const audioPeaks = (file: string, buckets: number) => call<AudioPeaks>("audio_peaks", { file, buckets });

// ---- subjects and script to storyboard ----

/** Several pictures at once (a subject's references); empty when the dialog is cancelled. */
export const pickImages = () => call<string[]>("pick_images");
/** Copies a subject's pictures into the project; fails as a whole, naming the bad file. */
export const importSubjectImages = (paths: string[]) => call<ImportedImage[]>("import_subject_images", { paths });
/** The beats a script would make (the dialog's preview); changes nothing. */
export const planScript = (text: string) => call<ScriptBeat[]>("plan_script", { text });
/** Every shot once the script is added to `project` (the caller puts them in place). */
export const scriptToShots = (project: Project, text: string) => call<ScriptShots>("script_to_shots", { project, text });

export type { PreviewRequest };

/** An RGBA frame as the backend renders it. */
export interface Frame {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA, rows top to bottom. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** Reads the preview_frame payload: u32 LE width, u32 LE height, then the RGBA bytes. */
export function decodeFrame(payload: ArrayBuffer | ArrayBufferView | number[]): Frame {
  let bytes: Uint8Array;
  if (payload instanceof ArrayBuffer) bytes = new Uint8Array(payload);
  else if (Array.isArray(payload)) bytes = Uint8Array.from(payload);
  else bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.byteLength < 8) throw new Error(`preview frame too short: ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const width = view.getUint32(0, true);
  const height = view.getUint32(4, true);
  const need = width * height * 4;
  if (width === 0 || height === 0 || bytes.byteLength - 8 < need) {
    throw new Error(`preview frame of ${width}x${height} has ${bytes.byteLength - 8} bytes, expected ${need}`);
  }
  // Copy into a fresh buffer so ImageData gets a plain ArrayBuffer it may keep.
  const rgba = new Uint8ClampedArray(need);
  rgba.set(bytes.subarray(8, 8 + need));
  return { width, height, rgba };
}

export async function previewFrame(request: PreviewRequest): Promise<Frame> {
  const payload = await call<ArrayBuffer | number[]>("preview_frame", { request });
  return decodeFrame(payload);
}

// ---- timeline: sequence preview, playback, beats ----

/** A frame of the whole sequence (transitions included) at `seconds`, fitted to the bounds;
 * the same byte layout as preview_frame. */
export async function sequenceFrame(request: SequenceFrameRequest): Promise<Frame> {
  const payload = await call<ArrayBuffer | number[]>("sequence_frame", { request });
  return decodeFrame(payload);
}
export const playbackStart = (request: PlayRequest) => call<PlayStarted>("playback_start", { request });
export const playbackStop = () => call<number>("playback_stop");
export const playbackPosition = () => call<PlayheadPosition>("playback_position");
/** The beats of a sound in the project (an audio clip's `file`), in seconds of the file. */
export const detectBeats = (file: string) => call<BeatGrid>("detect_beats", { file });
export const snapCuts = (request: SnapRequest) => call<SnapResult>("snap_cuts", { request });

// ---- export ----

export type { ExportRequest };

export function exportVideo(request: ExportRequest, onProgress: (p: ExportProgress) => void): Promise<void> {
  if (!hasBackend()) return call<void>("export_video");
  const channel = new Channel<ExportProgress>();
  channel.onmessage = onProgress;
  return call<void>("export_video", { request, onProgress: channel });
}

export const cancelExport = () => call<void>("cancel_export");
/** Opens an exported file in the system's player, or with `reveal` its folder. */
export const showExport = (path: string, reveal: boolean) => call<void>("show_export", { path, reveal });

// ---- generation (the video model) and the Models panel ----

/** A step preview as the backend sends it: one small RGB picture per latent frame. */
export interface StepPreview {
  job: number;
  step: number;
  steps: number;
  frames: number;
  height: number;
  width: number;
  /** frames * height * width * 3 bytes, RGB. */
  rgb: Uint8Array;
}

/** Reads a raw step preview: six u32 LE (job, step, steps, frames, height, width), then RGB. */
export function decodeStepPreview(payload: ArrayBuffer | ArrayBufferView): StepPreview {
  const bytes =
    payload instanceof ArrayBuffer ? new Uint8Array(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.byteLength < 24) throw new Error(`step preview too short: ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 24);
  const [job, step, steps, frames, height, width] = [0, 1, 2, 3, 4, 5].map((i) => view.getUint32(i * 4, true));
  const need = frames * height * width * 3;
  if (bytes.byteLength - 24 < need) {
    throw new Error(`step preview of ${frames}x${height}x${width} has ${bytes.byteLength - 24} bytes, expected ${need}`);
  }
  return { job, step, steps, frames, height, width, rgb: bytes.slice(24, 24 + need) };
}

/** Saves `project`, then queues its `shots` (indices) for the video model. Events and step
 * previews arrive through the callbacks until each job's last event. Returns the job ids. */
export function generateShots(
  project: Project,
  shots: number[],
  onEvent: (e: GenerateEvent) => void,
  onPreview: (p: StepPreview) => void,
): Promise<number[]> {
  if (!hasBackend()) return call<number[]>("generate_shots");
  const channel = new Channel<GenerateEvent | ArrayBuffer>();
  channel.onmessage = (message) => {
    if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) onPreview(decodeStepPreview(message));
    else onEvent(message);
  };
  const request: GenerateShotsRequest = { project, shots };
  return call<number[]>("generate_shots", { request, onEvent: channel });
}
/** Cancels the jobs of one shot (its id), or every job. */
export const cancelGeneration = (shotId: string | null) => call<number>("cancel_generation", { shotId });
export const shotGenerationStatus = (request: GenerationStatusRequest) =>
  call<GenerationStatus>("shot_generation_status", { request });
/** The shot forgets its generated clip (the project comes back saved, unless untitled). */
export const discardGeneratedClip = (request: DiscardClipRequest) =>
  call<Project>("discard_generated_clip", { request });
/** Every shot's generated clip, in order: none playing, current, out of date or missing. */
export const shotClipStates = (project: Project) => call<ClipState[]>("shot_clip_states", { project });
/** A frame of a generated clip (a shot's result), the same byte layout as preview_frame. */
export async function generatedFrame(request: GeneratedFrameRequest): Promise<Frame> {
  const payload = await call<ArrayBuffer | number[]>("generated_frame", { request });
  return decodeFrame(payload);
}

export const listModels = () => call<ModelsOverview>("list_models");
export function downloadModel(id: string, onProgress: (p: DownloadProgress) => void): Promise<Installed> {
  if (!hasBackend()) return call<Installed>("download_model");
  const channel = new Channel<DownloadProgress>();
  channel.onmessage = onProgress;
  return call<Installed>("download_model", { id, onProgress: channel });
}
export const cancelDownload = () => call<void>("cancel_download");
export const importModel = (path: string) => call<Imported>("import_model", { path });
export const setComfyuiFolder = (folder: string | null) => call<ModelsOverview>("set_comfyui_folder", { folder });
/** Checks and saves the download mirror (null or "" goes back to the Hugging Face Hub). */
export const setDownloadMirror = (mirror: string | null) => call<ModelsOverview>("set_download_mirror", { mirror });
export const memoryEstimate = (request: MemoryRequest) => call<MemoryReport>("memory_estimate", { request });
export const pickModelFile = () => call<string | null>("pick_model_file");
export const pickModelsFolder = () => call<string | null>("pick_models_folder");

// ---- language ----

export const setMenuLanguage = (lang: "en" | "zh-CN") => call<void>("set_menu_language", { lang });

// ---- events ----

export type MenuAction = "new" | "open" | "save" | "save-as" | "import" | "export" | "undo" | "redo";

export type Unlisten = () => void;

/** The native menu's "menu" event. Resolves to a no-op outside the app. */
export async function onMenu(handler: (action: MenuAction) => void): Promise<Unlisten> {
  if (!hasBackend()) return () => {};
  return listen<MenuAction>("menu", (event) => handler(event.payload));
}

export type DragDrop =
  | { type: "enter" | "over"; paths: string[] }
  | { type: "drop"; paths: string[] }
  | { type: "leave"; paths: string[] };

/** Files dragged onto the window (from the OS). Resolves to a no-op outside the app. */
export async function onDragDrop(handler: (e: DragDrop) => void): Promise<Unlisten> {
  if (!hasBackend()) return () => {};
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === "drop") handler({ type: "drop", paths: p.paths });
    else if (p.type === "enter") handler({ type: "enter", paths: p.paths });
    else if (p.type === "over") handler({ type: "over", paths: [] });
    else handler({ type: "leave", paths: [] });
  });
}

/** Sets the native window title; silently does nothing without the permission or outside the app. */
export async function setWindowTitle(title: string): Promise<void> {
  if (typeof document !== "undefined") document.title = title;
  if (!hasBackend()) return;
  try {
    await getCurrentWindow().setTitle(title);
  } catch {
    // core:window:allow-set-title may not be granted; document.title is still set.
  }
}
