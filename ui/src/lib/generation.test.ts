import { describe, expect, it } from "vitest";
import { decodeStepPreview, type StepPreview } from "./api";
import type { PackageStatus } from "./bindings/PackageStatus";
import type { Shot } from "./bindings/Shot";
import {
  applyEvent,
  applyStep,
  cardState,
  playingResult,
  defaultGeneration,
  downloadFraction,
  folderName,
  formatBytes,
  modelOptions,
  normalizeGeneration,
  packageFor,
  previewFrameRgba,
  sortPackages,
  progress,
  pruneJobs,
  sideMultiple,
  snapFrames,
  snapSide,
  unsoundReason,
  type Job,
} from "./generation";

function pkg(id: string, version: "wan21" | "wan22", ready: boolean, root: string | null): PackageStatus {
  return { id, name: id, kind: { kind: "pipeline", version }, downloadable: false, root, files: [], ready };
}

const t2v = pkg("local:wan_tiny_t2v", "wan21", true, "/data/models/wan_tiny_t2v");
const ti2v = pkg("local:wan_tiny_ti2v", "wan22", true, "/data/models/wan_tiny_ti2v");
const broken = pkg("wan2.2-ti2v-5b-diffusers", "wan22", false, "/data/models/Wan2.2-TI2V-5B-Diffusers");

describe("shot settings", () => {
  it("snap frames to the 4k + 1 counts the model makes", () => {
    expect(snapFrames(5)).toBe(5);
    expect(snapFrames(7)).toBe(9);
    expect(snapFrames(6)).toBe(5);
    expect(snapFrames(1)).toBe(5);
    // Without a package, the largest cap any package has (Wan2.2 TI2V: 121 frames).
    expect(snapFrames(500)).toBe(121);
    expect(snapFrames(Number.NaN)).toBe(121);
    expect(snapFrames(500, 81)).toBe(81);
  });

  it("snap sides to the package's multiple", () => {
    expect(snapSide(96, 32)).toBe(96);
    expect(snapSide(100, 32)).toBe(96);
    expect(snapSide(110, 32)).toBe(96); // 110 / 32 = 3.4: rounds down
    expect(snapSide(120, 16)).toBe(128); // 7.5 rounds up
    expect(snapSide(3, 16)).toBe(16);
    expect(sideMultiple("wan-image-to-video", null)).toBe(32);
    expect(sideMultiple("wan-text-to-video", t2v)).toBe(16);
    expect(sideMultiple("wan-text-to-video", ti2v)).toBe(32);
  });

  it("keep the strengths ordered and inside the steps", () => {
    const g = normalizeGeneration({ ...defaultGeneration(), steps: 3, t_weak: 9, t_strong: 1 });
    expect([g.steps, g.t_weak, g.t_strong]).toEqual([3, 2, 2]);
    const h = normalizeGeneration({ ...defaultGeneration(), steps: 0, guidance: -3, shift: 0, frames: 10 });
    expect([h.steps, h.guidance, h.shift, h.frames]).toEqual([1, 0, null, 9]);
    expect(h.t_weak).toBe(0);
  });
});

describe("model choice", () => {
  it("offers Wan2.2 only for image-to-video, any ready package for text", () => {
    expect(modelOptions([t2v, ti2v, broken], "wan-image-to-video")).toEqual([{ value: "wan_tiny_ti2v", label: ti2v.name }]);
    expect(modelOptions([t2v, ti2v, broken], "wan-text-to-video").map((o) => o.value)).toEqual(["wan_tiny_t2v", "wan_tiny_ti2v"]);
    expect(modelOptions([t2v], "warp")).toEqual([]);
  });

  it("finds the package a shot names, else the first that runs its engine", () => {
    const g = { ...defaultGeneration(), engine: "wan-text-to-video" as const };
    expect(packageFor([t2v, ti2v], g)?.id).toBe(t2v.id);
    expect(packageFor([t2v, ti2v], { ...g, model: "wan_tiny_ti2v" })?.id).toBe(ti2v.id);
    expect(packageFor([t2v, ti2v], { ...g, model: "gone" })).toBeNull();
    expect(folderName("C:\\models\\Wan2.1\\")).toBe("Wan2.1");
  });
});

