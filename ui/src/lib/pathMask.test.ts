import { describe, expect, it } from "vitest";
import type { MotionPath } from "./bindings/MotionPath";
import { MAX_MASK_STROKES, MAX_MASK_STROKE_POINTS } from "./bindings/constants";
import { addMaskStroke, maskStrokes, placedStrokes } from "./pathMask";

const disk = (): MotionPath => ({
  points: [
    { x: 0.4, y: 0.5 },
    { x: 0.6, y: 0.5 },
  ],
  radius: 0.08,
});

describe("painted path masks", () => {
  it("a path without a mask is drawn as its disk: one stamp at its start", () => {
    expect(maskStrokes(disk())).toEqual([{ points: [{ x: 0, y: 0 }], radius: 0.08, erase: false }]);
  });

  it("the first stroke starts from the disk and is kept relative to the path's start", () => {
    const mask = addMaskStroke(
      disk(),
      [
        { x: 0.4, y: 0.5 },
        { x: 0.4, y: 0.3 },
      ],
      0.05,
      false,
    );
    if (typeof mask === "string") throw new Error(mask);
    expect(mask.strokes).toHaveLength(2);
    expect(mask.strokes[0]).toEqual({ points: [{ x: 0, y: 0 }], radius: 0.08, erase: false });
    expect(mask.strokes[1].radius).toBe(0.05);
    expect(mask.strokes[1].erase).toBe(false);
    expect(mask.strokes[1].points[0]).toEqual({ x: 0, y: 0 });
    expect(mask.strokes[1].points[1].x).toBeCloseTo(0, 9);
    expect(mask.strokes[1].points[1].y).toBeCloseTo(-0.2, 9);
    // Moved with the start point: the same offsets placed elsewhere.
    const placed = placedStrokes({ radius: 0.08, mask }, { x: 0.1, y: 0.9 });
    expect(placed[1].points[1].x).toBeCloseTo(0.1, 9);
    expect(placed[1].points[1].y).toBeCloseTo(0.7, 9);
  });

  it("erasing adds an erasing stroke after the painted ones, never changing them", () => {
    const path = disk();
    const first = addMaskStroke(path, [{ x: 0.45, y: 0.5 }], 0.03, true);
    if (typeof first === "string") throw new Error(first);
    path.mask = first;
    const second = addMaskStroke(path, [{ x: 0.35, y: 0.5 }], 0.02, false);
    if (typeof second === "string") throw new Error(second);
    expect(second.strokes.map((s) => s.erase)).toEqual([false, true, false]);
    expect(second.strokes[1].points[0].x).toBeCloseTo(0.05, 9);
    expect(path.mask.strokes).toHaveLength(2);
    // The path's own data was not changed in place.
    expect(second.strokes[0]).not.toBe(first.strokes[0]);
  });

  it("long strokes are thinned to what the file keeps, offsets stay within -1..1", () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ x: 0.4 + 0.3 * Math.sin(i / 7), y: 0.5 + 0.2 * Math.cos(i / 11) }));
    const mask = addMaskStroke(disk(), many, 0.02, false);
    if (typeof mask === "string") throw new Error(mask);
    expect(mask.strokes[1].points.length).toBeLessThanOrEqual(MAX_MASK_STROKE_POINTS);
    const far = addMaskStroke({ ...disk(), points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, [{ x: 1.5, y: -2 }], 0.02, false);
    if (typeof far === "string") throw new Error(far);
    expect(far.strokes[1].points[0]).toEqual({ x: 1, y: -1 });
  });

  it("refuses a stroke past the most a mask keeps, and empty strokes", () => {
    const path = disk();
    path.mask = { strokes: Array.from({ length: MAX_MASK_STROKES }, () => ({ points: [{ x: 0, y: 0 }], radius: 0.01, erase: false })) };
    expect(addMaskStroke(path, [{ x: 0.5, y: 0.5 }], 0.02, false)).toBe("too-many-strokes");
    expect(addMaskStroke(disk(), [], 0.02, false)).toBe("empty");
    expect(addMaskStroke(disk(), [{ x: 0.5, y: 0.5 }], 0, false)).toBe("empty");
  });
});
