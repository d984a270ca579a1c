import { flushSync } from "svelte";
import { describe, expect, it, vi } from "vitest";
import { newShot } from "./model";
import { studio } from "./studio.svelte";
import { installTestHooks } from "./testHooks.svelte";

vi.mock("./api", () => ({
  autosave: vi.fn(async () => {}),
  setMenuLanguage: vi.fn(async () => {}),
  hasBackend: () => false,
  errorMessage: String,
}));

describe("test hooks", () => {
  it("mirror the project on <body data-*> outside the app's components", () => {
    const stop = installTestHooks();
    studio.load({
      dir: "/tmp/p",
      untitled: true,
      recovered: false,
      project: { ...studio.project, shots: [newShot(0), { ...newShot(1), seconds: 2.5 }], audio: [] },
    });
    flushSync();
    const d = document.body.dataset;
    expect(d.shotCount).toBe("2");
    expect(d.shotOrder).toBe("Shot 1|Shot 2");
    expect(d.sequenceSeconds).toBe("7.5");
    expect(d.shotCrops).toBe("0.500,0.500,1.000|0.500,0.500,1.000");
    expect(d.playing).toBe("false");
    stop();
  });
});
