// Export presets as the backend defines them (studio/src/export/preset.rs): all 30 fps.

import type { Preset } from "./bindings/Preset";

export const PRESET_FPS = 30;

export interface PresetInfo {
  id: Preset;
  label: string;
  width: number;
  height: number;
}

export const PRESETS: readonly PresetInfo[] = [
  { id: "tiktok", label: "TikTok", width: 1080, height: 1920 },
  { id: "reels", label: "Reels", width: 1080, height: 1920 },
  { id: "shorts", label: "Shorts", width: 1080, height: 1920 },
  { id: "youtube", label: "YouTube", width: 1920, height: 1080 },
  { id: "square", label: "Square", width: 1080, height: 1080 },
  { id: "x", label: "X", width: 720, height: 1280 },
];

/** The size of the exported video: the preset's, or the picture's own (rounded down to even, as H.264 4:2:0 needs). */
export function outputSize(preset: Preset | null, imageSize: [number, number] | null): [number, number] | null {
  if (preset) {
    const p = PRESETS.find((x) => x.id === preset);
    return p ? [p.width, p.height] : null;
  }
  if (!imageSize) return null;
  return [imageSize[0] - (imageSize[0] % 2), imageSize[1] - (imageSize[1] % 2)];
}

/** "tiktok" -> "preset-tiktok", null -> "preset-original". */
export function presetTestId(preset: Preset | null): string {
  return `preset-${preset ?? "original"}`;
}
