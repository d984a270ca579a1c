import { describe, expect, it } from "vitest";
import type { AudioClip } from "./bindings/AudioClip";
import { newShot } from "./model";
import {
  clampGain,
  clampStart,
  clampTrim,
  clipLength,
  formatSeconds,
  indexAfterMove,
  layoutShots,
  moveItem,
  pixelsPerSecond,
} from "./timeline";

function clip(patch: Partial<AudioClip> = {}): AudioClip {
  return {
    id: "a1",
    name: "song.wav",
    file: "assets/x.wav",
    file_seconds: 10,
    start: 0,
    gain_db: 0,
    trim_in: 0,
    trim_out: null,
    fade_in: 0,
    fade_out: 0,
    ...patch,
  };
}

describe("moveItem", () => {
  it("moves forward and back", () => {
    expect(moveItem(["a", "b", "c"], 0, 2)).toEqual(["b", "c", "a"]);
    expect(moveItem(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b", "c"], 1, 1)).toEqual(["a", "b", "c"]);
  });

  it("clamps the target and ignores a bad source", () => {
    expect(moveItem(["a", "b", "c"], 0, 9)).toEqual(["b", "c", "a"]);
    expect(moveItem(["a", "b", "c"], 2, -4)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b"], 5, 0)).toEqual(["a", "b"]);
  });

  it("does not change its input", () => {
    const items = ["a", "b"];
    moveItem(items, 0, 1);
    expect(items).toEqual(["a", "b"]);
  });
});

describe("indexAfterMove", () => {
  it("follows the selected shot and shifts the others", () => {
    expect(indexAfterMove(0, 0, 2)).toBe(2);
    expect(indexAfterMove(1, 0, 2)).toBe(0);
    expect(indexAfterMove(1, 2, 0)).toBe(2);
    expect(indexAfterMove(0, 1, 2)).toBe(0);
  });
});

describe("layoutShots", () => {
  it("puts cuts end to end", () => {
    const shots = [newShot(0), newShot(1)];
    shots[0].seconds = 2;
    shots[1].seconds = 3;
    const { places, total } = layoutShots(shots);
    expect(places.map((p) => p.start)).toEqual([0, 2]);
    expect(total).toBe(5);
  });

  it("overlaps a crossfade and keeps a dip's length", () => {
    const shots = [newShot(0), newShot(1), newShot(2)];
    for (const s of shots) s.seconds = 2;
    shots[0].transition = { kind: "crossfade", seconds: 0.5 };
    shots[1].transition = { kind: "dip", seconds: 0.5 };
    const { places, total } = layoutShots(shots);
    expect(places[1].start).toBeCloseTo(1.5);
    expect(places[0].advance).toBeCloseTo(1.5);
    expect(places[2].start).toBeCloseTo(3.5);
    expect(total).toBeCloseTo(5.5);
  });

  it("shortens a transition to half the shorter shot, and ignores the last one's", () => {
    const shots = [newShot(0), newShot(1)];
    shots[0].seconds = 1;
    shots[1].seconds = 4;
    shots[0].transition = { kind: "crossfade", seconds: 3 };
    shots[1].transition = { kind: "crossfade", seconds: 3 };
    const { total } = layoutShots(shots);
    expect(total).toBeCloseTo(4.5);
  });
});

describe("pixelsPerSecond", () => {
  it("fits the width within bounds", () => {
    expect(pixelsPerSecond(1000, 10)).toBe(100);
    expect(pixelsPerSecond(100, 100)).toBe(24);
    expect(pixelsPerSecond(10000, 1)).toBe(400);
    expect(pixelsPerSecond(0, 0)).toBe(24);
  });
});

describe("audio clip edits", () => {
  it("never starts before zero", () => {
    expect(clampStart(-3)).toBe(0);
    expect(clampStart(Number.NaN)).toBe(0);
    expect(clampStart(2.5)).toBe(2.5);
  });

  it("keeps a trim inside the file with a minimum length", () => {
    expect(clampTrim(10, 2, 8)).toEqual({ trim_in: 2, trim_out: 8 });
    expect(clampTrim(10, -1, null)).toEqual({ trim_in: 0, trim_out: null });
    expect(clampTrim(10, 0, 12)).toEqual({ trim_in: 0, trim_out: null });
    expect(clampTrim(10, 9.99, null).trim_in).toBeCloseTo(9.9);
    const t = clampTrim(10, 5, 5);
    expect(t.trim_in).toBeCloseTo(4.9);
    expect(t.trim_out).toBe(5);
  });

  it("measures the trimmed length", () => {
    expect(clipLength(clip())).toBe(10);
    expect(clipLength(clip({ trim_in: 1, trim_out: 4 }))).toBe(3);
  });

  it("clamps gain", () => {
    expect(clampGain(30)).toBe(12);
    expect(clampGain(-100)).toBe(-60);
    expect(clampGain(Number.NaN)).toBe(0);
    expect(clampGain(-3.04)).toBe(-3);
  });
});

describe("formatSeconds", () => {
  it("shows tenths without noise", () => {
    expect(formatSeconds(4)).toBe("4");
    expect(formatSeconds(4.5)).toBe("4.5");
    expect(formatSeconds(1 / 3)).toBe("0.3");
    expect(formatSeconds(-0.01)).toBe("0");
  });
});
