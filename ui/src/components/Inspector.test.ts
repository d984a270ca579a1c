import { fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/locale.svelte";
import { studio } from "../lib/studio.svelte";
import Inspector from "./Inspector.svelte";

vi.mock("../lib/api", () => ({
  setMenuLanguage: vi.fn(async () => {}),
  autosave: vi.fn(async () => {}),
  errorMessage: String,
}));

describe("Inspector", () => {
  beforeEach(() => {
    setLang("en");
    studio.load({
      dir: "/d",
      untitled: true,
      recovered: false,
      project: {
        schema_version: 2,
        name: "P",
        shots: [
          {
            id: "s",
            name: "Shot 1",
            image: "assets/a.jpg",
            image_size: [800, 600],
            seconds: 5,
            source: "image", prompt: "", negative_prompt: "", shot_size: "medium", seed: 0, transition: { kind: "cut", seconds: 0 }, subjects: [],
            motion: {
              paths: [
                { points: [{ x: 0.1, y: 0.1 }, { x: 0.3, y: 0.3 }], radius: 0.1 },
                { points: [{ x: 0.5, y: 0.5 }, { x: 0.6, y: 0.6 }, { x: 0.9, y: 0.7 }], radius: 0.05 },
              ],
              statics: [],
              camera: { kind: "static", amount: 0.15, easing: "ease-in-out" },
            },
          },
        ],
        export: { preset: null, fit: "crop" },
        audio: [],
        subjects: [],
      },
    });
  });

  it("lists the paths with their colours and deletes one", async () => {
    render(Inspector);
    const list = screen.getByTestId("path-list");
    expect(list.querySelectorAll("[data-testid^='path-item-']").length).toBe(2);
    expect(screen.getByTestId("path-item-1").textContent).toContain("3 points");
    await fireEvent.click(screen.getByTestId("path-item-1").querySelector("button")!);
    expect(studio.selected).toBe(1);
    await fireEvent.click(screen.getByTestId("path-delete-0"));
    expect(studio.motion.paths.length).toBe(1);
    expect(screen.queryByTestId("path-item-1")).toBeNull();
    expect(studio.selected).toBe(0);
  });

  it("sets the camera move, amount and duration", async () => {
    render(Inspector);
    const kind = screen.getByTestId("camera-kind") as HTMLSelectElement;
    expect(kind.options.length).toBe(9);
    expect((screen.getByTestId("camera-amount") as HTMLInputElement).disabled).toBe(true);
    await fireEvent.change(kind, { target: { value: "pan-left" } });
    expect(studio.motion.camera.kind).toBe("pan-left");
    expect(screen.getByTestId("camera-pan-left").getAttribute("aria-pressed")).toBe("true");

    const amount = screen.getByTestId("camera-amount") as HTMLInputElement;
    expect(amount.disabled).toBe(false);
    await fireEvent.input(amount, { target: { value: "0.4" } });
    await fireEvent.input(amount, { target: { value: "0.5" } });
    await fireEvent.change(amount);
    expect(studio.motion.camera.amount).toBeCloseTo(0.5);

    const duration = screen.getByTestId("duration-input") as HTMLInputElement;
    await fireEvent.input(duration, { target: { value: "12" } });
    await fireEvent.change(duration);
    expect(studio.shot!.seconds).toBe(12);

    // Slider drag = one undo step.
    studio.undo();
    expect(studio.shot!.seconds).toBe(5);
    studio.undo();
    expect(studio.motion.camera.amount).toBeCloseTo(0.15);
  });

  it("speaks Chinese when switched", async () => {
    render(Inspector);
    setLang("zh-CN");
    await tick();
    expect(document.body.textContent).toContain("运动路径");
    expect((screen.getByTestId("camera-kind") as HTMLSelectElement).options[1].textContent).toBe("向左平移");
    setLang("en");
  });
});
