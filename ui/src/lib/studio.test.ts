import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { OpenedProject } from "./bindings/OpenedProject";
import type { Project } from "./bindings/Project";
import { lang, setLang } from "./locale.svelte";
import { notices } from "./notices.svelte";
import { AUTOSAVE_DELAY_MS, Studio } from "./studio.svelte";

const api = vi.hoisted(() => ({
  appInfo: vi.fn(async () => ({ locale: "en-US", version: "0.1.0" })),
  newProject: vi.fn(),
  restoreSession: vi.fn(),
  openProject: vi.fn(),
  saveProject: vi.fn(async () => {}),
  saveProjectAs: vi.fn(),
  autosave: vi.fn(async () => {}),
  pickImage: vi.fn(),
  pickProjectFolder: vi.fn(),
  importImage: vi.fn(),
  pickAudio: vi.fn(),
  importAudio: vi.fn(),
  audioPeaks: vi.fn(),
  hasBackend: () => false,
  setMenuLanguage: vi.fn(async () => {}),
  onMenu: vi.fn(async () => () => {}),
  onDragDrop: vi.fn(async () => () => {}),
  errorMessage: (e: unknown) => String(e),
}));
vi.mock("./api", () => api);

function project(): Project {
  return {
    schema_version: 2,
    name: "Untitled",
    shots: [
      {
        id: "s1",
        name: "Shot 1",
        image: null,
        image_size: null,
        seconds: 5,
        source: "image", prompt: "", negative_prompt: "", shot_size: "medium", seed: 0, transition: { kind: "cut", seconds: 0 }, subjects: [], crop: { x: 0.5, y: 0.5, zoom: 1 },
        motion: { paths: [], statics: [], camera: { kind: "static", amount: 0.15, easing: "ease-in-out" } },
      },
    ],
    export: { preset: "tiktok", fit: "crop" },
    audio: [],
    subjects: [],
  };
}

const opened = (p: Project = project(), extra: Partial<OpenedProject> = {}): OpenedProject => ({
  dir: "/data/untitled-1",
  project: p,
  untitled: true,
  recovered: false,
  ...extra,
});

const line = (y: number) => [
  { x: 0.1, y },
  { x: 0.5, y },
];

