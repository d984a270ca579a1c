import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Project } from "../lib/bindings/Project";
import ExportDialog from "./ExportDialog.svelte";

const api = vi.hoisted(() => ({
  pickExportPath: vi.fn<(name: string) => Promise<string | null>>(),
  exportVideo: vi.fn<(req: unknown, onProgress: (p: { done: number; total: number }) => void) => Promise<void>>(),
  cancelExport: vi.fn(async () => {}),
  showExport: vi.fn(async () => {}),
  setMenuLanguage: vi.fn(async () => {}),
  errorMessage: (e: unknown) => (typeof e === "string" ? e : String(e)),
  previewFrame: vi.fn(async () => {
    throw new Error("no backend");
  }),
}));
vi.mock("../lib/api", () => api);

function project(overrides: Partial<Project["export"]> = {}): Project {
  return {
    schema_version: 2,
    name: "Dog run",
    shots: [
      {
        id: "s1",
        name: "Shot 1",
        image: "assets/abc.jpg",
        image_size: [1600, 1200],
        seconds: 4,
        source: "image", prompt: "", negative_prompt: "", shot_size: "medium", seed: 0, transition: { kind: "cut", seconds: 0 }, subjects: [], crop: { x: 0.5, y: 0.5, zoom: 1 },
        motion: { paths: [], statics: [], camera: { kind: "static", amount: 0.15, easing: "ease-in-out" } },
      },
    ],
    export: { preset: "tiktok", fit: "crop", ...overrides },
    audio: [],
    subjects: [],
  };
}

