import { fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/locale.svelte";
import { studio } from "../lib/studio.svelte";
import CameraKeys from "./CameraKeys.svelte";

const api = vi.hoisted(() => ({
  setMenuLanguage: vi.fn(async () => {}),
  autosave: vi.fn(async () => {}),
  errorMessage: String,
}));
vi.mock("../lib/api", () => api);

describe("CameraKeys", () => {
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
            seconds: 4,
            source: "image",
            prompt: "",
            negative_prompt: "",
            shot_size: "medium",
            seed: 0,
            transition: { kind: "cut", seconds: 0 },
            subjects: [], crop: { x: 0.5, y: 0.5, zoom: 1 },
            motion: {
              paths: [],
              statics: [],
              camera: { kind: "zoom-in", amount: 0.4, easing: "linear" },
            },
          },
        ],
        export: { preset: null, fit: "crop" },
        audio: [],
        subjects: [],
      },
    });
  });

  it("adds keys at the playhead, edits and deletes them, each one undo step", async () => {
    render(CameraKeys);
    const add = screen.getByTestId("camera-key-add");
    studio.t = 0.5;
    await tick();
    expect(add.textContent).toContain("0:02.00");
    await fireEvent.click(add);
    // The key holds what the zoom-in move shows at mid-shot: 1 + 0.4 * 0.5.
    expect(studio.motion.camera.keys).toEqual([{ t: 0.5, x: 0.5, y: 0.5, zoom: 1.2, roll: 0 }]);

    studio.t = 0;
    await fireEvent.click(add);
    expect(studio.motion.camera.keys?.map((k) => k.t)).toEqual([0, 0.5]);
    // Before the only key the keys hold it, so that is what the new key takes.
    expect(studio.motion.camera.keys?.[0].zoom).toBe(1.2);
    expect(document.body.textContent).toContain("Keys replace the move above");

    // Typing a value is one step; the time (in seconds) re-sorts the keys.
    const zoom = screen.getByTestId("camera-key-zoom-0") as HTMLInputElement;
    await fireEvent.input(zoom, { target: { value: "3" } });
    await fireEvent.input(zoom, { target: { value: "3.5" } });
    await fireEvent.change(zoom);
    expect(studio.motion.camera.keys?.[0].zoom).toBe(3.5);
    const time = screen.getByTestId("camera-key-t-0") as HTMLInputElement;
    await fireEvent.change(time, { target: { value: "3" } });
    expect(studio.motion.camera.keys?.map((k) => k.t)).toEqual([0.5, 0.75]);
    expect(studio.motion.camera.keys?.[1].zoom).toBe(3.5);

    // A time already taken is refused and the field shows the key's own time again.
    const taken = screen.getByTestId("camera-key-t-1") as HTMLInputElement;
    await fireEvent.change(taken, { target: { value: "2" } });
    expect(studio.motion.camera.keys?.map((k) => k.t)).toEqual([0.5, 0.75]);
    expect(taken.value).toBe("3.00");

    await fireEvent.click(screen.getByTestId("camera-key-delete-0"));
    expect(studio.motion.camera.keys?.map((k) => k.t)).toEqual([0.75]);

    studio.undo(); // the delete
    expect(studio.motion.camera.keys).toHaveLength(2);
    studio.undo(); // the time edit
    expect(studio.motion.camera.keys?.map((k) => k.t)).toEqual([0, 0.5]);
    studio.undo(); // the zoom typed in two keystrokes
    expect(studio.motion.camera.keys?.[0].zoom).toBe(1.2);
    studio.undo(); // the second key
    studio.undo(); // the first key
    expect(studio.motion.camera.keys ?? []).toEqual([]);
  });

  it("jumps the preview to a key and pauses it", async () => {
    render(CameraKeys);
    studio.t = 0.25;
    await fireEvent.click(screen.getByTestId("camera-key-add"));
    studio.t = 0.9;
    studio.playing = true;
    await tick();
    await fireEvent.click(screen.getByTestId("camera-key-goto-0"));
    expect(studio.t).toBe(0.25);
    expect(studio.playing).toBe(false);
  });
});