describe("Studio", () => {
  let s: Studio;

  beforeEach(() => {
    vi.clearAllMocks();
    notices.clear();
    s = new Studio();
    s.load(opened());
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("adds, selects and deletes paths, each an undo step", () => {
    expect(s.addPath(line(0.2))).toBe(true);
    expect(s.addPath(line(0.4))).toBe(true);
    expect(s.motion.paths.length).toBe(2);
    expect(s.selected).toBe(1);
    expect(s.dirty).toBe(true);
    s.deletePath(0);
    expect(s.motion.paths.length).toBe(1);
    expect(s.selected).toBe(0);
    s.undo();
    expect(s.motion.paths.length).toBe(2);
    s.undo();
    s.undo();
    expect(s.motion.paths.length).toBe(0);
    expect(s.dirty).toBe(false);
    s.redo();
    expect(s.motion.paths.length).toBe(1);
  });

  it("paints, erases and resets the selected path's mask, each an undo step", () => {
    s.addPath(line(0.5));
    const stroke = [
      { x: 0.1, y: 0.5 },
      { x: 0.1, y: 0.3 },
    ];
    expect(s.paintMask(0, stroke, false)).toBe(true);
    const painted = s.motion.paths[0].mask;
    expect(painted?.strokes.map((st) => st.erase)).toEqual([false, false]);
    // The brush is the path's radius.
    expect(painted?.strokes[1].radius).toBe(s.motion.paths[0].radius);
    expect(s.paintMask(0, [{ x: 0.1, y: 0.4 }], true)).toBe(true);
    expect(s.motion.paths[0].mask?.strokes).toHaveLength(3);
    s.undo();
    expect(s.motion.paths[0].mask?.strokes).toHaveLength(2);
    s.resetMask(0);
    expect(s.motion.paths[0].mask).toBeUndefined();
    expect("mask" in s.motion.paths[0]).toBe(false);
    s.undo();
    expect(s.motion.paths[0].mask?.strokes).toHaveLength(2);
    s.undo();
    expect(s.motion.paths[0].mask).toBeUndefined();
    expect(s.paintMask(5, stroke, false)).toBe(false);
  });

  it("says when a mask is full instead of painting", () => {
    s.addPath(line(0.5));
    for (let i = 0; i < 63; i++) expect(s.paintMask(0, [{ x: 0.1 + i * 0.001, y: 0.5 }], false)).toBe(true);
    expect(s.paintMask(0, [{ x: 0.3, y: 0.5 }], false)).toBe(false);
    expect(s.motion.paths[0].mask?.strokes).toHaveLength(64);
    expect(notices.list.some((n) => n.kind === "warning" && n.text.includes("Reset it to the disk"))).toBe(true);
  });

  it("refuses a ninth path with a clear notice", () => {
    for (let i = 0; i < 8; i++) expect(s.addPath(line(0.1 * (i + 1)))).toBe(true);
    expect(s.addPath(line(0.95))).toBe(false);
    expect(s.motion.paths.length).toBe(8);
    expect(notices.list.some((n) => n.kind === "warning" && n.text.includes("at most 8"))).toBe(true);
  });

  it("collapses a handle drag into one undo step", () => {
    s.addPath(line(0.5));
    for (let i = 1; i <= 10; i++) s.movePoint(0, 1, { x: 0.5 + i * 0.01, y: 0.5 }, "handle-7");
    s.seal();
    expect(s.motion.paths[0].points[1].x).toBeCloseTo(0.6);
    s.undo();
    expect(s.motion.paths[0].points[1].x).toBeCloseTo(0.5);
    s.undo();
    expect(s.motion.paths.length).toBe(0);
  });

  it("changes the selected path's radius with the brush radius", () => {
    s.addPath(line(0.5));
    s.setRadius(0.2, "radius-slider");
    s.setRadius(0.25, "radius-slider");
    s.seal();
    expect(s.motion.paths[0].radius).toBeCloseTo(0.25);
    expect(s.brushRadius).toBeCloseTo(0.25);
    s.undo();
    expect(s.motion.paths[0].radius).toBeCloseTo(0.08);
  });

  it("clamps duration and camera edits", () => {
    s.setSeconds(40);
    expect(s.shot!.seconds).toBe(15);
    s.setSeconds(0.2);
    expect(s.shot!.seconds).toBe(1);
    s.setCamera({ kind: "zoom-in" });
    s.setCamera({ amount: 0.5 }, "amount");
    s.setCamera({ amount: 0.6 }, "amount");
    expect(s.motion.camera).toEqual({ kind: "zoom-in", amount: 0.6, easing: "ease-in-out" });
    s.undo();
    expect(s.motion.camera.amount).toBeCloseTo(0.15);
  });

  it("imports a photo into the shot", async () => {
    api.pickImage.mockResolvedValue("/photos/dog.jpg");
    api.importImage.mockResolvedValue({ kind: "imported", image: { asset: "assets/ff.jpg", width: 1200, height: 800 } });
    await s.importPhoto();
    expect(api.importImage).toHaveBeenCalledWith("/photos/dog.jpg", false);
    expect(s.shot!.image).toBe("assets/ff.jpg");
    expect(s.shot!.image_size).toEqual([1200, 800]);
    expect(s.imageLoaded).toBe(true);
    s.undo();
    expect(s.imageLoaded).toBe(false);
  });

  it("imports a damaged picture only when the creator says so, and says when one was scaled", async () => {
    api.importImage.mockResolvedValueOnce({ kind: "damaged", message: "cut.jpg is damaged: decoded 80 of 240 rows" });
    await s.importPath("/x/cut.jpg");
    expect(s.imageLoaded).toBe(false);
    const warning = notices.list.find((n) => n.text.includes("decoded 80 of 240 rows"));
    expect(warning?.action?.label).toBe("Import anyway");
    api.importImage.mockResolvedValueOnce({
      kind: "imported",
      image: { asset: "assets/cc-3840x2880.jpg", width: 3840, height: 2880, original: { asset: "assets/cc.jpg", width: 12000, height: 9000 }, damage: "decoded 80 of 240 rows" },
    });
    warning!.action!.run();
    await vi.waitFor(() => expect(s.imageLoaded).toBe(true));
    expect(api.importImage).toHaveBeenLastCalledWith("/x/cut.jpg", true);
    expect(s.shot!.image).toBe("assets/cc-3840x2880.jpg");
    expect(notices.list.some((n) => n.text.includes("12000×9000") && n.text.includes("3840×2880"))).toBe(true);
  });

  it("imports the first image dropped on the window and refuses other files", async () => {
    api.importImage.mockResolvedValue({ kind: "imported", image: { asset: "assets/aa.png", width: 10, height: 10 } });
    s.onDragDrop({ type: "enter", paths: ["/x/a.png"] });
    expect(s.dropActive).toBe(true);
    s.onDragDrop({ type: "drop", paths: ["/x/readme.txt", "/x/a.PNG"] });
    expect(s.dropActive).toBe(false);
    await vi.waitFor(() => expect(s.imageLoaded).toBe(true));
    expect(api.importImage).toHaveBeenCalledWith("/x/a.PNG", false);
    s.onDragDrop({ type: "drop", paths: ["/x/song.mp3"] });
    expect(notices.list.some((n) => n.text.includes("JPEG, PNG and WebP"))).toBe(true);
  });

  it("autosaves 1.5 s after the last edit", async () => {
    vi.useFakeTimers();
    s.addPath(line(0.3));
    vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 100);
    s.addPath(line(0.6));
    vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 100);
    expect(api.autosave).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(api.autosave).toHaveBeenCalledTimes(1);
    const saved = (api.autosave.mock.calls[0] as unknown[])[0] as Project;
    expect(saved.shots[0].motion.paths.length).toBe(2);
  });

  it("saves an untitled project through save-as, then plainly", async () => {
    s.addPath(line(0.5));
    api.pickProjectFolder.mockResolvedValue("/home/me/Dog");
    api.saveProjectAs.mockImplementation(async (dir: string, p: Project) => ({
      dir,
      project: { ...p, name: "Dog" },
      untitled: false,
      recovered: false,
    }));
    expect(await s.save()).toBe(true);
    expect(api.saveProjectAs).toHaveBeenCalledWith("/home/me/Dog", expect.objectContaining({ schema_version: 2 }));
    expect(s.untitled).toBe(false);
    expect(s.project.name).toBe("Dog");
    expect(s.dirty).toBe(false);
    s.addPath(line(0.7));
    expect(s.dirty).toBe(true);
    expect(await s.save()).toBe(true);
    expect(api.saveProject).toHaveBeenCalledTimes(1);
    expect(s.dirty).toBe(false);
  });

  it("asks before discarding unsaved changes", async () => {
    s.addPath(line(0.5));
    api.newProject.mockResolvedValue(opened());
    const pending = s.newProject();
    await vi.waitFor(() => expect(s.confirmName).toBe("Untitled"));
    s.answerConfirm("cancel");
    await pending;
    expect(api.newProject).not.toHaveBeenCalled();
    expect(s.motion.paths.length).toBe(1);

    const again = s.newProject();
    await vi.waitFor(() => expect(s.confirmName).not.toBeNull());
    s.answerConfirm("discard");
    await again;
    expect(api.newProject).toHaveBeenCalledTimes(1);
    expect(s.motion.paths.length).toBe(0);
    expect(s.canUndo).toBe(false);
  });

  it("marks a recovered project unsaved and says so", () => {
    s.load(opened(project(), { recovered: true }));
    expect(s.dirty).toBe(true);
    expect(notices.list.some((n) => n.text.includes("restored"))).toBe(true);
  });

  it("reports errors from the backend as notices", async () => {
    api.pickProjectFolder.mockResolvedValue("/nope");
    api.openProject.mockRejectedValue("project.json was written by a newer Motionboard (schema 9)");
    await s.open();
    expect(notices.list.some((n) => n.kind === "error" && n.text.includes("newer Motionboard"))).toBe(true);
  });

  it("starts on the restored session, or a new project when there is none", async () => {
    api.restoreSession.mockResolvedValue(opened(project(), { recovered: true, untitled: false, dir: "/p/Dog" }));
    const a = new Studio();
    await a.start();
    expect(a.ready).toBe(true);
    expect(a.dir).toBe("/p/Dog");
    expect(a.dirty).toBe(true);
    expect(api.newProject).not.toHaveBeenCalled();
    expect(api.setMenuLanguage).toHaveBeenCalledWith("en");

    api.restoreSession.mockRejectedValue("unknown command restore_session");
    api.newProject.mockResolvedValue(opened());
    const b = new Studio();
    await b.start();
    expect(api.newProject).toHaveBeenCalledTimes(1);
    expect(b.untitled).toBe(true);
    expect(b.dirty).toBe(false);
  });

  it("follows the system locale at start", async () => {
    localStorage.clear();
    api.appInfo.mockResolvedValueOnce({ locale: "zh_CN.UTF-8", version: "0.1.0" });
    api.restoreSession.mockResolvedValue(opened());
    await new Studio().start();
    expect(api.setMenuLanguage).toHaveBeenLastCalledWith("zh-CN");
    expect(lang()).toBe("zh-CN");
    setLang("en");
  });

  it("runs the native menu's actions", async () => {
    s.addPath(line(0.5));
    await s.menu("undo");
    expect(s.motion.paths.length).toBe(0);
    await s.menu("redo");
    expect(s.motion.paths.length).toBe(1);
    await s.menu("export");
    expect(s.exportOpen).toBe(true);
  });

  it("adds, duplicates, reorders and deletes shots, each an undo step", () => {
    s.addShot();
    expect(s.project.shots.map((x) => x.name)).toEqual(["Shot 1", "Shot 2"]);
    expect(s.shotIndex).toBe(1);
    s.setSeconds(3);
    s.duplicateShot(1);
    expect(s.project.shots.length).toBe(3);
    expect(s.project.shots[2].seconds).toBe(3);
    expect(s.project.shots[2].id).not.toBe(s.project.shots[1].id);
    expect(s.shotIndex).toBe(2);
    s.moveShot(2, 0);
    expect(s.project.shots[0].name).toBe("Shot 2 copy");
    expect(s.shotIndex).toBe(0);
    s.askDeleteShot(0);
    expect(s.confirmDeleteShot).toBe(0);
    s.answerDeleteShot(false);
    expect(s.project.shots.length).toBe(3);
    s.askDeleteShot(0);
    s.answerDeleteShot(true);
    expect(s.project.shots.map((x) => x.name)).toEqual(["Shot 1", "Shot 2"]);
    s.undo();
    expect(s.project.shots[0].name).toBe("Shot 2 copy");
    s.undo();
    expect(s.project.shots[2].name).toBe("Shot 2 copy");
    s.redo();
    expect(s.project.shots[0].name).toBe("Shot 2 copy");
  });

  it("names a new shot in the creator's language", () => {
    setLang("zh-CN");
    s.addShot();
    expect(s.project.shots[1].name).toBe("镜头 2");
    setLang("en");
  });

  it("names a new project's first shot in the creator's language, and no shot the creator named", () => {
    setLang("zh-CN");
    // A new project from the backend: one blank shot it named in English.
    s.load(opened());
    expect(s.project.shots[0].name).toBe("镜头 1");
    expect(s.dirty).toBe(false);
    // A project with no shots gets one, named in the language too.
    s.load(opened({ ...project(), shots: [] }));
    expect(s.project.shots[0].name).toBe("镜头 1");
    // An untitled project reopened with work in it keeps its names.
    const worked = project();
    worked.shots[0].prompt = "a cat";
    s.load(opened(worked));
    expect(s.project.shots[0].name).toBe("Shot 1");
    // So does a recovered one, and any saved project.
    s.load(opened(project(), { recovered: true }));
    expect(s.project.shots[0].name).toBe("Shot 1");
    s.load(opened(project(), { untitled: false }));
    expect(s.project.shots[0].name).toBe("Shot 1");
    setLang("en");
  });

  it("edits the selected shot only and keeps the last one", () => {
    s.addShot();
    s.setPrompt("a dog runs");
    s.setTransition({ kind: "crossfade", seconds: 99 });
    expect(s.project.shots[0].prompt).toBe("");
    expect(s.project.shots[1].prompt).toBe("a dog runs");
    expect(s.project.shots[1].transition).toEqual({ kind: "crossfade", seconds: 5 });
    s.selectShot(0);
    s.deleteShot(0);
    s.deleteShot(0);
    expect(s.project.shots.length).toBe(1);
    expect(s.shotIndex).toBe(0);
  });

  it("adds a sound clip, shows the import warning and clamps trims", async () => {
    api.pickAudio.mockResolvedValueOnce("/music/song.mp3");
    api.importAudio.mockResolvedValueOnce({
      asset: "assets/ab.mp3",
      name: "song.mp3",
      seconds: 10,
      warning: "the file stops early",
      peaks: { min: [-0.5], max: [0.5] },
    });
    await s.addAudio();
    expect(s.project.audio.length).toBe(1);
    const id = s.project.audio[0].id;
    expect(s.selectedClip).toBe(id);
    expect(s.peaks["assets/ab.mp3"]).toBeTruthy();
    expect(notices.list.some((n) => n.kind === "warning" && n.text.includes("stops early"))).toBe(true);
    s.trimClip(id, { trim_in: 2, trim_out: 20 });
    expect(s.project.audio[0].trim_in).toBe(2);
    expect(s.project.audio[0].trim_out).toBeNull();
    s.moveClip(id, -4);
    expect(s.project.audio[0].start).toBe(0);
    s.setClipGain(id, -6);
    expect(s.project.audio[0].gain_db).toBe(-6);
    s.deleteClip(id);
    expect(s.project.audio.length).toBe(0);
    s.undo();
    expect(s.project.audio.length).toBe(1);
  });

  it("says why a sound could not be added", async () => {
    api.pickAudio.mockResolvedValueOnce("/music/broken.wav");
    api.importAudio.mockRejectedValueOnce("broken.wav is not a sound file");
    await s.addAudio();
    expect(s.project.audio.length).toBe(0);
    expect(notices.list.some((n) => n.kind === "error" && n.text.includes("broken.wav"))).toBe(true);
  });
});
