import { fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { OpenedProject } from "../lib/bindings/OpenedProject";
import type { Shot } from "../lib/bindings/Shot";
import { setLang } from "../lib/locale.svelte";
import { newShot } from "../lib/model";
import { studio } from "../lib/studio.svelte";
import Inspector from "./Inspector.svelte";

const api = vi.hoisted(() => ({
  setMenuLanguage: vi.fn(async () => {}),
  autosave: vi.fn(async () => {}),
  errorMessage: String,
  // Thumbnails are not drawn in jsdom; the subject's name is what the tests read.
  previewFrame: vi.fn(async () => {
    throw new Error("no backend");
  }),
  pickImages: vi.fn(async (): Promise<string[]> => []),
  importSubjectImages: vi.fn(async (paths: string[]) => paths.map((p) => ({ asset: `assets/${p}`, width: 8, height: 8 }))),
  planScript: vi.fn(),
  scriptToShots: vi.fn(),
}));
vi.mock("../lib/api", () => api);

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
            source: "image", prompt: "", negative_prompt: "", shot_size: "medium", seed: 0, transition: { kind: "cut", seconds: 0 }, subjects: [], crop: { x: 0.5, y: 0.5, zoom: 1 },
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
    // One control for the move: nine buttons, the chosen one named below them.
    expect(screen.getAllByRole("button").filter((b) => b.dataset.testid?.startsWith("camera-") && b.dataset.testid !== "camera-key-add").length).toBe(9);
    expect(screen.queryByRole("combobox", { name: "Move" })).toBeNull();
    expect((screen.getByTestId("camera-amount") as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("camera-pan-left"));
    expect(studio.motion.camera.kind).toBe("pan-left");
    expect(screen.getByTestId("camera-kind").textContent).toContain("Pan left");
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
    expect(screen.getByTestId("camera-pan-left").getAttribute("aria-label")).toBe("向左平移");
    setLang("en");
  });

  it("groups the settings into Motion, Shot and Generate tabs", async () => {
    render(Inspector);
    expect(screen.getByTestId("inspector-motion").hidden).toBe(false);
    expect(screen.getByTestId("inspector-shot").hidden).toBe(true);
    expect(screen.getByTestId("inspector-generate").hidden).toBe(true);
    await fireEvent.click(screen.getByTestId("inspector-tab-shot"));
    expect(screen.getByTestId("inspector-shot").hidden).toBe(false);
    expect(screen.getByTestId("inspector-motion").hidden).toBe(true);
    expect(screen.getByTestId("inspector-tab-shot").getAttribute("aria-selected")).toBe("true");
  });
});

function shot(id: string, name: string): Shot {
  return { ...newShot(), id, name, image: "assets/a.jpg", image_size: [800, 600] };
}

function twoShots(): OpenedProject {
  return {
    dir: "/d",
    untitled: true,
    recovered: false,
    project: {
      schema_version: 2,
      name: "P",
      shots: [shot("a", "Shot 1"), shot("b", "Shot 2"), shot("c", "Shot 3")],
      export: { preset: null, fit: "crop" },
      audio: [],
      subjects: [],
    },
  };
}

const chips = () => screen.getByTestId("shot-subjects").querySelectorAll("[data-testid='shot-subject-chip']");

