import { describe, expect, it } from "vitest";
import { clampInspector, clampTimeline, INSPECTOR_DEFAULT, parseSizes, STAGE_MIN_H, TIMELINE_MIN } from "./panels.svelte";

describe("panel sizes", () => {
  it("keep the inspector between its limits and the stage wide enough", () => {
    expect(clampInspector(100, 1600)).toBe(240);
    expect(clampInspector(900, 1600)).toBe(520);
    // At 1280 wide the stage keeps 420 px at least.
    expect(clampInspector(900, 1280)).toBe(520);
    expect(clampInspector(900, 800)).toBe(380);
    expect(clampInspector(Number.NaN, 1600)).toBe(INSPECTOR_DEFAULT);
  });

  it("keep the timeline short enough for the stage", () => {
    // 1280x800: the main area is 800 - 48 - 28 = 724 px; the stage keeps 260 of it.
    expect(clampTimeline(600, 724)).toBe(724 - STAGE_MIN_H);
    expect(clampTimeline(10, 724)).toBe(TIMELINE_MIN);
  });

  it("read stored sizes, ignoring what is broken", () => {
    expect(parseSizes('{"inspectorW": 350, "timelineOpen": false}')).toMatchObject({ inspectorW: 350, timelineOpen: false, inspectorOpen: true });
    expect(parseSizes("not json").inspectorW).toBe(INSPECTOR_DEFAULT);
    expect(parseSizes(null).timelineOpen).toBe(true);
  });
});
