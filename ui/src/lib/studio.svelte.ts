// The studio's state and every action a creator can take (toolbar, keys and the native menu
// all call these). The project is immutable, reactive state: each edit clones it, changes the
// clone and records it in the undo history, so undo/redo and "unsaved" are exact.

import * as api from "./api";
import type { AudioClip } from "./bindings/AudioClip";
import type { AudioPeaks } from "./bindings/AudioPeaks";
import type { Camera } from "./bindings/Camera";
import type { Crop } from "./bindings/Crop";
import type { ExportSettings } from "./bindings/ExportSettings";
import type { Motion } from "./bindings/Motion";
import type { OpenedProject } from "./bindings/OpenedProject";
import type { Point } from "./bindings/Point";
import type { Project } from "./bindings/Project";
import type { Shot } from "./bindings/Shot";
import type { Transition } from "./bindings/Transition";
import { History } from "./history";
import { initialLang, setLang, t } from "./locale.svelte";
import {
  DEFAULT_RADIUS,
  MAX_PATHS,
  clampRadius,
  MAX_TRANSITION_SECONDS,
  clampSeconds,
  emptyMotion,
  emptyProject,
  isBlankShot,
  isImagePath,
  newId,
  newShot,
} from "./model";
import { notices } from "./notices.svelte";
import { addMaskStroke } from "./pathMask";
import { MAX_MASK_STROKES } from "./bindings/constants";
import { clampGain, clampStart, clampTrim, indexAfterMove, moveItem } from "./timeline";

export type Tool = "select" | "path" | "static" | "mask" | "frame";
export type StaticMode = "paint" | "erase";
/** What the mask tool does to the selected path's mask. */
export type MaskMode = "paint" | "erase";
type ConfirmChoice = "save" | "discard" | "cancel";

export const AUTOSAVE_DELAY_MS = 1500;
/** Waveform peaks per second of sound asked of the backend (the lane draws at most this fine). */
export const PEAKS_PER_SECOND = 50;
const MAX_PEAKS = 8000;

function peakBuckets(seconds: number): number {
  return Math.max(64, Math.min(MAX_PEAKS, Math.round(seconds * PEAKS_PER_SECOND)));
}

/** The name a new shot at position `index` gets, in the creator's language ("镜头 3"). */
function newShotName(index: number): string {
  return t("storyboard.newName", { n: index + 1 });
}

/** A blank shot at position `index`, named in the creator's language. */
function newLocalShot(index: number) {
  return newShot(index, newShotName(index));
}

export class Studio {
  project = $state.raw<Project>(emptyProject());
  dir = $state("");
  untitled = $state(true);
  ready = $state(false);
  version = $state("");
  shotIndex = $state(0);

  tool = $state<Tool>("path");
  staticMode = $state<StaticMode>("paint");
  maskMode = $state<MaskMode>("paint");
  brushRadius = $state(DEFAULT_RADIUS);
  selected = $state<number | null>(null);
  showOverlays = $state(true);

  playing = $state(true);
  /** Shot time, 0..1. */
  t = $state(0);
  previewFps = $state(0);

  exportOpen = $state(false);
  dropActive = $state(false);
  confirmName = $state<string | null>(null);
  /** The shot whose deletion waits for the creator's yes (index), or null. */
  confirmDeleteShot = $state<number | null>(null);
  /** The audio clip selected on the lane (id), or null. */
  selectedClip = $state<string | null>(null);
  /** Waveform peaks by sound file (an audio clip's `file`); not part of the project. */
  peaks = $state.raw<Record<string, AudioPeaks>>({});

  #rev = $state(0);
  #history = new History<Project>(this.project);
  #autosaveTimer: ReturnType<typeof setTimeout> | null = null;
  #confirmResolve: ((c: ConfirmChoice) => void) | null = null;
  #busy = false;
  #unlisten: api.Unlisten[] = [];

  // ---- derived views ----

  get shot(): Shot | null {
    return this.project.shots[this.shotIndex] ?? null;
  }

  get motion(): Motion {
    return this.shot?.motion ?? emptyMotion();
  }

  get imageLoaded(): boolean {
    return !!this.shot?.image && !!this.shot.image_size;
  }

  get dirty(): boolean {
    void this.#rev;
    return this.#history.dirty;
  }

