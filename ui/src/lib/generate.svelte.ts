// The generate queue as the UI sees it: the jobs and their progress, the latest step preview
// of each, where the selected shot stands (up to date, needs generating, no model), and the
// model packages installed. Results are recorded in the shots through the studio.

import * as api from "./api";
import type { GenerateEvent } from "./bindings/GenerateEvent";
import type { ClipState } from "./bindings/ClipState";
import type { GenerationStatus } from "./bindings/GenerationStatus";
import type { ModelsOverview } from "./bindings/ModelsOverview";
import type { Project } from "./bindings/Project";
import { applyEvent, applyStep, isActive, pruneJobs, type Job } from "./generation";
import { t } from "./locale.svelte";
import { notices } from "./notices.svelte";
import { studio } from "./studio.svelte";

/** How long edits settle before the selected shot's status is asked again. */
const STATUS_DELAY_MS = 400;

/** Whether there is a backend to ask (component tests mock the api module without one). */
function backend(): boolean {
  try {
    return api.hasBackend();
  } catch {
    return false;
  }
}

export class Generator {
  jobs = $state<Job[]>([]);
  /** The latest step preview of each job (by job id). */
  previews = $state.raw<Record<number, api.StepPreview>>({});
  /** Step previews received since start (a hook for tests, and a sign of life). */
  previewCount = $state(0);
  /** The last known status by shot id. */
  statuses = $state.raw<Record<string, GenerationStatus>>({});
  /** Every shot's generated clip by shot id (cheap to ask: no model involved). */
  clipStates = $state.raw<Record<string, ClipState>>({});
  models = $state.raw<ModelsOverview | null>(null);
  modelsOpen = $state(false);
  /** Shown on the stage: the model's output (steps, then the result) or the warp preview. */
  showGenerated = $state(true);

  #statusTimer: ReturnType<typeof setTimeout> | null = null;
  #statusSeq = 0;

  get active(): Job[] {
    return this.jobs.filter(isActive);
  }

  /** The newest job of shot `shotId`. */
  jobOf(shotId: string | undefined): Job | null {
    if (!shotId) return null;
    for (let i = this.jobs.length - 1; i >= 0; i--) if (this.jobs[i].shotId === shotId) return this.jobs[i];
    return null;
  }

  /** The state in one word, for tests and the status line: idle, queued, running. */
  get state(): "idle" | "queued" | "running" {
    if (this.jobs.some((j) => j.state === "running")) return "running";
    return this.jobs.some((j) => j.state === "queued") ? "queued" : "idle";
  }

  async loadModels(): Promise<void> {
    if (!backend()) return;
    try {
      this.models = await api.listModels();
    } catch (err) {
      notices.push("error", t("notice.modelsFailed", { error: api.errorMessage(err) }));
    }
  }

  /** Queues shots `indices` of the project as it is now (it is saved first). */
  async generate(indices: number[]): Promise<void> {
    if (indices.length === 0) return;
    const sent: Project = studio.project;
    try {
      await api.generateShots(
        sent,
        indices,
        (e) => this.#onEvent(e),
        (p) => this.#onPreview(p),
      );
      // The command saved the project: the unsaved mark goes, unless something changed since.
      if (!studio.untitled) studio.markSavedIfUnchanged(sent);
      this.showGenerated = true;
    } catch (err) {
      notices.push("error", t("notice.generateFailed", { error: api.errorMessage(err) }));
    }
  }

