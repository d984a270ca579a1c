// The sizes of the side panels: the inspector's width and the timeline's height, each
// draggable within limits that leave the stage usable, and each collapsible. Kept in this
// webview's storage so the layout survives a restart.

const STORAGE_KEY = "motionboard.panels";

export const INSPECTOR_MIN = 240;
export const INSPECTOR_MAX = 520;
export const INSPECTOR_DEFAULT = 296;
export const TIMELINE_MIN = 120;
/** The stage keeps at least this much of the window's height and width. */
export const STAGE_MIN_H = 260;
export const STAGE_MIN_W = 420;

export interface PanelSizes {
  inspectorW: number;
  /** null: as tall as its content. */
  timelineH: number | null;
  inspectorOpen: boolean;
  timelineOpen: boolean;
}

/** A width for the inspector within its limits and leaving the stage STAGE_MIN_W. */
export function clampInspector(w: number, windowW: number): number {
  const max = Math.max(INSPECTOR_MIN, Math.min(INSPECTOR_MAX, windowW - STAGE_MIN_W));
  return Math.round(Math.max(INSPECTOR_MIN, Math.min(max, Number.isFinite(w) ? w : INSPECTOR_DEFAULT)));
}

/** A height for the timeline within its limits, leaving the stage STAGE_MIN_H of `mainH`. */
export function clampTimeline(h: number, mainH: number): number {
  const max = Math.max(TIMELINE_MIN, mainH - STAGE_MIN_H);
  return Math.round(Math.max(TIMELINE_MIN, Math.min(max, Number.isFinite(h) ? h : TIMELINE_MIN)));
}

/** The sizes stored earlier, or the defaults for anything missing or broken. */
export function parseSizes(text: string | null): PanelSizes {
  const d: PanelSizes = { inspectorW: INSPECTOR_DEFAULT, timelineH: null, inspectorOpen: true, timelineOpen: true };
  if (!text) return d;
  try {
    const v = JSON.parse(text) as Partial<PanelSizes>;
    return {
      inspectorW: typeof v.inspectorW === "number" ? v.inspectorW : d.inspectorW,
      timelineH: typeof v.timelineH === "number" ? v.timelineH : d.timelineH,
      inspectorOpen: typeof v.inspectorOpen === "boolean" ? v.inspectorOpen : true,
      timelineOpen: typeof v.timelineOpen === "boolean" ? v.timelineOpen : true,
    };
  } catch {
    return d;
  }
}

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export class Panels {
  #s = $state<PanelSizes>(parseSizes(stored()));

  get inspectorW(): number {
    return this.#s.inspectorW;
  }
  get timelineH(): number | null {
    return this.#s.timelineH;
  }
  get inspectorOpen(): boolean {
    return this.#s.inspectorOpen;
  }
  get timelineOpen(): boolean {
    return this.#s.timelineOpen;
  }

  resizeInspector(w: number, windowW: number): void {
    this.#s.inspectorW = clampInspector(w, windowW);
  }

  resizeTimeline(h: number, mainH: number): void {
    this.#s.timelineH = clampTimeline(h, mainH);
  }

  toggleInspector(): void {
    this.#s.inspectorOpen = !this.#s.inspectorOpen;
    this.save();
  }

  toggleTimeline(): void {
    this.#s.timelineOpen = !this.#s.timelineOpen;
    this.save();
  }

  save(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.#s));
    } catch {
      // no storage: the layout lasts for this run
    }
  }
}

export const panels = new Panels();
