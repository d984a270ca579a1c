// Shot settings that need more than a field: the six sizes in order, seeds, and whether a
// shot may continue from the one before it.

import type { Shot } from "./bindings/Shot";
import type { ShotSize } from "./bindings/ShotSize";
import type { ShotSource } from "./bindings/ShotSource";

/** Widest first, as in studio/src/project/schema.rs. */
export const SHOT_SIZES: readonly ShotSize[] = ["extreme-long", "long", "full", "medium", "close-up", "extreme-close-up"];

/** Seeds are u32 in project.json. */
export const MAX_SEED = 0xffff_ffff;

/** A typed seed as the u32 the project keeps, or null for something that is not one. */
export function parseSeed(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) && n <= MAX_SEED ? n : null;
}

/** A fresh random seed, different from `current` (so the dice always change something). */
export function randomSeed(current: number, random: () => number = uniform): number {
  for (;;) {
    const seed = Math.floor(random() * (MAX_SEED + 1)) % (MAX_SEED + 1);
    if (seed !== current) return seed;
  }
}

function uniform(): number {
  if (typeof crypto !== "undefined" && "getRandomValues" in crypto) {
    return crypto.getRandomValues(new Uint32Array(1))[0] / (MAX_SEED + 1);
  }
  return Math.random();
}

/** The first shot has nothing to continue from: only its own picture. */
export function sourcesFor(index: number): readonly ShotSource[] {
  return index === 0 ? ["image"] : ["image", "previous-shot"];
}

/** A shot that says it continues but is first (moved there after it was set): it cannot play. */
export function continuesWithoutPrevious(shot: Shot | null, index: number): boolean {
  return !!shot && index === 0 && shot.source === "previous-shot";
}
