// Small still pictures of shots for the storyboard cards, rendered by the backend's preview
// (the first frame, no motion) and kept per picture, so each is asked for once.

import * as api from "./api";
import { emptyMotion } from "./model";

export const THUMB_WIDTH = 160;
export const THUMB_HEIGHT = 90;

const cache: Record<string, Promise<api.Frame>> = {};

/** The thumbnail of a picture (an asset path); a failed one is asked for again next time. */
export function thumbnail(asset: string): Promise<api.Frame> {
  const known = cache[asset];
  if (known) return known;
  const p = api.previewFrame({ asset, motion: emptyMotion(), t: 0, maxWidth: THUMB_WIDTH, maxHeight: THUMB_HEIGHT });
  cache[asset] = p;
  p.catch(() => {
    delete cache[asset];
  });
  return p;
}
