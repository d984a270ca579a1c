// A Svelte action that paints a picture's thumbnail (lib/thumbnails) into a canvas: the
// subject library and the shot inspector show subjects this way, so a replaced picture shows
// wherever the subject does as soon as the project changes.

import { thumbnail } from "./thumbnails";

export function thumbCanvas(canvas: HTMLCanvasElement, asset: string | null | undefined) {
  let current = asset ?? null;
  /** Whether a picture is on the canvas (a blank one needs no clearing). */
  let drawn = false;
  function paint(a: string | null | undefined) {
    current = a ?? null;
    canvas.dataset.asset = current ?? "";
    if (!current) {
      if (drawn) canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      return;
    }
    const wanted = current;
    thumbnail(wanted).then(
      (frame) => {
        if (current !== wanted) return;
        canvas.width = frame.width;
        canvas.height = frame.height;
        canvas.getContext("2d")?.putImageData(new ImageData(frame.rgba, frame.width, frame.height), 0, 0);
        drawn = true;
      },
      () => {
        // an unreadable picture leaves the canvas blank; the stage reports the file itself
      },
    );
  }
  paint(asset);
  return { update: paint };
}
