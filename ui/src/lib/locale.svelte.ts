// The current UI language as reactive state. `t()` reads it, so any template that calls
// `t(...)` re-renders when the language changes.

import { setMenuLanguage } from "./api";
import { detectLocale, isLang, translate, type Key, type Lang, type Params } from "./i18n";

export const LANG_STORAGE_KEY = "motionboard.lang";

let current = $state<Lang>("en");

export function lang(): Lang {
  return current;
}

export function t(key: Key, params?: Params): string {
  return translate(current, key, params);
}

/** The language the person chose earlier in this app, if any. */
export function storedLang(): Lang | null {
  try {
    const v = localStorage.getItem(LANG_STORAGE_KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

/** Picks the language at start: the stored choice, else the system locale. */
export function initialLang(systemLocale: string | null | undefined): Lang {
  return storedLang() ?? detectLocale(systemLocale);
}

/** Switches the UI (and the native menu) to `l`; `persist` remembers it as the person's choice. */
export function setLang(l: Lang, persist = false): void {
  current = l;
  if (typeof document !== "undefined") document.documentElement.lang = l;
  if (persist) {
    try {
      localStorage.setItem(LANG_STORAGE_KEY, l);
    } catch {
      // storage unavailable: the choice lasts for this session only
    }
  }
  setMenuLanguage(l).catch(() => {
    // outside the app, or an older backend: the web UI still switches
  });
}