  /** Every shot that uses a model and is not up to date. */
  async generateAll(): Promise<void> {
    const shots = studio.project.shots;
    const indices = shots
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => (s.generation?.engine ?? "warp") !== "warp")
      .filter(({ s }) => this.statuses[s.id]?.state !== "up_to_date")
      .filter(({ s }) => !this.active.some((j) => j.shotId === s.id))
      .map(({ i }) => i);
    if (indices.length === 0) {
      notices.push("info", t("notice.nothingToGenerate"));
      return;
    }
    await this.generate(indices);
  }

  async cancel(shotId: string | null): Promise<void> {
    try {
      await api.cancelGeneration(shotId);
    } catch (err) {
      notices.push("error", t("notice.generateFailed", { error: api.errorMessage(err) }));
    }
  }

  #onEvent(e: GenerateEvent): void {
    this.jobs = pruneJobs(applyEvent(this.jobs, e));
    switch (e.kind) {
      case "done":
        void this.#record(e.shot_id, e.key);
        break;
      case "failed":
        notices.push("error", t("notice.generateFailed", { error: e.message }));
        this.refreshStatus();
        break;
      case "cancelled":
        this.refreshStatus();
        break;
    }
  }

  #onPreview(p: api.StepPreview): void {
    this.previews = { ...this.previews, [p.job]: p };
    this.previewCount += 1;
    this.jobs = applyStep(this.jobs, p);
  }

  /** Records a finished job's result in its shot (one undo step) and saves. */
  async #record(shotId: string, key: string): Promise<void> {
    const shot = studio.project.shots.find((s) => s.id === shotId);
    if (shot && shot.result !== key) {
      studio.edit((p) => {
        const s = p.shots.find((x) => x.id === shotId);
        if (s) s.result = key;
      });
      // An untitled project is saved by "Save as" (its autosave keeps the result meanwhile).
      if (!studio.untitled) {
        const project = studio.project;
        try {
          await api.saveProject(project);
          studio.markSavedIfUnchanged(project);
        } catch (err) {
          notices.push("error", t("notice.saveFailed", { error: api.errorMessage(err) }));
        }
      }
    }
    this.refreshStatus();
  }

  /** Asks again, soon, where the selected shot stands. */
  refreshStatus(): void {
    if (this.#statusTimer) clearTimeout(this.#statusTimer);
    this.#statusTimer = setTimeout(() => {
      this.#statusTimer = null;
      void this.#checkStatus();
    }, STATUS_DELAY_MS);
  }

  /** The selected shot forgets its generated clip: one undo step; the warp engine's frames
   * play and export again. */
  async discard(index: number): Promise<void> {
    const sent: Project = studio.project;
    const shotId = sent.shots[index]?.id;
    if (!shotId) return;
    try {
      const project = await api.discardGeneratedClip({ project: sent, shot: index });
      const result = project.shots[index]?.result ?? null;
      // Saved as sent: when nothing changed meanwhile, the project on screen is the saved one.
      const unchanged = studio.project === sent;
      studio.seal();
      studio.edit((p) => {
        const s = p.shots.find((x) => x.id === shotId);
        if (s) s.result = result;
      });
      if (unchanged && !studio.untitled) studio.markSavedIfUnchanged(studio.project);
      notices.push("info", t("notice.clipDiscarded"));
    } catch (err) {
      notices.push("error", t("notice.discardFailed", { error: api.errorMessage(err) }));
    }
    this.refreshStatus();
  }

  async #checkClips(project: Project): Promise<void> {
    try {
      const states = await api.shotClipStates(project);
      const byId: Record<string, ClipState> = {};
      project.shots.forEach((s, i) => {
        if (states[i]) byId[s.id] = states[i];
      });
      this.clipStates = byId;
    } catch {
      // Only a mark on the cards: the export itself checks again and says what is wrong.
    }
  }

  async #checkStatus(): Promise<void> {
    const shot = studio.shot;
    if (!shot || !backend()) return;
    void this.#checkClips(studio.project);
    const seq = ++this.#statusSeq;
    try {
      const status = await api.shotGenerationStatus({ project: studio.project, shot: studio.shotIndex });
      if (seq !== this.#statusSeq) return;
      this.statuses = { ...this.statuses, [shot.id]: status };
      // The engine was busy: ask again once it is free.
      if (status.state === "busy" && this.state === "idle") this.refreshStatus();
    } catch (err) {
      if (seq === this.#statusSeq) {
        this.statuses = { ...this.statuses, [shot.id]: { state: "blocked", message: api.errorMessage(err) } };
      }
    }
  }
}

export const generator = new Generator();