describe("ExportDialog", () => {
  beforeEach(() => {
    vi.clearAllMocks();
  });

  it("shows every preset card and the original size, all at 30 fps", () => {
    render(ExportDialog, { project: project(), onchange: vi.fn(), onclose: vi.fn() });
    for (const id of ["tiktok", "reels", "shorts", "youtube", "square", "x", "original"]) {
      expect(screen.getByTestId(`preset-${id}`)).toBeTruthy();
    }
    expect(screen.getByTestId("preset-youtube").textContent).toContain("1920 × 1080");
    expect(screen.getByTestId("preset-x").textContent).toContain("720 × 1280");
    expect(screen.getByTestId("preset-original").textContent).toContain("1600 × 1200");
    expect(screen.getByTestId("preset-tiktok").getAttribute("aria-checked")).toBe("true");
    expect(screen.getAllByText("30 fps").length).toBe(7);
    expect(screen.getByTestId("export-dialog").textContent).toContain("1080 × 1920 · 30 fps · 0:04.00 · H.264 MP4");
  });

  it("emits the chosen preset and fit", async () => {
    const onchange = vi.fn();
    render(ExportDialog, { project: project(), onchange, onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId("preset-youtube"));
    expect(onchange).toHaveBeenLastCalledWith({ preset: "youtube", fit: "crop" });
    await fireEvent.click(screen.getByTestId("fit-blur"));
    expect(onchange).toHaveBeenLastCalledWith({ preset: "tiktok", fit: "blur" });
    await fireEvent.click(screen.getByTestId("preset-original"));
    expect(onchange).toHaveBeenLastCalledWith({ preset: null, fit: "crop" });
  });

  it("disables reframing for the original size", () => {
    render(ExportDialog, { project: project({ preset: null }), onchange: vi.fn(), onclose: vi.fn() });
    expect((screen.getByTestId("fit-crop") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("fit-blur") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("preset-original").getAttribute("aria-checked")).toBe("true");
  });

  it("exports to the picked path with progress and shows the file on success", async () => {
    api.pickExportPath.mockResolvedValue("/videos/Dog run.mp4");
    let finish: () => void = () => {};
    let report: (p: { done: number; total: number }) => void = () => {};
    api.exportVideo.mockImplementation(
      (_req, onProgress) =>
        new Promise<void>((resolve) => {
          report = onProgress;
          finish = resolve;
        }),
    );
    const p = project();
    render(ExportDialog, { project: p, onchange: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId("export-start"));
    expect(api.pickExportPath).toHaveBeenCalledWith("Dog run.mp4");
    await waitFor(() => expect(api.exportVideo).toHaveBeenCalled());
    expect(api.exportVideo.mock.calls[0][0]).toEqual({ project: p, path: "/videos/Dog run.mp4" });

    report({ done: 30, total: 120 });
    const bar = await screen.findByTestId("export-progress");
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("30"));
    expect(bar.textContent).toContain("30 of 120");
    // From the rate so far: the time left, in the one time format.
    expect(screen.getByTestId("export-remaining").textContent).toMatch(/about \d+:\d\d\.\d\d left/);

    finish();
    const done = await screen.findByTestId("export-done");
    expect(done.textContent).toContain("/videos/Dog run.mp4");
    await fireEvent.click(screen.getByTestId("export-reveal"));
    expect(api.showExport).toHaveBeenCalledWith("/videos/Dog run.mp4", true);
    await fireEvent.click(screen.getByTestId("export-play"));
    expect(api.showExport).toHaveBeenLastCalledWith("/videos/Dog run.mp4", false);
  });

  it("cancels a running export", async () => {
    api.pickExportPath.mockResolvedValue("/tmp/a.mp4");
    let fail: (e: string) => void = () => {};
    api.exportVideo.mockImplementation(() => new Promise<void>((_res, rej) => (fail = rej)));
    api.cancelExport.mockImplementation(async () => fail("export cancelled"));
    render(ExportDialog, { project: project(), onchange: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId("export-start"));
    await fireEvent.click(await screen.findByTestId("export-cancel"));
    expect(api.cancelExport).toHaveBeenCalled();
    expect(await screen.findByTestId("export-cancelled")).toBeTruthy();
    expect(screen.queryByTestId("export-error")).toBeNull();
  });

  it("shows the backend's error clearly", async () => {
    api.pickExportPath.mockResolvedValue("/tmp/a.mp4");
    api.exportVideo.mockRejectedValue("disk full: /tmp/a.mp4 could not be written");
    render(ExportDialog, { project: project(), onchange: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId("export-start"));
    const err = await screen.findByTestId("export-error");
    expect(err.textContent).toContain("disk full");
  });

  it("does nothing when the save dialog is cancelled", async () => {
    api.pickExportPath.mockResolvedValue(null);
    render(ExportDialog, { project: project(), onchange: vi.fn(), onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId("export-start"));
    await waitFor(() => expect(api.pickExportPath).toHaveBeenCalled());
    expect(api.exportVideo).not.toHaveBeenCalled();
    expect((screen.getByTestId("export-start") as HTMLButtonElement).disabled).toBe(false);
  });

  it("cannot export without a photo", () => {
    const p = project();
    p.shots[0].image = null;
    p.shots[0].image_size = null;
    render(ExportDialog, { project: p, onchange: vi.fn(), onclose: vi.fn() });
    expect((screen.getByTestId("export-start") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("export-no-image")).toBeTruthy();
  });

  it("previews each shot's framing and flags a picture scaled up past 2x", async () => {
    const p = project();
    render(ExportDialog, { project: p, onchange: () => {}, onclose: () => {} });
    expect(screen.getByTestId("export-framing").querySelectorAll("li").length).toBe(1);
    expect(screen.queryByTestId("export-upscale")).toBeNull();
  });

  it("says a 451x300 photo in a 1080x1920 frame will look soft", async () => {
    const p = project();
    p.shots[0].image_size = [451, 300];
    render(ExportDialog, { project: p, onchange: () => {}, onclose: () => {} });
    expect(screen.getByTestId("export-upscale").textContent).toMatch(/451×300 picture is scaled up 6\.4× to fill 1080×1920/);
  });
});