  get canUndo(): boolean {
    void this.#rev;
    return this.#history.canUndo;
  }

  get canRedo(): boolean {
    void this.#rev;
    return this.#history.canRedo;
  }

  /** The radius the brush slider shows: the selected path's, else the brush's. */
  get radius(): number {
    const sel = this.selected;
    const p = sel === null ? undefined : this.motion.paths[sel];
    return p ? p.radius : this.brushRadius;
  }

  // ---- start-up ----

  async start(): Promise<void> {
    let locale: string | null = typeof navigator !== "undefined" ? navigator.language : null;
    try {
      const info = await api.appInfo();
      locale = info.locale;
      this.version = info.version;
    } catch {
      // outside the app: fall back to the browser's language
    }
    setLang(initialLang(locale));

    api.onMenu((action) => void this.menu(action)).then(
      (u) => this.#unlisten.push(u),
      () => {},
    );
    api.onDragDrop((e) => this.onDragDrop(e)).then(
      (u) => this.#unlisten.push(u),
      () => {},
    );

    try {
      let opened: OpenedProject;
      try {
        // The last project when it has unsaved autosaved work, else a new empty one.
        opened = await api.restoreSession();
      } catch {
        opened = await api.newProject();
      }
      this.load(opened);
    } catch (err) {
      notices.push("error", t("notice.startFailed", { error: api.errorMessage(err) }));
    }
    this.ready = true;
  }

