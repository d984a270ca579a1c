import { describe, expect, it } from "vitest";
import {
  catmullRom,
  clampPoint,
  cubicBezier,
  curveBeziers,
  curvePoint,
  distToSegment,
  endDirection,
  fitRect,
  hitStaticBrush,
  hitTestPaths,
  isInside,
  MASK_FEATHER,
  maskWeight,
  radiusToCanvas,
  sampleCurve,
  simplifyRdp,
  simplifyStroke,
  toCanvas,
  toImage,
  translateClamped,
  type Vec,
} from "./geometry";

const close = (a: Vec, b: Vec, eps = 1e-9) => {
  expect(a.x).toBeCloseTo(b.x, -Math.log10(eps));
  expect(a.y).toBeCloseTo(b.y, -Math.log10(eps));
};

describe("fitRect / letterboxing", () => {
  it("letterboxes a wide image in a tall box (bars top and bottom)", () => {
    const r = fitRect(1920, 1080, 1000, 1000);
    expect(r.w).toBeCloseTo(1000);
    expect(r.h).toBeCloseTo(562.5);
    expect(r.x).toBeCloseTo(0);
    expect(r.y).toBeCloseTo((1000 - 562.5) / 2);
  });

  it("pillarboxes a tall image in a wide box (bars left and right)", () => {
    const r = fitRect(1080, 1920, 1600, 900);
    expect(r.h).toBeCloseTo(900);
    expect(r.w).toBeCloseTo(506.25);
    expect(r.x).toBeCloseTo((1600 - 506.25) / 2);
    expect(r.y).toBeCloseTo(0);
  });

  it("keeps padding on every side and the aspect ratio", () => {
    const r = fitRect(400, 300, 1000, 800, 24);
    expect(r.w / r.h).toBeCloseTo(400 / 300);
    expect(r.x).toBeGreaterThanOrEqual(24 - 1e-9);
    expect(r.y).toBeGreaterThanOrEqual(24 - 1e-9);
    expect(r.x + r.w).toBeLessThanOrEqual(1000 - 24 + 1e-9);
    expect(r.y + r.h).toBeLessThanOrEqual(800 - 24 + 1e-9);
  });

  it("gives an empty rect for an empty box or image", () => {
    expect(fitRect(0, 0, 100, 100).w).toBe(0);
    expect(fitRect(100, 100, 0, 100).w).toBe(0);
  });
});

describe("coordinate mapping", () => {
  const rect = fitRect(1920, 1080, 1000, 1000); // y offset 218.75

  it("maps the image corners and centre", () => {
    close(toImage(rect, rect.x, rect.y), { x: 0, y: 0 });
    close(toImage(rect, rect.x + rect.w, rect.y + rect.h), { x: 1, y: 1 });
    close(toImage(rect, 500, 500), { x: 0.5, y: 0.5 });
  });

  it("round-trips canvas <-> image", () => {
    for (const p of [
      { x: 0.1, y: 0.9 },
      { x: 0.33, y: 0.25 },
      { x: 1, y: 0 },
    ]) {
      const c = toCanvas(rect, p);
      close(toImage(rect, c.x, c.y), p);
    }
  });

  it("puts letterbox bars outside 0..1 and clamps back in", () => {
    const top = toImage(rect, 500, 10);
    expect(top.y).toBeLessThan(0);
    expect(isInside(rect, 500, 10)).toBe(false);
    expect(isInside(rect, 500, 500)).toBe(true);
    expect(clampPoint(top)).toEqual({ x: 0.5, y: 0 });
  });

  it("measures radii against the image width", () => {
    expect(radiusToCanvas(rect, 0.1)).toBeCloseTo(100);
    const tall = fitRect(1080, 1920, 1000, 1000);
    expect(radiusToCanvas(tall, 0.1)).toBeCloseTo(tall.w * 0.1);
  });
});

