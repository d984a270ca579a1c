import { describe, expect, it, vi } from "vitest";
import type { Project } from "./bindings/Project";
import type { ScriptShots } from "./bindings/ScriptShots";
import { History } from "./history";
import { setLang } from "./locale.svelte";
import { emptyProject, newShot } from "./model";

const api = vi.hoisted(() => ({
  scriptToShots: vi.fn(),
  setMenuLanguage: vi.fn(async () => {}),
}));
vi.mock("./api", () => api);

import { addScript, applyScriptShots, type Board } from "./scriptBoard";

/** A board over a real History, as the studio keeps it. */
function board(start: Project) {
  const history = new History<Project>(start);
  const b = {
    project: start,
    selected: -1,
    edit(fn: (draft: Project) => void, key?: string) {
      const draft = structuredClone(b.project);
      fn(draft);
      history.push(draft, key);
      b.project = draft;
    },
    seal: () => history.seal(),
    selectShot(i: number) {
      b.selected = i;
    },
    undo() {
      b.project = history.undo() ?? b.project;
    },
  };
  return b satisfies Board;
}

function scripted(project: Project, prompts: string[]): ScriptShots {
  const shots = prompts.map((prompt, i) => ({ ...newShot(i), prompt }));
  return { shots: [...project.shots, ...shots], first_new: project.shots.length, added: prompts.length };
}

describe("script to storyboard", () => {
  it("adds every shot in one undo step and selects the first new one", () => {
    const start = emptyProject();
    const b = board(start);
    b.edit((p) => {
      p.shots[0].prompt = "typed before";
    }, "prompt");
    applyScriptShots(b, scripted(b.project, ["one", "two", "three"]));
    expect(b.project.shots.map((s) => s.prompt)).toEqual(["typed before", "one", "two", "three"]);
    expect(b.selected).toBe(1);
    // The script is one step, not merged with the typing before it.
    b.undo();
    expect(b.project.shots.map((s) => s.prompt)).toEqual(["typed before"]);
    b.undo();
    expect(b.project.shots.map((s) => s.prompt)).toEqual([""]);
  });

  it("names the new shots in the creator's language by their place, and keeps the others' names", () => {
    setLang("zh-CN");
    const start = emptyProject();
    start.shots[0].name = "开场";
    start.shots[0].prompt = "typed before";
    const b = board(start);
    // The backend names the shots it makes "Shot N".
    applyScriptShots(b, scripted(b.project, ["one", "two"]));
    setLang("en");
    expect(b.project.shots.map((s) => s.name)).toEqual(["开场", "镜头 2", "镜头 3"]);
  });

  it("sends the project and text to the backend and reports how many were added", async () => {
    const b = board(emptyProject());
    api.scriptToShots.mockResolvedValueOnce(scripted(b.project, ["a", "b"]));
    await expect(addScript(b, "A.\nB.")).resolves.toBe(2);
    expect(api.scriptToShots).toHaveBeenCalledWith(expect.objectContaining({ schema_version: 3 }), "A.\nB.");
    expect(b.project.shots.length).toBe(3);

    api.scriptToShots.mockRejectedValueOnce("the script has no action");
    const before = b.project;
    await expect(addScript(b, "")).rejects.toBe("the script has no action");
    expect(b.project).toBe(before);
  });
});