  stop(): void {
    for (const u of this.#unlisten) u();
    this.#unlisten = [];
    if (this.#autosaveTimer) clearTimeout(this.#autosaveTimer);
  }

  /** Shows an opened project, as saved (or, when recovered, as not saved yet). */
  load(opened: OpenedProject): void {
    const project = structuredClone(opened.project);
    if (project.shots.length === 0) project.shots.push(newLocalShot(0));
    // A new project's blank first shot was named by the backend, in English: it takes the
    // name a new shot has in the creator's language (as the untitled project's name does).
    const [first] = project.shots;
    if (opened.untitled && !opened.recovered && project.shots.length === 1 && isBlankShot(first)) {
      first.name = newShotName(0);
    }
    this.project = project;
    this.#history.reset(project, opened.recovered);
    this.#rev++;
    this.dir = opened.dir;
    this.untitled = opened.untitled;
    this.shotIndex = 0;
    this.selected = null;
    this.selectedClip = null;
    this.confirmDeleteShot = null;
    this.peaks = {};
    this.t = 0;
    this.playing = true;
    void this.#loadPeaks();
    if (opened.recovered) notices.push("warning", t("notice.recovered"), 8000);
  }

  // ---- editing ----

  /** Changes the project through `fn` on a copy; one undo step (or part of one, see collapseKey). */
  edit(fn: (draft: Project) => void, collapseKey?: string): void {
    const draft = structuredClone(this.project);
    fn(draft);
    this.#history.push(draft, collapseKey);
    this.project = draft;
    this.#rev++;
    this.#scheduleAutosave();
  }

  editShot(fn: (shot: Shot) => void, collapseKey?: string): void {
    this.edit((p) => {
      while (p.shots.length <= this.shotIndex) p.shots.push(newLocalShot(p.shots.length));
      fn(p.shots[this.shotIndex]);
    }, collapseKey);
  }

  /** Moves or zooms the selected shot's picture in the output frame. */
  setCrop(crop: Crop, collapseKey?: string): void {
    const now = this.shot?.crop;
    if (now && now.x === crop.x && now.y === crop.y && now.zoom === crop.zoom) return;
    this.editShot((s) => {
      s.crop = { ...crop };
    }, collapseKey);
  }

  /** Ends a continuous gesture (drag, slider) so the next edit is its own undo step. */
  seal(): void {
    this.#history.seal();
  }

  undo(): void {
    const state = this.#history.undo();
    if (!state) return;
    this.#restore(state);
  }

  redo(): void {
    const state = this.#history.redo();
    if (!state) return;
    this.#restore(state);
  }

  #restore(state: Project): void {
    this.project = state;
    this.#rev++;
    if (this.shotIndex >= state.shots.length) this.shotIndex = Math.max(0, state.shots.length - 1);
    if (this.selectedClip !== null && !state.audio.some((c) => c.id === this.selectedClip)) this.selectedClip = null;
    void this.#loadPeaks();
    const n = this.motion.paths.length;
    if (this.selected !== null && this.selected >= n) this.selected = n > 0 ? n - 1 : null;
    this.#scheduleAutosave();
  }

  // ---- tools and paths ----

  setTool(tool: Tool): void {
    this.tool = tool;
  }

  select(index: number | null): void {
    this.selected = index !== null && index >= 0 && index < this.motion.paths.length ? index : null;
  }

  /** Adds a path (normalised points); false with a notice when the shot already has the most. */
  addPath(points: Point[]): boolean {
    if (this.motion.paths.length >= MAX_PATHS) {
      this.notifyMaxPaths();
      return false;
    }
    if (points.length < 2) return false;
    const radius = clampRadius(this.brushRadius);
    this.editShot((s) => {
      s.motion.paths.push({ points, radius });
    });
    this.selected = this.motion.paths.length - 1;
    return true;
  }

  notifyMaxPaths(): void {
    notices.push("warning", t("notice.maxPaths", { max: MAX_PATHS }));
  }

  deletePath(index: number): void {
    if (index < 0 || index >= this.motion.paths.length) return;
    this.editShot((s) => {
      s.motion.paths.splice(index, 1);
    });
    const n = this.motion.paths.length;
    if (this.selected !== null) {
      if (this.selected === index) this.selected = null;
      else if (this.selected > index) this.selected -= 1;
      if (this.selected !== null && this.selected >= n) this.selected = null;
    }
  }

  deleteSelected(): void {
    if (this.selected !== null) this.deletePath(this.selected);
  }

  movePoint(path: number, point: number, to: Point, collapseKey: string): void {
    this.editShot((s) => {
      const p = s.motion.paths[path];
      if (p && p.points[point]) p.points[point] = to;
    }, collapseKey);
  }

  setPathPoints(path: number, points: Point[], collapseKey: string): void {
    this.editShot((s) => {
      const p = s.motion.paths[path];
      if (p) p.points = points;
    }, collapseKey);
  }

  /** Sets the brush radius; with a path selected, that path's radius too (undoable). */
  setRadius(value: number, collapseKey = "radius"): void {
    const v = clampRadius(value);
    this.brushRadius = v;
    const sel = this.selected;
    if (sel !== null && this.motion.paths[sel] && this.motion.paths[sel].radius !== v) {
      this.editShot((s) => {
        s.motion.paths[sel].radius = v;
      }, collapseKey);
    }
  }

  /** Paints (or erases, with `erase`) a stroke through `points` (normalised) on path
   * `index`'s mask with the path's radius as the brush; one undo step. False, with a
   * notice, when the mask already has the most strokes. */
  paintMask(index: number, points: Point[], erase: boolean): boolean {
    const path = this.motion.paths[index];
    if (!path) return false;
    const next = addMaskStroke(path, points, path.radius, erase);
    if (next === "too-many-strokes") {
      notices.push("warning", t("notice.maskFull", { max: MAX_MASK_STROKES }));
      return false;
    }
    if (next === "empty") return false;
    this.editShot((s) => {
      const p = s.motion.paths[index];
      if (p) p.mask = next;
    });
    return true;
  }

  /** Path `index` moves its disk again (undoable). */
  resetMask(index: number): void {
    if (!this.motion.paths[index]?.mask) return;
    this.editShot((s) => {
      const p = s.motion.paths[index];
      if (p) delete p.mask;
    });
  }

  /** The mask tool in `mode`, on the selected path. */
  useMaskTool(mode: MaskMode): void {
    this.maskMode = mode;
    this.setTool("mask");
  }

  nudgeRadius(direction: 1 | -1): void {
    this.setRadius(this.radius * (direction > 0 ? 1.15 : 1 / 1.15), "radius-key");
  }

  addStatic(points: Point[], radius = this.brushRadius): void {
    if (points.length === 0) return;
    this.editShot((s) => {
      s.motion.statics.push({ points, radius: clampRadius(radius) });
    });
  }

  removeStatics(indices: number[], collapseKey: string): void {
    if (indices.length === 0) return;
    this.editShot((s) => {
      s.motion.statics = s.motion.statics.filter((_, i) => !indices.includes(i));
    }, collapseKey);
  }

  clearStatics(): void {
    if (this.motion.statics.length === 0) return;
    this.editShot((s) => {
      s.motion.statics = [];
    });
  }

  setCamera(patch: Partial<Camera>, collapseKey?: string): void {
    this.editShot((s) => {
      s.motion.camera = { ...s.motion.camera, ...patch };
    }, collapseKey);
  }

  setSeconds(value: number, collapseKey?: string): void {
    const v = clampSeconds(value);
    if (this.shot && this.shot.seconds === v) return;
    this.editShot((s) => {
      s.seconds = v;
    }, collapseKey);
  }

  setExport(settings: ExportSettings): void {
    const cur = this.project.export;
    if (cur.preset === settings.preset && cur.fit === settings.fit) return;
    this.edit((p) => {
      p.export = { ...settings };
    });
  }

  setPrompt(prompt: string): void {
    if (this.shot && this.shot.prompt === prompt) return;
    this.editShot((s) => {
      s.prompt = prompt;
    }, "prompt");
  }

  setTransition(patch: Partial<Transition>, collapseKey?: string): void {
    this.editShot((s) => {
      const next = { ...s.transition, ...patch };
      next.seconds = Number.isFinite(next.seconds) ? Math.max(0, Math.min(MAX_TRANSITION_SECONDS, next.seconds)) : 0;
      s.transition = next;
    }, collapseKey);
  }

  // ---- the storyboard ----

  selectShot(index: number): void {
    if (index < 0 || index >= this.project.shots.length || index === this.shotIndex) return;
    this.seal();
    this.shotIndex = index;
    this.selected = null;
    this.t = 0;
  }

  /** A new empty shot after the selected one, selected. */
  addShot(): void {
    const at = Math.min(this.shotIndex + 1, this.project.shots.length);
    this.edit((p) => {
      // A name in the creator's language; it stays the shot's name wherever the shot moves
      // (the strip shows the position beside it).
      p.shots.splice(at, 0, newLocalShot(p.shots.length));
    });
    this.shotIndex = at;
    this.selected = null;
    this.t = 0;
  }

  /** A copy of shot `index` (picture, motion, everything) right after it, selected. */
  duplicateShot(index: number): void {
    const src = this.project.shots[index];
    if (!src) return;
    this.edit((p) => {
      const copy = structuredClone(src);
      copy.id = newId();
      copy.name = t("storyboard.copyName", { name: src.name });
      p.shots.splice(index + 1, 0, copy);
    });
    this.shotIndex = index + 1;
    this.selected = null;
  }

  /** Asks to delete shot `index` (the storyboard shows the question). The last shot stays. */
  askDeleteShot(index: number): void {
    if (this.project.shots.length <= 1 || !this.project.shots[index]) return;
    this.confirmDeleteShot = index;
  }

  answerDeleteShot(yes: boolean): void {
    const index = this.confirmDeleteShot;
    this.confirmDeleteShot = null;
    if (!yes || index === null) return;
    this.deleteShot(index);
  }

  deleteShot(index: number): void {
    if (this.project.shots.length <= 1 || !this.project.shots[index]) return;
    this.edit((p) => {
      p.shots.splice(index, 1);
    });
    if (this.shotIndex > index || this.shotIndex >= this.project.shots.length) {
      this.shotIndex = Math.max(0, this.shotIndex - 1);
    }
    this.selected = null;
  }

  /** Moves shot `from` to position `to`; the selection follows the shots. */
  moveShot(from: number, to: number): void {
    const n = this.project.shots.length;
    const dest = Math.max(0, Math.min(n - 1, to));
    if (from < 0 || from >= n || from === dest) return;
    this.edit((p) => {
      p.shots = moveItem(p.shots, from, dest);
    });
    this.shotIndex = indexAfterMove(this.shotIndex, from, dest);
  }

  // ---- audio ----

  async addAudio(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const path = await api.pickAudio();
      if (path) await this.importAudioPath(path);
    } catch (err) {
      notices.push("error", t("notice.audioFailed", { error: api.errorMessage(err) }));
    } finally {
      this.#busy = false;
    }
  }