describe("the queue", () => {
  it("follows a job from queued to done", () => {
    let jobs: Job[] = applyEvent([], { kind: "queued", job: 1, shot_id: "a", shot: 0 });
    jobs = applyEvent(jobs, { kind: "queued", job: 2, shot_id: "b", shot: 1 });
    expect(jobs.map((j) => j.state)).toEqual(["queued", "queued"]);
    jobs = applyEvent(jobs, { kind: "started", job: 1, device: "CPU (flex), F32" });
    const preview: StepPreview = { job: 1, step: 2, steps: 4, frames: 1, height: 1, width: 1, rgb: new Uint8Array(3) };
    jobs = applyStep(jobs, preview);
    expect(progress(jobs[0])).toBe(0.5);
    expect(progress(jobs[1])).toBe(0);
    jobs = applyEvent(jobs, { kind: "done", job: 1, shot_id: "a", key: "k1", cached: false, width: 96, height: 32, frames: 5 });
    jobs = applyEvent(jobs, { kind: "failed", job: 2, shot_id: "b", message: "no picture" });
    expect(jobs.map((j) => [j.state, j.key, j.message])).toEqual([
      ["done", "k1", ""],
      ["failed", "", "no picture"],
    ]);
    // A late step preview does not bring a finished job back.
    expect(applyStep(jobs, { ...preview, step: 3 })[0].state).toBe("done");
  });

  it("keeps the running and waiting jobs and only the newest finished ones", () => {
    const job = (n: number, state: Job["state"]): Job => ({
      job: n, shotId: `s${n}`, shot: n, state, step: 0, steps: 0, device: "", message: "", key: "",
    });
    const jobs = [job(1, "done"), job(2, "cancelled"), job(3, "running"), job(4, "failed"), job(5, "queued")];
    expect(pruneJobs(jobs, 1).map((j) => j.job)).toEqual([3, 4, 5]);
  });

  it("marks a card generating, generated or out of date", () => {
    const shot = { id: "a", result: "k1", generation: { engine: "wan-image-to-video" } } as Shot;
    expect(cardState(shot, null, undefined)).toBe("generated");
    expect(cardState(shot, null, undefined, "out-of-date")).toBe("stale");
    expect(cardState(shot, null, undefined, "missing")).toBe("stale");
    expect(cardState(shot, null, { state: "needs_generating", key: "k2", cached: false })).toBe("stale");
    expect(cardState({ ...shot, result: null }, null, undefined)).toBe("none");
    const running: Job = { job: 1, shotId: "a", shot: 0, state: "running", step: 1, steps: 3, device: "", message: "", key: "" };
    expect(cardState(shot, running, undefined)).toBe("generating");
  });

  it("plays no generated clip on the warp engine, whatever the shot keeps", () => {
    const kept = { id: "a", result: "k1", generation: null } as Shot;
    expect(playingResult(kept)).toBeNull();
    expect(cardState(kept, null, undefined, "current")).toBe("none");
    const warp = { ...kept, generation: { engine: "warp" } } as Shot;
    expect(playingResult(warp)).toBeNull();
    const model = { ...kept, generation: { engine: "wan-text-to-video" } } as Shot;
    expect(playingResult(model)).toBe("k1");
  });
});

describe("step previews", () => {
  it("decode from the backend's bytes and give one latent frame as RGBA", () => {
    const header = new Uint32Array([9, 2, 3, 2, 1, 2]); // job, step, steps, frames, height, width
    const rgb = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const bytes = new Uint8Array(24 + rgb.length);
    bytes.set(new Uint8Array(header.buffer), 0);
    bytes.set(rgb, 24);
    const p = decodeStepPreview(bytes.buffer);
    expect([p.job, p.step, p.steps, p.frames, p.height, p.width]).toEqual([9, 2, 3, 2, 1, 2]);
    expect(Array.from(previewFrameRgba(p, 1))).toEqual([7, 8, 9, 255, 10, 11, 12, 255]);
    // The middle frame by default (of 2: the second).
    expect(Array.from(previewFrameRgba(p))).toEqual([7, 8, 9, 255, 10, 11, 12, 255]);
    expect(() => decodeStepPreview(bytes.buffer.slice(0, 30))).toThrow(/expected 12/);
  });
});

