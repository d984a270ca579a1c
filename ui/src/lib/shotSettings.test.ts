import { describe, expect, it } from "vitest";
import { newShot } from "./model";
import { MAX_SEED, SHOT_SIZES, continuesWithoutPrevious, parseSeed, randomSeed, sourcesFor } from "./shotSettings";

describe("shot settings", () => {
  it("lists the six sizes widest first", () => {
    expect(SHOT_SIZES).toEqual(["extreme-long", "long", "full", "medium", "close-up", "extreme-close-up"]);
  });

  it("takes only whole seeds that fit in a u32", () => {
    expect(parseSeed(" 42 ")).toBe(42);
    expect(parseSeed("0")).toBe(0);
    expect(parseSeed(String(MAX_SEED))).toBe(MAX_SEED);
    for (const bad of ["", "-1", "1.5", "1e3", "abc", String(MAX_SEED + 1)]) expect(parseSeed(bad)).toBeNull();
  });

  it("rolls a new seed in range that differs from the current one", () => {
    // A generator stuck on the current seed must not be returned: the next draw is.
    const draws = [7 / (MAX_SEED + 1), 0.5];
    const seed = randomSeed(7, () => draws.shift() ?? 0);
    expect(seed).toBe(Math.floor(0.5 * (MAX_SEED + 1)));
    for (let i = 0; i < 100; i++) {
      const s = randomSeed(3);
      expect(Number.isInteger(s) && s >= 0 && s <= MAX_SEED && s !== 3).toBe(true);
    }
  });

  it("lets only a later shot continue from the previous one", () => {
    expect(sourcesFor(0)).toEqual(["image"]);
    expect(sourcesFor(1)).toEqual(["image", "previous-shot"]);
    const shot = newShot();
    shot.source = "previous-shot";
    expect(continuesWithoutPrevious(shot, 0)).toBe(true);
    expect(continuesWithoutPrevious(shot, 1)).toBe(false);
    expect(continuesWithoutPrevious(newShot(), 0)).toBe(false);
  });
});
