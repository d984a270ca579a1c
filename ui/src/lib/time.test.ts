import { describe, expect, it } from "vitest";
import { formatTime } from "./time";

describe("formatTime", () => {
  it("writes minutes, seconds and hundredths", () => {
    expect(formatTime(5)).toBe("0:05.00");
    expect(formatTime(62.5)).toBe("1:02.50");
    expect(formatTime(3.5)).toBe("0:03.50");
    expect(formatTime(600)).toBe("10:00.00");
  });

  it("rounds to the hundredth, carrying into seconds and minutes", () => {
    expect(formatTime(1 / 3)).toBe("0:00.33");
    expect(formatTime(59.999)).toBe("1:00.00");
    expect(formatTime(1.005 + 1e-9)).toBe("0:01.01");
  });

  it("never shows a negative or broken time", () => {
    expect(formatTime(-0.01)).toBe("0:00.00");
    expect(formatTime(Number.NaN)).toBe("0:00.00");
    expect(formatTime(Infinity)).toBe("0:00.00");
  });
});
