import { describe, expect, it } from "vitest";
import { installTooltipDismissal } from "./tooltips";

describe("tooltips", () => {
  it("hide after a press until the pointer leaves", () => {
    const stop = installTooltipDismissal();
    document.body.innerHTML = `<button class="has-tip"><span class="tip">Undo</span></button>`;
    const button = document.querySelector("button")!;
    button.querySelector(".tip")!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(button.classList.contains("tip-off")).toBe(true);
    button.dispatchEvent(new Event("pointerleave"));
    expect(button.classList.contains("tip-off")).toBe(false);
    stop();
  });
});