describe("Inspector: shot settings", () => {
  beforeEach(() => {
    setLang("en");
    studio.load(twoShots());
  });

  it("edits the negative prompt, size and seed, each one undo step", async () => {
    render(Inspector);
    const negative = screen.getByTestId("shot-negative") as HTMLTextAreaElement;
    await fireEvent.input(negative, { target: { value: "blu" } });
    await fireEvent.input(negative, { target: { value: "blurry" } });
    await fireEvent.change(negative);
    expect(studio.shot!.negative_prompt).toBe("blurry");

    const size = screen.getByTestId("shot-size") as HTMLSelectElement;
    expect([...size.options].map((o) => o.textContent)).toEqual([
      "Extreme long shot",
      "Long shot",
      "Full shot",
      "Medium shot",
      "Close-up",
      "Extreme close-up",
    ]);
    await fireEvent.change(size, { target: { value: "close-up" } });
    expect(studio.shot!.shot_size).toBe("close-up");

    const seed = screen.getByTestId("shot-seed") as HTMLInputElement;
    await fireEvent.change(seed, { target: { value: "1234" } });
    expect(studio.shot!.seed).toBe(1234);
    // Not a seed: nothing changes and the field shows the shot's seed again.
    await fireEvent.change(seed, { target: { value: "-5" } });
    expect(studio.shot!.seed).toBe(1234);
    expect(seed.value).toBe("1234");
    await fireEvent.click(screen.getByTestId("shot-seed-new"));
    expect(studio.shot!.seed).not.toBe(1234);
    await tick();
    expect(seed.value).toBe(String(studio.shot!.seed));

    studio.undo();
    expect(studio.shot!.seed).toBe(1234);
    studio.undo();
    expect(studio.shot!.seed).toBe(0);
    studio.undo();
    expect(studio.shot!.shot_size).toBe("medium");
    studio.undo();
    expect(studio.shot!.negative_prompt).toBe("");
    expect(studio.canUndo).toBe(false);
  });

  it("lets a later shot continue from the previous one, never the first", async () => {
    render(Inspector);
    const source = () => screen.getByTestId("shot-source") as HTMLSelectElement;
    expect(source().options[1].disabled).toBe(true);
    studio.selectShot(1);
    await tick();
    expect(source().options[1].disabled).toBe(false);
    await fireEvent.change(source(), { target: { value: "previous-shot" } });
    expect(studio.project.shots[1].source).toBe("previous-shot");
    // Moved to the front, it says it cannot continue.
    studio.moveShot(1, 0);
    await tick();
    expect(screen.getByTestId("shot-source-invalid")).toBeTruthy();
  });
});

describe("Inspector: subject library", () => {
  beforeEach(() => {
    setLang("en");
    studio.load(twoShots());
  });

  it("adds a subject from pictures, links it to two shots, and a rename shows in both", async () => {
    render(Inspector);
    api.pickImages.mockResolvedValueOnce(["mia.png", "mia-side.png"]);
    await fireEvent.click(screen.getByTestId("subject-add"));
    await vi.waitFor(() => expect(studio.project.subjects.length).toBe(1));
    const subject = studio.project.subjects[0];
    expect(subject.name).toBe("Subject 1");
    expect(subject.images).toEqual(["assets/mia.png", "assets/mia-side.png"]);

    await fireEvent.click(screen.getByTestId("subject-link-0"));
    studio.selectShot(2);
    await tick();
    await fireEvent.click(screen.getByTestId("subject-link-0"));
    expect(studio.project.shots.map((s) => s.subjects.length)).toEqual([1, 0, 1]);
    expect(screen.getByTestId("subject-link-0").getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("subject-item-0").textContent).toContain("Shots: 2");

    const name = screen.getByTestId("subject-name-0") as HTMLInputElement;
    await fireEvent.change(name, { target: { value: "Mia" } });
    expect(chips()[0].textContent).toContain("Mia");
    studio.selectShot(0);
    await tick();
    expect(chips().length).toBe(1);
    expect(chips()[0].textContent).toContain("Mia");
    studio.selectShot(1);
    await tick();
    expect(chips().length).toBe(0);

    // Replacing the pictures keeps the links.
    api.pickImages.mockResolvedValueOnce(["new.png"]);
    await fireEvent.click(screen.getByTestId("subject-replace-0"));
    await vi.waitFor(() => expect(studio.project.subjects[0].images).toEqual(["assets/new.png"]));
    expect(studio.project.shots[0].subjects).toEqual([subject.id]);
  });

  it("asks before deleting a subject in use, then unlinks it everywhere in one step", async () => {
    render(Inspector);
    studio.edit((p) => {
      p.subjects.push({ id: "cup", name: "Cup", images: [] }, { id: "hat", name: "Hat", images: [] });
      p.shots[0].subjects = ["cup"];
      p.shots[2].subjects = ["cup"];
    });
    await tick();
    // Unused: deleted at once.
    await fireEvent.click(screen.getByTestId("subject-delete-1"));
    expect(studio.project.subjects.map((s) => s.name)).toEqual(["Cup"]);
    await fireEvent.click(screen.getByTestId("subject-delete-0"));
    expect(screen.getByTestId("subject-delete-confirm").textContent).toContain("“Cup” is in shots: 2");
    await fireEvent.click(screen.getByTestId("subject-delete-no"));
    expect(studio.project.subjects.length).toBe(1);
    await fireEvent.click(screen.getByTestId("subject-delete-0"));
    await fireEvent.click(screen.getByTestId("subject-delete-yes"));
    expect(studio.project.subjects.length).toBe(0);
    expect(studio.project.shots.map((s) => s.subjects)).toEqual([[], [], []]);
    studio.undo();
    expect(studio.project.shots.map((s) => s.subjects)).toEqual([["cup"], [], ["cup"]]);
  });

  it("unlinks from the shot's chip", async () => {
    render(Inspector);
    studio.edit((p) => {
      p.subjects.push({ id: "cup", name: "Cup", images: [] });
      p.shots[0].subjects = ["cup"];
    });
    await tick();
    await fireEvent.click(screen.getByLabelText("Remove Cup from this shot"));
    expect(studio.project.shots[0].subjects).toEqual([]);
  });
});

