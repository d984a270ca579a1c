import { beforeEach, describe, expect, it, vi } from "vitest";
import type { StepPreview } from "./api";
import type { GenerateEvent } from "./bindings/GenerateEvent";
import type { Project } from "./bindings/Project";

type Callbacks = { onEvent: (e: GenerateEvent) => void; onPreview: (p: StepPreview) => void };

const sent = vi.hoisted(() => ({ calls: [] as Array<{ project: Project; shots: number[] } & Callbacks> }));
const api = vi.hoisted(() => ({
  generateShots: vi.fn(
    async (project: Project, shots: number[], onEvent: Callbacks["onEvent"], onPreview: Callbacks["onPreview"]) => {
      sent.calls.push({ project, shots, onEvent, onPreview });
      return shots.map((_, i) => i + 1);
    },
  ),
  cancelGeneration: vi.fn(async () => 1),
  discardGeneratedClip: vi.fn(async (request: { project: Project; shot: number }) => {
    const project = structuredClone(request.project);
    project.shots[request.shot].result = null;
    return project;
  }),
  saveProject: vi.fn(async () => {}),
  autosave: vi.fn(async () => {}),
  audioPeaks: vi.fn(),
  hasBackend: () => false,
  errorMessage: (e: unknown) => String(e),
}));
vi.mock("./api", () => api);

const { Generator } = await import("./generate.svelte");
const { studio } = await import("./studio.svelte");
const { emptyProject, newShot } = await import("./model");
const { notices } = await import("./notices.svelte");

function open(untitled: boolean): void {
  const project = emptyProject();
  project.shots = [newShot(0), newShot(1)];
  studio.load({ dir: "/p", project, untitled, recovered: false });
}

const preview = (job: number, step: number): StepPreview => ({
  job,
  step,
  steps: 2,
  frames: 1,
  height: 1,
  width: 1,
  rgb: new Uint8Array(3),
});

beforeEach(() => {
  sent.calls = [];
  vi.clearAllMocks();
  for (const n of notices.list) notices.dismiss(n.id);
});

describe("the generate queue in the UI", () => {
  it("queues the project as it is, follows the steps and records the result in the shot", async () => {
    open(false);
    studio.editShot((s) => {
      s.prompt = "a kite";
    });
    expect(studio.dirty).toBe(true);
    const g = new Generator();
    await g.generate([0]);
    expect(sent.calls).toHaveLength(1);
    const call = sent.calls[0];
    expect(call.shots).toEqual([0]);
    expect(call.project.shots[0].prompt).toBe("a kite");
    // The command saved what it was sent: nothing is unsaved any more.
    expect(studio.dirty).toBe(false);

    const id = studio.project.shots[0].id;
    call.onEvent({ kind: "queued", job: 1, shot_id: id, shot: 0 });
    expect(g.state).toBe("queued");
    call.onEvent({ kind: "started", job: 1, device: "CPU (flex), F32" });
    call.onPreview(preview(1, 1));
    call.onPreview(preview(1, 2));
    expect(g.previewCount).toBe(2);
    expect(g.state).toBe("running");
    expect(g.previews[1].step).toBe(2);
    call.onEvent({ kind: "done", job: 1, shot_id: id, key: "k1", cached: false, width: 96, height: 32, frames: 5 });
    await vi.waitFor(() => expect(api.saveProject).toHaveBeenCalled());
    expect(studio.project.shots[0].result).toBe("k1");
    expect(studio.project.shots[1].result ?? null).toBeNull();
    expect(g.state).toBe("idle");
    const saved = api.saveProject.mock.calls[0] as unknown as [Project];
    expect(saved[0].shots[0].result).toBe("k1");
    await vi.waitFor(() => expect(studio.dirty).toBe(false));
    // Recording the result is one undo step.
    studio.undo();
    expect(studio.project.shots[0].result ?? null).toBeNull();
  });

  it("discards a shot's generated clip as one undo step, saved", async () => {
    open(false);
    studio.editShot((s) => {
      s.result = "k1";
      s.generation = { ...(s.generation ?? {}), engine: "wan-image-to-video" } as typeof s.generation;
    });
    const g = new Generator();
    await g.discard(0);
    expect(api.discardGeneratedClip).toHaveBeenCalledTimes(1);
    expect(studio.project.shots[0].result ?? null).toBeNull();
    expect(studio.dirty).toBe(false);
    expect(notices.list.some((n) => n.text.includes("discarded"))).toBe(true);
    studio.undo();
    expect(studio.project.shots[0].result).toBe("k1");
  });

  it("leaves the shot as it was when a job fails, and says why", async () => {
    open(true);
    const g = new Generator();
    await g.generate([1]);
    const call = sent.calls[0];
    const id = studio.project.shots[1].id;
    call.onEvent({ kind: "queued", job: 4, shot_id: id, shot: 1 });
    call.onEvent({ kind: "failed", job: 4, shot_id: id, message: "no installed model package runs wan-image-to-video" });
    expect(studio.project.shots[1].result ?? null).toBeNull();
    expect(g.jobs[0].state).toBe("failed");
    expect(notices.list.some((n) => n.kind === "error" && n.text.includes("no installed model package"))).toBe(true);
    // An untitled project is not saved by the queue: "Save as" names its folder.
    expect(api.saveProject).not.toHaveBeenCalled();
  });

  it("generates every model shot that is not up to date", async () => {
    open(false);
    studio.edit((p) => {
      p.shots[1].generation = { engine: "wan-text-to-video", model: "", steps: 4, guidance: 5, shift: null, t_weak: 0, t_strong: 0, size: null, frames: null };
    });
    const g = new Generator();
    await g.generateAll();
    expect(sent.calls.map((c) => c.shots)).toEqual([[1]]);
    g.statuses = { [studio.project.shots[1].id]: { state: "up_to_date", key: "k" } };
    await g.generateAll();
    expect(sent.calls).toHaveLength(1);
    expect(notices.list.some((n) => n.kind === "info")).toBe(true);
  });
});
