// Keyboard shortcuts: one table from keys to actions, shared by the handler and the tooltips.

export type Action =
  | "new"
  | "open"
  | "save"
  | "save-as"
  | "import"
  | "export"
  | "undo"
  | "redo"
  | "tool-select"
  | "tool-path"
  | "tool-static"
  | "tool-mask"
  | "tool-frame"
  | "radius-down"
  | "radius-up"
  | "play"
  | "delete"
  | "escape"
  | "overlays";

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action a key press means, or null. Ctrl and Cmd are the same. */
export function actionForKey(e: KeyLike): Action | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return null;
  if (mod) {
    switch (key) {
      case "z":
        return e.shiftKey ? "redo" : "undo";
      case "y":
        return "redo";
      case "s":
        return e.shiftKey ? "save-as" : "save";
      case "o":
        return "open";
      case "n":
        return "new";
      case "e":
        return "export";
      case "i":
        return "import";
      default:
        return null;
    }
  }
  switch (key) {
    case "v":
      return "tool-select";
    case "p":
      return "tool-path";
    case "b":
      return "tool-static";
    case "m":
      return "tool-mask";
    case "f":
      return "tool-frame";
    case "[":
      return "radius-down";
    case "]":
      return "radius-up";
    case " ":
    case "Spacebar":
      return "play";
    case "Delete":
    case "Backspace":
      return "delete";
    case "Escape":
      return "escape";
    case "i":
      return "import";
    case "h":
      return "overlays";
    default:
      return null;
  }
}

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform ?? "");
const MOD = isMac ? "⌘" : "Ctrl+";
const SHIFT = isMac ? "⇧" : "Shift+";

/** The shortcut shown in tooltips for an action. */
export const SHORTCUTS: Partial<Record<Action, string>> = {
  new: `${MOD}N`,
  open: `${MOD}O`,
  save: `${MOD}S`,
  "save-as": `${MOD}${SHIFT}S`,
  import: "I",
  export: `${MOD}E`,
  undo: `${MOD}Z`,
  redo: `${MOD}${SHIFT}Z`,
  "tool-select": "V",
  "tool-path": "P",
  "tool-static": "B",
  "tool-mask": "M",
  "tool-frame": "F",
  "radius-down": "[",
  "radius-up": "]",
  play: "Space",
  delete: "Delete",
  overlays: "H",
};