describe("simplification (Ramer–Douglas–Peucker)", () => {
  it("reduces a straight, dense line to its endpoints", () => {
    const line = Array.from({ length: 100 }, (_, i) => ({ x: i, y: 2 * i }));
    expect(simplifyRdp(line, 0.5)).toEqual([line[0], line[99]]);
  });

  it("keeps corners", () => {
    const pts = [
      ...Array.from({ length: 50 }, (_, i) => ({ x: i, y: 0 })),
      ...Array.from({ length: 50 }, (_, i) => ({ x: 49, y: i + 1 })),
    ];
    const s = simplifyRdp(pts, 1);
    expect(s).toEqual([
      { x: 0, y: 0 },
      { x: 49, y: 0 },
      { x: 49, y: 50 },
    ]);
  });

  it("keeps every point further than epsilon from the result", () => {
    const wave = Array.from({ length: 200 }, (_, i) => ({ x: i, y: 20 * Math.sin(i / 15) }));
    const eps = 1.5;
    const s = simplifyRdp(wave, eps);
    expect(s.length).toBeLessThan(wave.length / 4);
    for (const p of wave) {
      let d = Infinity;
      for (let i = 0; i + 1 < s.length; i++) d = Math.min(d, distToSegment(p, s[i], s[i + 1]));
      expect(d).toBeLessThanOrEqual(eps + 1e-9);
    }
  });

  it("caps a stroke to a handful of points, keeping both ends", () => {
    const wave = Array.from({ length: 400 }, (_, i) => ({ x: i, y: 40 * Math.sin(i / 8) }));
    const s = simplifyStroke(wave, 0.5, 12);
    expect(s.length).toBeLessThanOrEqual(12);
    expect(s.length).toBeGreaterThanOrEqual(2);
    expect(s[0]).toEqual(wave[0]);
    expect(s[s.length - 1]).toEqual(wave[399]);
  });

  it("drops repeated positions", () => {
    const s = simplifyStroke(
      [
        { x: 0, y: 0 },
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 0 },
      ],
      1,
      8,
    );
    expect(s).toEqual([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
    ]);
  });
});

describe("Catmull-Rom curve (same formula as the warp engine)", () => {
  const pts = [
    { x: 0.1, y: 0.2 },
    { x: 0.4, y: 0.7 },
    { x: 0.6, y: 0.3 },
    { x: 0.9, y: 0.8 },
  ];

  it("evaluates the documented polynomial", () => {
    const [p0, p1, p2, p3] = [pts[0], pts[1], pts[2], pts[3]];
    const u = 0.3;
    const f = (a: number, b: number, c: number, d: number) =>
      0.5 * (2 * b + (-a + c) * u + (2 * a - 5 * b + 4 * c - d) * u * u + (-a + 3 * b - 3 * c + d) * u * u * u);
    close(catmullRom(p0, p1, p2, p3, u), { x: f(p0.x, p1.x, p2.x, p3.x), y: f(p0.y, p1.y, p2.y, p3.y) });
  });

  it("passes through every control point", () => {
    const segs = pts.length - 1;
    pts.forEach((p, i) => close(curvePoint(pts, i / segs), p));
    const samples = sampleCurve(pts, 10);
    expect(samples.length).toBe(segs * 10 + 1);
    pts.forEach((p, i) => close(samples[i * 10], p));
  });

  it("duplicates the endpoints as phantom control points", () => {
    // First segment uses P-1 = P0: at u = 0.5 this is 0.5*(2P0 + (P1-P0)*.5 + (-3P0+4P1-P2)*.25 + (2P0-3P1+P2)*.125)
    const [a, b, c] = pts;
    const expected = catmullRom(a, a, b, c, 0.5);
    close(curvePoint(pts, 1 / 6), expected);
    const n = pts.length;
    close(curvePoint(pts, 1 - 1 / 6), catmullRom(pts[n - 3], pts[n - 2], pts[n - 1], pts[n - 1], 0.5));
  });

  it("is a straight line for two points", () => {
    const line = [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ];
    for (const s of [0.1, 0.5, 0.9]) {
      const p = curvePoint(line, s);
      expect(p.x).toBeCloseTo(p.y);
    }
  });

  it("draws as Bézier segments identical to the Catmull-Rom samples", () => {
    const beziers = curveBeziers(pts);
    expect(beziers.length).toBe(pts.length - 1);
    beziers.forEach((b, i) => {
      for (const u of [0, 0.25, 0.5, 0.75, 1]) {
        close(cubicBezier(b, u), curvePoint(pts, (i + u) / (pts.length - 1)), 1e-12);
      }
    });
  });

  it("points the arrowhead along the final tangent", () => {
    const d = endDirection([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
    ]);
    close(d, { x: 1, y: 0 });
    const e = endDirection([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
    ]);
    close(e, { x: 0, y: 1 });
  });
});

