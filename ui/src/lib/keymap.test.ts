import { describe, expect, it } from "vitest";
import { actionForKey, type KeyLike } from "./keymap";

const k = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe("actionForKey", () => {
  it("maps the tool and editing keys", () => {
    expect(actionForKey(k("v"))).toBe("tool-select");
    expect(actionForKey(k("p"))).toBe("tool-path");
    expect(actionForKey(k("b"))).toBe("tool-static");
    expect(actionForKey(k("m"))).toBe("tool-mask");
    expect(actionForKey(k("["))).toBe("radius-down");
    expect(actionForKey(k("]"))).toBe("radius-up");
    expect(actionForKey(k(" "))).toBe("play");
    expect(actionForKey(k("Delete"))).toBe("delete");
    expect(actionForKey(k("Backspace"))).toBe("delete");
    expect(actionForKey(k("i"))).toBe("import");
    expect(actionForKey(k("Escape"))).toBe("escape");
  });

  it("maps Ctrl and Cmd shortcuts", () => {
    expect(actionForKey(k("z", { ctrlKey: true }))).toBe("undo");
    expect(actionForKey(k("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(actionForKey(k("y", { ctrlKey: true }))).toBe("redo");
    expect(actionForKey(k("z", { metaKey: true }))).toBe("undo");
    expect(actionForKey(k("s", { ctrlKey: true }))).toBe("save");
    expect(actionForKey(k("S", { ctrlKey: true, shiftKey: true }))).toBe("save-as");
    expect(actionForKey(k("o", { ctrlKey: true }))).toBe("open");
    expect(actionForKey(k("n", { ctrlKey: true }))).toBe("new");
    expect(actionForKey(k("e", { ctrlKey: true }))).toBe("export");
  });

  it("ignores other keys and Alt combinations", () => {
    expect(actionForKey(k("x"))).toBeNull();
    expect(actionForKey(k("v", { ctrlKey: true }))).toBeNull();
    expect(actionForKey(k("z", { altKey: true, ctrlKey: true }))).toBeNull();
  });
});
