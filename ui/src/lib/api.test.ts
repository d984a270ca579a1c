import { describe, expect, it } from "vitest";
import { decodeFrame, errorMessage, hasBackend } from "./api";

function payload(w: number, h: number, fill = 7): ArrayBuffer {
  const buf = new ArrayBuffer(8 + w * h * 4);
  const view = new DataView(buf);
  view.setUint32(0, w, true);
  view.setUint32(4, h, true);
  new Uint8Array(buf, 8).fill(fill);
  return buf;
}

describe("decodeFrame", () => {
  it("reads width and height as u32 little-endian, then RGBA", () => {
    const f = decodeFrame(payload(3, 2));
    expect(f.width).toBe(3);
    expect(f.height).toBe(2);
    expect(f.rgba.length).toBe(24);
    expect(Array.from(f.rgba).every((v) => v === 7)).toBe(true);
  });

  it("accepts typed-array views and plain arrays", () => {
    const bytes = new Uint8Array(payload(1, 1, 200));
    expect(decodeFrame(bytes).rgba[0]).toBe(200);
    expect(decodeFrame(Array.from(bytes)).width).toBe(1);
    const shifted = new Uint8Array(bytes.length + 4);
    shifted.set(bytes, 4);
    expect(decodeFrame(shifted.subarray(4)).height).toBe(1);
  });

  it("rejects short or inconsistent payloads", () => {
    expect(() => decodeFrame(new ArrayBuffer(4))).toThrow(/too short/);
    const bad = payload(4, 4).slice(0, 20);
    expect(() => decodeFrame(bad)).toThrow(/expected 64/);
  });
});

describe("errors and environment", () => {
  it("turns any rejection into a message", () => {
    expect(errorMessage("no such file")).toBe("no such file");
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage({ message: "bad" })).toBe("bad");
    expect(errorMessage(42)).toBe("42");
  });

  it("knows it runs outside Tauri in tests", () => {
    expect(hasBackend()).toBe(false);
  });
});