describe("hit testing", () => {
  const rect = { x: 0, y: 0, w: 1000, h: 500 };
  const paths = [
    {
      points: [
        { x: 0.1, y: 0.5 },
        { x: 0.5, y: 0.5 },
      ],
      radius: 0.05,
    },
    {
      points: [
        { x: 0.5, y: 0.1 },
        { x: 0.5, y: 0.9 },
      ],
      radius: 0.02,
    },
  ];

  it("finds handles first", () => {
    expect(hitTestPaths(paths, rect, 102, 251)).toEqual({ kind: "handle", path: 0, point: 0 });
    expect(hitTestPaths(paths, rect, 500, 448)).toEqual({ kind: "handle", path: 1, point: 1 });
  });

  it("prefers the selected path where two overlap", () => {
    // (500, 250) is path 0's end handle and lies on path 1's curve.
    expect(hitTestPaths(paths, rect, 500, 250, { prefer: 0 })).toEqual({ kind: "handle", path: 0, point: 1 });
    expect(hitTestPaths(paths, rect, 500, 250, { prefer: 1, handlesOf: [1] })).toEqual({ kind: "curve", path: 1 });
  });

  it("finds curves within tolerance and misses far away", () => {
    expect(hitTestPaths(paths, rect, 300, 254)).toEqual({ kind: "curve", path: 0 });
    expect(hitTestPaths(paths, rect, 300, 280)).toBeNull();
  });

  it("finds the start disk", () => {
    // 40 px from path 0's start (radius 0.05 * 1000 = 50 px), away from its curve.
    expect(hitTestPaths(paths, rect, 100, 290)).toEqual({ kind: "disk", path: 0 });
  });

  it("restricts handles to the given paths", () => {
    expect(hitTestPaths(paths, rect, 102, 251, { handlesOf: [] })?.kind).not.toBe("handle");
  });

  it("tests static brush capsules", () => {
    const brush = {
      points: [
        { x: 0.2, y: 0.2 },
        { x: 0.8, y: 0.2 },
      ],
      radius: 0.03,
    };
    expect(hitStaticBrush(brush, rect, 500, 100 + 29)).toBe(true);
    expect(hitStaticBrush(brush, rect, 500, 100 + 31)).toBe(false);
    expect(hitStaticBrush(brush, rect, 500, 100 + 31, 5)).toBe(true);
    expect(hitStaticBrush({ points: [{ x: 0.5, y: 0.5 }], radius: 0.01 }, rect, 505, 250)).toBe(true);
  });
});

describe("translateClamped", () => {
  it("moves all points but keeps them inside the image", () => {
    const pts = [
      { x: 0.2, y: 0.2 },
      { x: 0.7, y: 0.5 },
    ];
    const moved1 = translateClamped(pts, 0.1, 0.1);
    close(moved1[0], { x: 0.3, y: 0.3 });
    close(moved1[1], { x: 0.8, y: 0.6 });
    const moved = translateClamped(pts, 0.9, -0.9);
    expect(Math.max(...moved.map((p) => p.x))).toBeCloseTo(1);
    expect(Math.min(...moved.map((p) => p.y))).toBeCloseTo(0);
  });
});

describe("a path's soft mask (as the warp engine weighs it)", () => {
  it("is solid on the disk and fades smoothly to nothing over the feather", () => {
    expect(maskWeight(0, 20)).toBe(1);
    expect(maskWeight(20, 20)).toBe(1);
    expect(maskWeight(20 * (1 + MASK_FEATHER), 20)).toBe(0);
    expect(maskWeight(100, 20)).toBe(0);
    expect(maskWeight(20 * (1 + MASK_FEATHER / 2), 20)).toBeCloseTo(0.5, 9);
    let prev = 1;
    for (let d = 20; d <= 31; d += 0.5) {
      const w = maskWeight(d, 20);
      expect(w).toBeLessThanOrEqual(prev);
      prev = w;
    }
  });
});
