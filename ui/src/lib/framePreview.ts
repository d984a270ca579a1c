// A Svelte action that paints a shot as the export frames it: the picture's thumbnail
// (lib/thumbnails) cropped, moved and zoomed as the shot's crop says, over a blurred copy
// where a blur fit leaves bands. The export dialog shows one per shot.

import type { Framing } from "./framing";
import { thumbnail } from "./thumbnails";

export interface FramePreview {
  asset: string | null | undefined;
  framing: Framing | null;
  /** The preview's height in CSS pixels (its width follows the frame's aspect). */
  height: number;
}

export function framePreview(canvas: HTMLCanvasElement, initial: FramePreview) {
  let current = initial;
  let seq = 0;
  function paint(p: FramePreview) {
    current = p;
    const mine = ++seq;
    const f = p.framing;
    if (!f || !p.asset) return;
    const dpr = window.devicePixelRatio || 1;
    const h = Math.round(p.height * dpr);
    const w = Math.max(1, Math.round((h * f.out[0]) / f.out[1]));
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${w / dpr}px`;
    canvas.style.height = `${p.height}px`;
    thumbnail(p.asset).then(
      (frame) => {
        if (mine !== seq) return;
        const src = document.createElement("canvas");
        src.width = frame.width;
        src.height = frame.height;
        src.getContext("2d")?.putImageData(new ImageData(frame.rgba, frame.width, frame.height), 0, 0);
        const ctx = canvas.getContext("2d");
        if (!ctx) return;
        const s = w / f.out[0];
        ctx.fillStyle = "#000";
        ctx.fillRect(0, 0, w, h);
        const [cw, ch] = f.content;
        if (f.offset[0] > 0 || f.offset[1] > 0) {
          // Bands: the picture covering the frame, blurred (as the export's background).
          const cover = Math.max(w / frame.width, h / frame.height);
          ctx.filter = "blur(6px)";
          ctx.drawImage(src, (w - frame.width * cover) / 2, (h - frame.height * cover) / 2, frame.width * cover, frame.height * cover);
          ctx.filter = "none";
        }
        ctx.drawImage(src, f.offset[0] * s, f.offset[1] * s, cw * s, ch * s);
        canvas.dataset.painted = "true";
      },
      () => {
        // an unreadable picture leaves the preview black; the stage reports the file itself
      },
    );
  }
  paint(initial);
  return {
    update(p: FramePreview) {
      if (p.asset !== current.asset || p.framing !== current.framing || p.height !== current.height) paint(p);
    },
  };
}