describe("the Models panel", () => {
  it("lists what is there first", () => {
    const found = {
      ...broken,
      files: [{ component: "vae", file: "vae/", path: "/x/vae", place: "app" as const, bytes: 1, soundness: { state: "missing" as const } }],
    };
    const absent = pkg("wan2.1-t2v-1.3b-diffusers", "wan21", false, null);
    expect(sortPackages([absent, found, t2v, ti2v]).map((p) => p.id)).toEqual([t2v.id, ti2v.id, found.id, absent.id]);
  });

  it("writes sizes, progress and reasons a person reads", () => {
    expect(formatBytes(468_000)).toBe("468.0 kB");
    expect(formatBytes(11_400_000_000)).toBe("11.4 GB");
    expect(downloadFraction(50, 200)).toBe(0.25);
    expect(downloadFraction(50, null)).toBeNull();
    expect(unsoundReason({ state: "sound" })).toBeNull();
    expect(unsoundReason({ state: "missing" })).toBeNull();
    expect(unsoundReason({ state: "not_a_model", reason: "a JPEG picture" })).toBe("a JPEG picture");
  });
});

describe("package names", () => {
  it("translate their descriptive words and keep the model names", async () => {
    const { packageLabel } = await import("./generation");
    const found = (name: string) => packageLabel({ id: `local:${name}`, name }, "zh-CN");
    expect(found("umT5-XXL text encoder (ComfyUI, fp16)")).toBe("umT5-XXL 文本编码器（ComfyUI 单文件，fp16）");
    expect(found("Wan2.1 T2V 1.3B (diffusers package)")).toBe("Wan2.1 T2V 1.3B（diffusers 完整包）");
  });
});

describe("the Models panel in Chinese", () => {
  // English words that describe a package; model and format names (Wan2.1, T2V, VAE, umT5-XXL,
  // TAEHV, ComfyUI, diffusers, fp16, GB) stay as they are.
  const ENGLISH = /starter|files|model\b|text encoder|package|steps|transformer|preview decoder|single|loading|encoding|denoising|decoding|\bset\b|\band\b/i;

  it("names every package of the backend's catalog in Chinese", async () => {
    const { packageLabel } = await import("./generation");
    // Node's fs (this project has no Node types); the tests run in ui/ (npm --prefix ui test).
    const fsModule: string = "node:fs";
    const { readFileSync } = (await import(/* @vite-ignore */ fsModule)) as { readFileSync: (path: string, encoding: "utf8") => string };
    const catalog = readFileSync("../studio/src/model_store/catalog.rs", "utf8");
    // `id: "…",\n name: "…"` for packages, `single(\n "id",\n "name",` for single files.
    const entries = [
      ...catalog.matchAll(/id: "([^"]+)",\s*name: "([^"]+)"/g),
      ...catalog.matchAll(/single\(\s*"([^"]+)",\s*"([^"]+)"/g),
    ].map((m) => ({ id: m[1], name: m[2] }));
    expect(entries.length).toBeGreaterThanOrEqual(13);
    for (const e of entries) {
      const zh = packageLabel(e, "zh-CN");
      expect(zh, `${e.id}: ${zh}`).not.toMatch(ENGLISH);
      expect(packageLabel(e, "en")).toBe(e.name);
    }
  });

  it("names found packages, their parts and the memory phases in Chinese", async () => {
    const { componentLabel, packageLabel, phaseLabel } = await import("./generation");
    expect(packageLabel({ id: "local:/m/wan.safetensors", name: "Wan2.1 T2V 1.3B (single files)" }, "zh-CN")).toBe("Wan2.1 T2V 1.3B（单文件）");
    for (const c of ["package", "set", "transformer", "vae", "text_encoder", "Wan2.1 T2V 1.3B transformer", "umT5-XXL text encoder", "TAEHV preview decoder for Wan2.2", "VAE and text encoder"]) {
      expect(componentLabel(c, "zh-CN"), c).not.toMatch(ENGLISH);
      expect(componentLabel(c, "en")).toBe(c);
    }
    for (const phase of ["loading", "text encoding", "denoising", "decoding"]) {
      expect(phaseLabel(phase, "zh-CN"), phase).not.toMatch(ENGLISH);
      expect(phaseLabel(phase, "en")).toBe(phase);
    }
    // A phase this UI does not know yet reads as the backend wrote it.
    expect(phaseLabel("compiling", "zh-CN")).toBe("compiling");
  });
});
