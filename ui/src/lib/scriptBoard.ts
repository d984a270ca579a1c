// Script to storyboard on the UI side: the parsing and the shot-size rule are the backend's
// (studio/src/script.rs); here the result goes into the project as one undoable edit.

import * as api from "./api";
import type { Project } from "./bindings/Project";
import type { ScriptShots } from "./bindings/ScriptShots";
import { t } from "./locale.svelte";

/** What the dialog needs of the studio (the real one, or a stand-in in tests). */
export interface Board {
  readonly project: Project;
  edit(fn: (draft: Project) => void, collapseKey?: string): void;
  seal(): void;
  selectShot(index: number): void;
}

/** Puts the script's storyboard in place (one undo step) and selects its first new shot.
 * The new shots are named as a new shot is in the creator's language, by their place (the
 * backend names them in English). */
export function applyScriptShots(board: Board, result: ScriptShots): void {
  const added = (i: number) => i >= result.first_new && i < result.first_new + result.added;
  board.seal();
  board.edit((draft) => {
    draft.shots = result.shots.map((shot, i) => (added(i) ? { ...shot, name: t("storyboard.newName", { n: i + 1 }) } : shot));
  });
  board.seal();
  board.selectShot(result.first_new);
}

/** Asks the backend for the script's shots and puts them in place; the number added. */
export async function addScript(board: Board, text: string): Promise<number> {
  const result = await api.scriptToShots(board.project, text);
  applyScriptShots(board, result);
  return result.added;
}
