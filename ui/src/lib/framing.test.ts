import { describe, expect, it } from "vitest";
import { dragCrop, frameShot, HEAVY_UPSCALE, keptPart, MIN_KEPT_PIXELS, upscaleOf, zoomCrop, zoomLimit } from "./framing";

describe("framing a picture into the output", () => {
  it("centres a crop like the export", () => {
    // 1600x900 into 1080x1920: the content is 3413x1920, cropped equally on both sides.
    const f = frameShot([1600, 900], [1080, 1920], "crop");
    expect(f.content).toEqual([3413, 1920]);
    expect(f.offset).toEqual([-1166, 0]);
    const k = keptPart(f);
    expect(k.w).toBeCloseTo(1080 / 3413, 4);
    expect(k.x + k.w / 2).toBeCloseTo(0.5, 3);
  });

  it("centres a blur fit as the export does (1920x1080 into 1080x1920: 1080x608 at 656)", () => {
    const f = frameShot([1920, 1080], [1080, 1920], "blur");
    expect(f.content).toEqual([1080, 608]);
    expect(f.offset).toEqual([0, 656]);
  });

  it("moves the kept part with the crop, never past the picture's edge", () => {
    const left = frameShot([1600, 900], [1080, 1920], "crop", { x: 0, y: 0.5, zoom: 1 });
    expect(left.offset[0]).toBe(0);
    const right = frameShot([1600, 900], [1080, 1920], "crop", { x: 1, y: 0.5, zoom: 1 });
    expect(right.offset[0]).toBe(1080 - 3413);
  });

  it("drags from where the frame is and stops at the edges", () => {
    const crop = { x: 0, y: 0.5, zoom: 1 };
    const f = frameShot([1600, 900], [1080, 1920], "crop", crop);
    const k = keptPart(f);
    const moved = dragCrop(f, crop, 0.1, 0);
    expect(moved.x).toBeCloseTo(k.w / 2 + 0.1, 5);
    expect(dragCrop(f, crop, 5, 0).x).toBeCloseTo(1 - k.w / 2, 5);
    // Vertically the whole height is kept: nothing to move.
    expect(dragCrop(f, crop, 0, 0.3).y).toBe(0.5);
  });

  it("zooms from 1 to the shot's limit", () => {
    expect(zoomCrop({ x: 0.5, y: 0.5, zoom: 1 }, 0.5).zoom).toBe(1);
    expect(zoomCrop({ x: 0.5, y: 0.5, zoom: 2 }, 4, 2.11).zoom).toBe(2.11);
    // Past the old fixed 3x where the picture has the pixels for it.
    expect(zoomCrop({ x: 0.5, y: 0.5, zoom: 3 }, 1.5, 5).zoom).toBe(4.5);
    const f = frameShot([1600, 900], [1080, 1920], "crop", { x: 0.5, y: 0.5, zoom: 2 });
    expect(keptPart(f).h).toBeCloseTo(0.5, 3);
  });

  it("flags a 451x300 photo in a 1080x1920 frame as heavily upscaled", () => {
    const f = frameShot([451, 300], [1080, 1920], "crop");
    expect(upscaleOf(f, 451)).toBeGreaterThan(6);
    expect(upscaleOf(f, 451)).toBeGreaterThan(HEAVY_UPSCALE);
    expect(upscaleOf(frameShot([4000, 3000], [1080, 1920], "crop"), 4000)).toBeLessThan(1);
  });
});

describe("how far a crop zooms", () => {
  it("follows the picture's pixels against the frame, as the export does", () => {
    // 1600x900 in 9:16 is 2.13x already: 2.1x more keeps 240 of its pixels across.
    const phone = zoomLimit([1600, 900], [1080, 1920], "crop");
    expect(phone.why).toBe("detail");
    expect(phone.zoom).toBeGreaterThan(2.05);
    expect(phone.zoom).toBeLessThan(2.15);
    const at = frameShot([1600, 900], [1080, 1920], "crop", { x: 0.5, y: 0.5, zoom: phone.zoom });
    const k = keptPart(at);
    expect(Math.min(k.w * 1600, k.h * 900)).toBeGreaterThanOrEqual(MIN_KEPT_PIXELS - 1);
    // Asking for more frames it at the limit.
    expect(frameShot([1600, 900], [1080, 1920], "crop", { x: 0.5, y: 0.5, zoom: 8 })).toEqual(at);
    // A 4K photo: the zoomed picture's size stops it at 3.1x; a 451x300 photo does not zoom.
    expect(zoomLimit([3840, 2160], [1080, 1920], "crop")).toEqual({ zoom: 3.12, why: "size" });
    expect(zoomLimit([451, 300], [1080, 1920], "crop")).toEqual({ zoom: 1, why: "detail" });
  });
});

describe("paths and the kept frame", () => {
  it("marks a path that leaves the kept part of the picture", async () => {
    const { pathLeavesFrame } = await import("./overlay");
    const kept = keptPart(frameShot([1600, 900], [1080, 1920], "crop"));
    const inside = { points: [{ x: 0.45, y: 0.2 }, { x: 0.55, y: 0.8 }], radius: 0.05 };
    const across = { points: [{ x: 0.5, y: 0.5 }, { x: 0.9, y: 0.5 }], radius: 0.05 };
    expect(pathLeavesFrame(inside, kept)).toBe(false);
    expect(pathLeavesFrame(across, kept)).toBe(true);
  });
});