  async importAudioPath(path: string): Promise<void> {
    try {
      // Peaks for the file's length are not known before it is decoded: ask for the most and
      // let the lane draw what it needs.
      const sound = await api.importAudio(path, MAX_PEAKS);
      if (sound.warning) notices.push("warning", t("notice.audioWarning", { warning: sound.warning }), 10000);
      this.peaks = { ...this.peaks, [sound.asset]: sound.peaks };
      const clip: AudioClip = {
        id: newId(),
        name: sound.name,
        file: sound.asset,
        file_seconds: sound.seconds,
        start: 0,
        gain_db: 0,
        trim_in: 0,
        trim_out: null,
        fade_in: 0,
        fade_out: 0,
      };
      this.edit((p) => {
        p.audio.push(clip);
      });
      this.selectedClip = clip.id;
    } catch (err) {
      notices.push("error", t("notice.audioFailed", { error: api.errorMessage(err) }));
    }
  }

  /** Fetches the waveform of every clip whose peaks are not known yet (errors are notices). */
  async #loadPeaks(): Promise<void> {
    const files = this.project.audio.map((c) => c.file);
    const missing = files.filter((f, i) => files.indexOf(f) === i && !this.peaks[f]);
    for (const file of missing) {
      const clip = this.project.audio.find((c) => c.file === file);
      if (!clip) continue;
      try {
        const peaks = await api.audioPeaks(file, peakBuckets(clip.file_seconds));
        this.peaks = { ...this.peaks, [file]: peaks };
      } catch (err) {
        if (!api.hasBackend()) return;
        notices.push("warning", t("notice.peaksFailed", { name: clip.name, error: api.errorMessage(err) }));
      }
    }
  }

  selectClip(id: string | null): void {
    this.selectedClip = id !== null && this.project.audio.some((c) => c.id === id) ? id : null;
  }

  #editClip(id: string, fn: (clip: AudioClip) => void, collapseKey?: string): void {
    if (!this.project.audio.some((c) => c.id === id)) return;
    this.edit((p) => {
      const clip = p.audio.find((c) => c.id === id);
      if (clip) fn(clip);
    }, collapseKey);
  }

  moveClip(id: string, start: number, collapseKey?: string): void {
    this.#editClip(id, (c) => {
      c.start = clampStart(start);
    }, collapseKey);
  }

  /** Sets the clip's in and/or out point in its file (seconds), kept inside the file. */
  trimClip(id: string, patch: { trim_in?: number; trim_out?: number | null }, collapseKey?: string): void {
    this.#editClip(id, (c) => {
      const next = clampTrim(c.file_seconds, patch.trim_in ?? c.trim_in, "trim_out" in patch ? (patch.trim_out ?? null) : c.trim_out);
      c.trim_in = next.trim_in;
      c.trim_out = next.trim_out;
    }, collapseKey);
  }

  setClipGain(id: string, db: number, collapseKey?: string): void {
    this.#editClip(id, (c) => {
      c.gain_db = clampGain(db);
    }, collapseKey);
  }

  deleteClip(id: string): void {
    if (!this.project.audio.some((c) => c.id === id)) return;
    this.edit((p) => {
      p.audio = p.audio.filter((c) => c.id !== id);
    });
    if (this.selectedClip === id) this.selectedClip = null;
  }

  // ---- importing ----

  async importPhoto(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const path = await api.pickImage();
      if (path) await this.importPath(path);
    } catch (err) {
      notices.push("error", t("notice.importFailed", { error: api.errorMessage(err) }));
    } finally {
      this.#busy = false;
    }
  }

  /** Imports the picture at `path` into the selected shot. A damaged file is not imported:
   * a notice says what decoded and offers to import it anyway. */
  async importPath(path: string, allowDamaged = false): Promise<void> {
    try {
      const result = await api.importImage(path, allowDamaged);
      if (result.kind === "damaged") {
        notices.push("warning", result.message, 0, {
          label: t("notice.importAnyway"),
          run: () => void this.importPath(path, true),
        });
        return;
      }
      const img = result.image;
      this.editShot((s) => {
        s.image = img.asset;
        s.image_size = [img.width, img.height];
      });
      this.t = 0;
      if (img.original) {
        notices.push(
          "info",
          t("notice.pictureScaled", {
            size: `${img.original.width}×${img.original.height}`,
            used: `${img.width}×${img.height}`,
          }),
          8000,
        );
      }
    } catch (err) {
      notices.push("error", t("notice.importFailed", { error: api.errorMessage(err) }));
    }
  }

  onDragDrop(e: api.DragDrop): void {
    if (e.type === "enter" || e.type === "over") {
      this.dropActive = true;
      return;
    }
    this.dropActive = false;
    if (e.type !== "drop") return;
    const image = e.paths.find(isImagePath);
    if (image) void this.importPath(image);
    else if (e.paths.length > 0) notices.push("warning", t("notice.unsupportedDrop"));
  }

  // ---- project files ----

  async save(): Promise<boolean> {
    if (this.untitled) return this.saveAs();
    try {
      await api.saveProject(this.project);
      this.#history.markSaved();
      this.#rev++;
      return true;
    } catch (err) {
      notices.push("error", t("notice.saveFailed", { error: api.errorMessage(err) }));
      return false;
    }
  }

  /** A command saved `project` (generation saves before it runs): the unsaved mark goes,
   * unless the creator changed something since. */
  markSavedIfUnchanged(project: Project): void {
    if (this.project !== project) return;
    this.#history.markSaved();
    this.#rev++;
  }

  async saveAs(): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = true;
    try {
      const dir = await api.pickProjectFolder();
      if (!dir) return false;
      const opened = await api.saveProjectAs(dir, this.project);
      this.dir = opened.dir;
      this.untitled = opened.untitled;
      const project = structuredClone(opened.project);
      if (project.shots.length === 0) project.shots.push(newLocalShot(0));
      this.#history.replacePresent(project);
      this.#history.markSaved();
      this.project = project;
      this.#rev++;
      notices.push("success", t("notice.saved", { dir: opened.dir }));
      return true;
    } catch (err) {
      notices.push("error", t("notice.saveFailed", { error: api.errorMessage(err) }));
      return false;
    } finally {
      this.#busy = false;
    }
  }

  async open(): Promise<void> {
    if (this.#busy) return;
    if (!(await this.#confirmDiscard())) return;
    this.#busy = true;
    try {
      const dir = await api.pickProjectFolder();
      if (!dir) return;
      this.load(await api.openProject(dir));
    } catch (err) {
      notices.push("error", t("notice.openFailed", { error: api.errorMessage(err) }));
    } finally {
      this.#busy = false;
    }
  }

  async newProject(): Promise<void> {
    if (this.#busy) return;
    if (!(await this.#confirmDiscard())) return;
    this.#busy = true;
    try {
      this.load(await api.newProject());
    } catch (err) {
      notices.push("error", t("notice.newFailed", { error: api.errorMessage(err) }));
    } finally {
      this.#busy = false;
    }
  }

  openExport(): void {
    this.exportOpen = true;
  }

  closeExport(): void {
    this.exportOpen = false;
  }

  /** Asks whether to save unsaved changes first; true when it is fine to go on. */
  async #confirmDiscard(): Promise<boolean> {
    if (!this.dirty) return true;
    const choice = await new Promise<ConfirmChoice>((resolve) => {
      this.#confirmResolve = resolve;
      this.confirmName = this.project.name;
    });
    this.confirmName = null;
    this.#confirmResolve = null;
    if (choice === "cancel") return false;
    if (choice === "save") return this.save();
    return true;
  }

  answerConfirm(choice: ConfirmChoice): void {
    this.#confirmResolve?.(choice);
  }

  // ---- autosave ----

  #scheduleAutosave(): void {
    if (this.#autosaveTimer) clearTimeout(this.#autosaveTimer);
    this.#autosaveTimer = setTimeout(() => {
      this.#autosaveTimer = null;
      if (!this.dirty) return;
      api.autosave(this.project).catch((err) => {
        notices.push("warning", t("notice.autosaveFailed", { error: api.errorMessage(err) }));
      });
    }, AUTOSAVE_DELAY_MS);
  }

  // ---- the native menu ----

  async menu(action: api.MenuAction): Promise<void> {
    switch (action) {
      case "new":
        return this.newProject();
      case "open":
        return this.open();
      case "save":
        await this.save();
        return;
      case "save-as":
        await this.saveAs();
        return;
      case "import":
        return this.importPhoto();
      case "export":
        this.openExport();
        return;
      case "undo":
        this.undo();
        return;
      case "redo":
        this.redo();
        return;
    }
  }
}

export const studio = new Studio();
