// The one door to the Rust backend. Nothing else in the UI imports @tauri-apps/api: every
// command, event and webview hook the UI uses is wrapped here with its types, so the contract
// with src-tauri lives in a single file (and tests can mock this module as a whole).

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";

import type { AppInfo } from "./bindings/AppInfo";
import type { AudioPeaks } from "./bindings/AudioPeaks";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ImportedImage } from "./bindings/ImportedImage";
import type { ImportedSound } from "./bindings/ImportedSound";
import type { OpenedProject } from "./bindings/OpenedProject";
import type { PreviewRequest } from "./bindings/PreviewRequest";
import type { Project } from "./bindings/Project";

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

export const importImage = (path: string) => call<ImportedImage>("import_image", { path });
/** Copies a sound file into the project; with `buckets` waveform peaks computed by the backend. */
export const importAudio = (path: string, buckets: number) =>
  call<ImportedSound>("import_audio", { path, buckets });
/** The waveform of a sound already in the project (an audio clip's `file`). */
export const audioPeaks = (file: string, buckets: number) => call<AudioPeaks>("audio_peaks", { file, buckets });

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

// ---- export ----

export type { ExportRequest };

export function exportVideo(request: ExportRequest, onProgress: (p: ExportProgress) => void): Promise<void> {
  if (!hasBackend()) return call<void>("export_video");
  const channel = new Channel<ExportProgress>();
  channel.onmessage = onProgress;
  return call<void>("export_video", { request, onProgress: channel });
}

export const cancelExport = () => call<void>("cancel_export");

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
