import { describe, expect, it } from "vitest";
import type { Camera } from "./bindings/Camera";
import type { CameraKey } from "./bindings/CameraKey";
import {
  MAX_CAMERA_KEYS,
  addKey,
  deleteKey,
  framingAt,
  keyedFraming,
  moveFraming,
  updateKey,
} from "./cameraKeys";

const key = (t: number, x = 0.5, y = 0.5, zoom = 1, roll = 0): CameraKey => ({ t, x, y, zoom, roll });
const cam = (patch: Partial<Camera> = {}): Camera => ({ kind: "static", amount: 0.15, easing: "ease-in-out", ...patch });

describe("keyedFraming", () => {
  const keys = [key(0.2, 0.4, 0.5, 2, 0), key(0.6, 0.6, 0.5, 3, 10)];

  it("reproduces the keys at their times and holds outside them", () => {
    expect(keyedFraming(keys, "ease-in-out", 0.2)).toEqual(keys[0]);
    expect(keyedFraming(keys, "ease-in-out", 0.6)).toEqual(keys[1]);
    expect(keyedFraming(keys, "linear", 0)).toEqual({ ...keys[0], t: 0 });
    expect(keyedFraming(keys, "linear", 1)).toEqual({ ...keys[1], t: 1 });
    expect(keyedFraming([], "linear", 0.5)).toBeNull();
  });

  it("eases every stretch on its own, like camera_keys.rs", () => {
    const half = keyedFraming(keys, "ease-in-out", 0.4);
    expect(half?.x).toBeCloseTo(0.5);
    expect(half?.zoom).toBeCloseTo(2.5);
    expect(half?.roll).toBeCloseTo(5);
    const lin = keyedFraming(keys, "linear", 0.3);
    const eased = keyedFraming(keys, "ease-in-out", 0.3);
    expect(lin?.x).toBeCloseTo(0.45);
    expect(eased!.x).toBeLessThan(lin!.x - 0.01);
  });
});

describe("moveFraming", () => {
  it("turns the preset move on screen into a key", () => {
    // Pan-left 0.4 at the start: the view is right of centre, cropped in by 1 / 0.6.
    const pan = moveFraming(cam({ kind: "pan-left", amount: 0.4, easing: "linear" }), 0);
    expect(pan.x).toBeCloseTo(0.7);
    expect(pan.zoom).toBeCloseTo(1 / 0.6);
    expect(moveFraming(cam({ kind: "zoom-in", amount: 0.3, easing: "linear" }), 0.5).zoom).toBeCloseTo(1.15);
    // A 90 degree roll of a square picture needs sqrt(2) at 45 degrees.
    const roll = moveFraming(cam({ kind: "roll-right", amount: 1, easing: "linear" }), 1, 1);
    expect(roll.roll).toBeCloseTo(-90);
    expect(roll.zoom).toBeCloseTo(Math.SQRT2);
    expect(moveFraming(cam(), 0.5)).toEqual(key(0.5));
  });
});

describe("editing keys", () => {
  it("adds a key at the playhead holding what is on screen, in time order", () => {
    const moving = cam({ kind: "zoom-in", amount: 0.4, easing: "linear" });
    const first = addKey(moving, 0.5)!;
    expect(first.keys).toEqual([{ t: 0.5, x: 0.5, y: 0.5, zoom: 1.2, roll: 0 }]);
    // With keys the new key takes the keys' framing, not the move's.
    const withKeys = cam({ keys: [key(0, 0.3, 0.5, 2), key(1, 0.7, 0.5, 2)], easing: "linear" });
    const mid = addKey(withKeys, 0.25)!;
    expect(mid.index).toBe(1);
    expect(mid.keys.map((k) => k.t)).toEqual([0, 0.25, 1]);
    expect(mid.keys[1].x).toBeCloseTo(0.4);
    // At an existing key's time the key is replaced, not doubled.
    const again = addKey({ ...withKeys, keys: mid.keys }, 0.2500001)!;
    expect(again.keys).toHaveLength(3);
  });

  it("refuses a key beyond the most a camera can have", () => {
    const full = cam({ keys: Array.from({ length: MAX_CAMERA_KEYS }, (_, i) => key(i / MAX_CAMERA_KEYS)) });
    expect(addKey(full, 0.999)).toBeNull();
  });

  it("clamps edited values, re-sorts on a time edit and refuses a time already taken", () => {
    const keys = [key(0, 0.5, 0.5, 2), key(0.5), key(1)];
    expect(updateKey(keys, 0, "zoom", 50)!.keys[0].zoom).toBe(10);
    expect(updateKey(keys, 0, "zoom", 0.2)!.keys[0].zoom).toBe(1);
    expect(updateKey(keys, 1, "roll", -120)!.keys[1].roll).toBe(-90);
    expect(updateKey(keys, 1, "x", Number.NaN)!.keys[1].x).toBe(0.5);
    const moved = updateKey(keys, 0, "t", 0.8)!;
    expect(moved.keys.map((k) => k.t)).toEqual([0.5, 0.8, 1]);
    expect(moved.index).toBe(1);
    expect(moved.keys[1].zoom).toBe(2);
    expect(updateKey(keys, 0, "t", 0.5)).toBeNull();
    expect(updateKey(keys, 7, "x", 0.2)).toBeNull();
    // The input was not changed: each edit makes a new array (one undo step each).
    expect(keys.map((k) => k.t)).toEqual([0, 0.5, 1]);
  });

  it("deletes a key", () => {
    expect(deleteKey([key(0), key(0.5), key(1)], 1).map((k) => k.t)).toEqual([0, 1]);
  });

  it("reads a camera without keys as the preset move", () => {
    expect(framingAt(cam({ kind: "tilt-down", amount: 0.2, easing: "linear" }), 1).y).toBeCloseTo(0.6);
  });
});