describe("Inspector: script to storyboard", () => {
  beforeEach(() => {
    setLang("en");
    studio.load(twoShots());
  });

  it("previews the beats as the text changes and adds them as one step", async () => {
    vi.useFakeTimers();
    try {
      render(Inspector);
      await fireEvent.click(screen.getByTestId("script-open"));
      const text = screen.getByTestId("script-text") as HTMLTextAreaElement;
      api.planScript.mockResolvedValue([
        { text: "A harbour.", shot_size: "extreme-long", scene: null, transition: "cut", seconds: 4 },
        { text: "She cries.", shot_size: "close-up", scene: null, transition: "cut", seconds: 2.5 },
      ]);
      await fireEvent.input(text, { target: { value: "A harbour.\nShe cries." } });
      await vi.advanceTimersByTimeAsync(200);
      expect(api.planScript).toHaveBeenCalledWith("A harbour.\nShe cries.");
      const items = screen.getByTestId("script-preview").querySelectorAll("li");
      expect([...items].map((li) => li.dataset.size)).toEqual(["extreme-long", "close-up"]);
      expect(items[1].textContent).toContain("Close-up");
      expect(screen.getByTestId("script-count").textContent).toBe("Shots: 2");

      const shots = structuredClone(studio.project.shots);
      const added = [{ ...newShot(3), prompt: "A harbour." }, { ...newShot(4), prompt: "She cries." }];
      api.scriptToShots.mockResolvedValueOnce({ shots: [...shots, ...added], first_new: 3, added: 2 });
      await fireEvent.click(screen.getByTestId("script-apply"));
      await vi.waitFor(() => expect(studio.project.shots.length).toBe(5));
      expect(studio.shotIndex).toBe(3);
      expect(screen.queryByTestId("script-dialog")).toBeNull();
      studio.undo();
      expect(studio.project.shots.length).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows the backend's complaint and keeps the project", async () => {
    vi.useFakeTimers();
    try {
      render(Inspector);
      await fireEvent.click(screen.getByTestId("script-open"));
      api.planScript.mockRejectedValueOnce("the script has no action to make shots from");
      await fireEvent.input(screen.getByTestId("script-text"), { target: { value: "..." } });
      await vi.advanceTimersByTimeAsync(200);
      expect(screen.getByTestId("script-error").textContent).toContain("no action");
      expect((screen.getByTestId("script-apply") as HTMLButtonElement).disabled).toBe(true);
      await fireEvent.keyDown(screen.getByTestId("script-dialog"), { key: "Escape" });
      expect(screen.queryByTestId("script-dialog")).toBeNull();
      expect(studio.project.shots.length).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
