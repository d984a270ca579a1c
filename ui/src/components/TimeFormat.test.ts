// Every place that shows a time writes it the same way (m:ss.cc).
import { render, screen } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Shot } from "../lib/bindings/Shot";
import { setLang } from "../lib/locale.svelte";
import { studio } from "../lib/studio.svelte";
import StatusBar from "./StatusBar.svelte";
import Storyboard from "./Storyboard.svelte";

const api = vi.hoisted(() => ({
  setMenuLanguage: vi.fn(async () => {}),
  autosave: vi.fn(async () => {}),
  errorMessage: String,
  // No backend: the status bar does not ask which device generates.
  hasBackend: () => false,
  engineDevice: vi.fn(async () => null),
  previewFrame: vi.fn(async () => {
    throw new Error("no backend");
  }),
}));
vi.mock("../lib/api", () => api);

function shot(id: string, name: string, seconds: number): Shot {
  return {
    id,
    name,
    image: null,
    image_size: null,
    seconds,
    source: "image",
    prompt: "",
    negative_prompt: "",
    shot_size: "medium",
    seed: 0,
    transition: { kind: "cut", seconds: 0 },
    subjects: [], crop: { x: 0.5, y: 0.5, zoom: 1 },
    motion: { paths: [], statics: [], camera: { kind: "static", amount: 0.15, easing: "ease-in-out" } },
  } as Shot;
}

describe("times on screen", () => {
  beforeEach(() => {
    setLang("en");
    studio.load({
      dir: "/d",
      untitled: true,
      recovered: false,
      project: {
        schema_version: 2,
        name: "P",
        shots: [shot("a", "Shot 1", 5), shot("b", "Shot 2", 62.5)],
        export: { preset: null, fit: "crop" },
        audio: [],
        subjects: [],
      },
    } as never);
  });

  it("the status bar shows the playhead and the sequence's length as m:ss.cc", () => {
    render(StatusBar);
    expect(screen.getByTestId("status-time").textContent).toBe("0:00.00 / 1:07.50");
  });

  it("the storyboard shows each shot's length and the total as m:ss.cc", () => {
    render(Storyboard);
    expect(screen.getByTestId("sequence-total").textContent).toContain("1:07.50");
    expect(screen.getByTestId("shot-card-0").textContent).toContain("0:05.00");
    expect(screen.getByTestId("shot-card-1").textContent).toContain("1:02.50");
  });
});
