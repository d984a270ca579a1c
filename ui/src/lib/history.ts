// Undo/redo as a history of whole-state snapshots (structuredClone). Every edit pushes the new
// state; a continuous gesture (a handle drag, a slider drag) pushes with the same collapse key
// and so becomes one undo step until `seal()` ends it. The history also knows which state was
// last saved, so "unsaved" is simply "the present is not the saved one".

export interface HistoryOptions {
  /** The most undo steps kept; older ones are dropped. */
  limit?: number;
}

interface Entry<T> {
  state: T;
  rev: number;
}

export class History<T> {
  #past: Entry<T>[] = [];
  #present: Entry<T>;
  #future: Entry<T>[] = [];
  #collapseKey: string | null = null;
  #nextRev = 1;
  #savedRev: number | null;
  readonly #limit: number;

  constructor(initial: T, opts: HistoryOptions = {}) {
    this.#limit = Math.max(1, opts.limit ?? 200);
    this.#present = { state: structuredClone(initial), rev: 0 };
    this.#savedRev = 0;
  }

  /** A copy of the current state. */
  get present(): T {
    return structuredClone(this.#present.state);
  }

  get canUndo(): boolean {
    return this.#past.length > 0;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }

  get undoDepth(): number {
    return this.#past.length;
  }

  get redoDepth(): number {
    return this.#future.length;
  }

  /** True when the present state differs from the last one marked saved. */
  get dirty(): boolean {
    return this.#present.rev !== this.#savedRev;
  }

  /**
   * Records a new state. With a `collapseKey` equal to the previous push's (and no seal in
   * between) it replaces the present instead of adding an undo step. Any redo is dropped.
   */
  push(next: T, collapseKey?: string): void {
    const entry = { state: structuredClone(next), rev: this.#nextRev++ };
    if (collapseKey !== undefined && collapseKey === this.#collapseKey) {
      this.#present = entry;
    } else {
      this.#past.push(this.#present);
      if (this.#past.length > this.#limit) this.#past.splice(0, this.#past.length - this.#limit);
      this.#present = entry;
    }
    this.#future = [];
    this.#collapseKey = collapseKey ?? null;
  }

  /** Ends a continuous gesture: the next push is a new undo step whatever its key. */
  seal(): void {
    this.#collapseKey = null;
  }

  /** Steps back; returns the restored state, or null when there is nothing to undo. */
  undo(): T | null {
    const prev = this.#past.pop();
    if (!prev) return null;
    this.#future.push(this.#present);
    this.#present = prev;
    this.#collapseKey = null;
    return this.present;
  }

  /** Steps forward again; returns the restored state, or null when there is nothing to redo. */
  redo(): T | null {
    const next = this.#future.pop();
    if (!next) return null;
    this.#past.push(this.#present);
    this.#present = next;
    this.#collapseKey = null;
    return this.present;
  }

  /**
   * Replaces the present without an undo step (e.g. the backend renamed the project when it
   * was saved under a new folder). Keeps the dirty flag as it was unless told otherwise.
   */
  replacePresent(state: T): void {
    const wasClean = !this.dirty;
    this.#present = { state: structuredClone(state), rev: this.#nextRev++ };
    if (wasClean) this.#savedRev = this.#present.rev;
  }

  /** The present is what is on disk now. */
  markSaved(): void {
    this.#savedRev = this.#present.rev;
  }

  /** Starts over from `state` (a project was opened). `dirty` marks it as not saved yet. */
  reset(state: T, dirty = false): void {
    this.#past = [];
    this.#future = [];
    this.#collapseKey = null;
    this.#present = { state: structuredClone(state), rev: this.#nextRev++ };
    this.#savedRev = dirty ? null : this.#present.rev;
  }
}
