import { describe, expect, it } from "vitest";
import type { AudioClip } from "./bindings/AudioClip";
import type { Shot } from "./bindings/Shot";
import { newShot } from "./model";
import {
  MAX_SHUTTLE,
  beatsOnSequence,
  clampFade,
  clampScroll,
  clampZoom,
  clipEdges,
  cutTimes,
  rulerTicks,
  scrollForZoom,
  shuttle,
  snapSpan,
  snapTime,
} from "./playback";

function shot(seconds: number, kind: Shot["transition"]["kind"] = "cut", t = 0): Shot {
  const s = newShot(0);
  s.seconds = seconds;
  s.transition = { kind, seconds: t };
  return s;
}

function clip(patch: Partial<AudioClip> = {}): AudioClip {
  return {
    id: "c",
    name: "click.wav",
    file: "assets/c.wav",
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

describe("shuttle (J/K/L)", () => {
  it("L plays forwards and each further L doubles, up to the fastest", () => {
    let s = 0;
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      s = shuttle(s, "l");
      seen.push(s);
    }
    expect(seen).toEqual([1, 2, 4, 8, MAX_SHUTTLE, MAX_SHUTTLE]);
  });

  it("J plays backwards, K pauses, and a change of direction starts at 1x", () => {
    expect(shuttle(0, "j")).toBe(-1);
    expect(shuttle(-1, "j")).toBe(-2);
    expect(shuttle(4, "j")).toBe(-1);
    expect(shuttle(-4, "l")).toBe(1);
    expect(shuttle(4, "k")).toBe(0);
    expect(shuttle(0, "k")).toBe(0);
  });
});

describe("cuts and beats on the sequence", () => {
  it("puts cuts where the exporter does: next shot start, or mid-crossfade", () => {
    // Mirrors studio's timing test: 2 s crossfade 0.4 s, 3 s dip 1 s, 2 s.
    const cuts = cutTimes([shot(2, "crossfade", 0.4), shot(3, "dip", 1), shot(2, "crossfade", 1)]);
    expect(cuts.map((c) => c * 30)).toEqual([54, 138]);
    expect(cutTimes([shot(1.7), shot(2.2), shot(2)])).toEqual([1.7, 3.9]);
    expect(cutTimes([shot(1)])).toEqual([]);
  });

  it("moves beats with the clip's start and keeps only those inside its trim", () => {
    const c = clip({ start: 2, trim_in: 1, trim_out: 3 });
    expect(beatsOnSequence(c, [0.5, 1, 2.5, 3.5])).toEqual([2, 3.5]);
  });

  it("lists clip edges except the one being dragged", () => {
    const a = clip({ id: "a", start: 1, trim_in: 2, trim_out: 5 });
    const b = clip({ id: "b", start: 6 });
    expect(clipEdges([a, b])).toEqual([1, 4, 6, 16]);
    expect(clipEdges([a, b], "a")).toEqual([6, 16]);
  });
});

describe("snapping", () => {
  it("snaps to the nearest target within a few pixels and not beyond", () => {
    // 100 px per second: 8 px is 0.08 s.
    expect(snapTime(1.05, [1, 2], 100)).toEqual({ time: 1, snapped: 1 });
    expect(snapTime(1.1, [1, 2], 100)).toEqual({ time: 1.1, snapped: null });
    expect(snapTime(1.97, [1, 1.9, 2], 100).time).toBe(2);
    // Zoomed out, the same distance in seconds is within reach.
    expect(snapTime(1.1, [1], 10).snapped).toBe(1);
  });

  it("snaps whichever edge of a moved clip is nearer a target", () => {
    expect(snapSpan(0.96, 2, [1, 5], 100)).toBeCloseTo(0.04);
    expect(snapSpan(2.95, 2, [1, 5], 100)).toBeCloseTo(0.05);
    expect(snapSpan(2, 2, [1, 5], 100)).toBe(0);
  });
});

describe("ruler and zoom", () => {
  it("spaces labels at least the asked width apart, with minor ticks between", () => {
    const { step, ticks } = rulerTicks(100, 0, 3);
    expect(step).toBe(1);
    expect(ticks.filter((t) => t.major).map((t) => t.time)).toEqual([0, 1, 2, 3]);
    expect(ticks.length).toBe(16);
    // Zoomed in far: labels every 0.2 s at 400 px/s.
    expect(rulerTicks(400, 0, 1).step).toBe(0.2);
    // Zoomed out: 5 s labels at 20 px/s.
    expect(rulerTicks(20, 0, 30).step).toBe(5);
  });

  it("keeps the time under the pointer in place when zooming", () => {
    // At 100 px/s, scrolled 50 px, the pointer at 150 px is over 2 s.
    const next = scrollForZoom(50, 150, 100, 200);
    expect((next + 150) / 200).toBeCloseTo(2);
    expect(scrollForZoom(0, 0, 100, 50)).toBe(0);
    expect(clampZoom(1000)).toBe(64);
    expect(clampZoom(Number.NaN)).toBe(1);
    expect(clampScroll(900, 1000, 300)).toBe(700);
    expect(clampScroll(-5, 1000, 300)).toBe(0);
  });

  it("keeps fades inside the clip", () => {
    const c = clip({ trim_in: 2, trim_out: 5 });
    expect(clampFade(c, 4)).toBe(3);
    expect(clampFade(c, -1)).toBe(0);
    expect(clampFade(c, 0.123)).toBe(0.12);
  });
});
