import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AudioClip } from "./bindings/AudioClip";
import { newShot } from "./model";
import { timeline } from "./playback.svelte";
import { studio } from "./studio.svelte";

const api = vi.hoisted(() => ({
  detectBeats: vi.fn(),
  snapCuts: vi.fn(),
  playbackStart: vi.fn(),
  playbackStop: vi.fn(async () => 0),
  playbackPosition: vi.fn(),
  autosave: vi.fn(async () => {}),
  hasBackend: () => false,
  errorMessage: (e: unknown) => String(e),
}));
vi.mock("./api", () => api);

function clip(): AudioClip {
  return {
    id: "c1",
    name: "click.wav",
    file: "assets/click.wav",
    file_seconds: 12,
    start: 1,
    gain_db: 0,
    trim_in: 0.5,
    trim_out: null,
    fade_in: 0,
    fade_out: 0,
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  timeline.beats = {};
  studio.load({
    dir: "/tmp/p",
    untitled: true,
    recovered: false,
    project: {
      ...studio.project,
      shots: [1.7, 2.2, 2].map((s, i) => ({ ...newShot(i), seconds: s })),
      audio: [clip()],
    },
  });
});

describe("beats and snapping", () => {
  it("places a clip's detected beats on the sequence", async () => {
    api.detectBeats.mockResolvedValue({ bpm: 120, beats: [0, 0.5, 1, 1.5] });
    await timeline.detectBeats("c1");
    expect(api.detectBeats).toHaveBeenCalledWith("assets/click.wav");
    // Clip at 1 s, trimmed 0.5 s in: the beat at 0.5 s of the file plays at 1 s.
    expect(timeline.beatMarkers).toEqual([1, 1.5, 2]);
    expect(timeline.detecting).toBeNull();
  });

  it("snaps every cut in one undoable edit", async () => {
    api.detectBeats.mockResolvedValue({ bpm: 120, beats: [0, 0.5, 1, 1.5, 2, 2.5, 3] });
    await timeline.detectBeats("c1");
    api.snapCuts.mockResolvedValue({ seconds: [1.5, 2, 2], cuts: [1.5, 3.5], snapped: 2 });
    await timeline.snapCutsToBeats();
    const sent = api.snapCuts.mock.calls[0][0];
    expect(sent.beats).toEqual(timeline.beatMarkers);
    expect(studio.project.shots.map((s) => s.seconds)).toEqual([1.5, 2, 2]);
    expect(timeline.cuts[0]).toBeCloseTo(1.5);
    studio.undo();
    expect(studio.project.shots.map((s) => s.seconds)).toEqual([1.7, 2.2, 2]);
  });

  it("does not ask to snap without beats", async () => {
    await timeline.snapCutsToBeats();
    expect(api.snapCuts).not.toHaveBeenCalled();
  });
});

describe("the transport", () => {
  it("plays from the playhead on the sequence and reports a machine without sound", async () => {
    api.playbackStart.mockResolvedValue({ with_sound: false, unavailable: "no sound output device", sound_error: null });
    timeline.seek(2);
    await timeline.play(1);
    expect(timeline.mode).toBe("sequence");
    expect(api.playbackStart.mock.calls[0][0]).toMatchObject({ from: 2, speed: 1 });
    expect(timeline.sound).toBe("unavailable");
    expect(timeline.playing).toBe(true);
    await timeline.pause();
    expect(timeline.playing).toBe(false);
    expect(api.playbackStop).toHaveBeenCalled();
    // Back on the shot, its loop plays again as before.
    timeline.showShot();
    expect(timeline.mode).toBe("shot");
  });

  it("shuttles with J/K/L", async () => {
    api.playbackStart.mockResolvedValue({ with_sound: false, unavailable: null, sound_error: null });
    timeline.seek(1);
    timeline.shuttleKey("l");
    timeline.shuttleKey("l");
    expect(timeline.speed).toBe(2);
    timeline.shuttleKey("j");
    expect(timeline.speed).toBe(-1);
    timeline.shuttleKey("k");
    expect(timeline.speed).toBe(0);
    await Promise.resolve();
    expect(api.playbackStart.mock.calls.map((c) => c[0].speed)).toEqual([1, 2, -1]);
  });
});

describe("one clock, one play control", () => {
  it("shows the stage's time in the selected shot as the time on the sequence", () => {
    timeline.showShot();
    studio.selectShot(1);
    studio.t = 0.5;
    // Shot 2 starts at 1.7 s and lasts 2.2 s: halfway is 2.8 s.
    expect(timeline.mode).toBe("shot");
    expect(timeline.now).toBeCloseTo(2.8, 5);
    // Showing the sequence keeps that time; going back to the shot keeps it too.
    timeline.showSequence();
    expect(timeline.playhead).toBeCloseTo(2.8, 5);
    timeline.playhead = 3.35;
    timeline.showShot();
    expect(studio.t).toBeCloseTo(0.75, 5);
    expect(timeline.now).toBeCloseTo(3.35, 5);
  });

  it("plays the sequence with several shots or any sound", async () => {
    api.playbackStart.mockResolvedValue({ with_sound: true, unavailable: null, sound_error: null });
    timeline.togglePlayback();
    await Promise.resolve();
    expect(timeline.mode).toBe("sequence");
    expect(timeline.playing).toBe(true);
    expect(api.playbackStart).toHaveBeenCalledTimes(1);
    timeline.togglePlayback();
    expect(timeline.playing).toBe(false);
  });

  it("plays the shot's loop with one shot and no sound; a new project shows nothing playing", () => {
    studio.load({
      dir: "/tmp/q",
      untitled: true,
      recovered: false,
      project: { ...studio.project, shots: [newShot(0)], audio: [] },
    });
    timeline.showShot();
    // Nothing to move yet: the play button must not show a pause.
    expect(timeline.moving).toBe(false);
    timeline.togglePlayback();
    expect(api.playbackStart).not.toHaveBeenCalled();
    expect(timeline.mode).toBe("shot");
  });
});
