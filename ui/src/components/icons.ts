// Inline SVG icons, drawn on a 24 px grid with round 1.75 px strokes. `fill` icons are solid.

export interface IconDef {
  paths: string[];
  fill?: boolean;
}

const circle = (cx: number, cy: number, r: number) =>
  `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;

export const ICONS = {
  logo: { paths: ["M4 18c3 0 4-3 6-6s4-6 8-6", "M14 4.5 18 6l-1.5 4", circle(5, 18, 2)] },
  new: { paths: ["M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z", "M14 3v5h5", "M12 11v6", "M9 14h6"] },
  open: { paths: ["M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z", "M3 10h18"] },
  save: { paths: ["M5 4h11l4 4v11a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z", "M8 4v5h7V4", "M8 20v-6h8v6"] },
  image: {
    paths: [
      "M20 13v5a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h7",
      "m4 16 4.5-4.5 4 4 2.5-2.5 5 5",
      circle(9, 8.5, 1.5),
      "M18 3v6",
      "M15 6h6",
    ],
  },
  select: { paths: ["M5 3.5 18.5 10l-6 1.8-2.7 6.2z", "m12.6 11.9 5 5"] },
  path: { paths: ["M5 19c3.5 0 4.5-3.5 6.5-7S15 5.5 19 5.5", "M15 4l4 1.5-1.5 4", circle(5, 19, 1.75)] },
  brush: {
    paths: [
      "m14.5 4.5 5 5-7.5 7.5-5-5z",
      "M7 12c-2 .5-3 2-3 4 0 1.2-.5 2.2-1.5 3 3 .8 6.8.4 8.5-2",
      "m17 2 5 5",
    ],
  },
  eraser: {
    paths: ["M8 20h12", "M4.6 15.4 14 6a2 2 0 0 1 2.8 0l2.6 2.6a2 2 0 0 1 0 2.8L11 20H8.4l-3.8-3.8a.6.6 0 0 1 0-.8z", "m9 10.5 5.5 5.5"],
  },
  undo: { paths: ["M9 14 4 9l5-5", "M4 9h11a5 5 0 0 1 0 10h-3"] },
  redo: { paths: ["m15 14 5-5-5-5", "M20 9H9a5 5 0 0 0 0 10h3"] },
  play: { paths: ["M7.5 4.8v14.4a.8.8 0 0 0 1.2.7l11.4-7.2a.8.8 0 0 0 0-1.4L8.7 4.1a.8.8 0 0 0-1.2.7z"], fill: true },
  pause: { paths: ["M6.5 4.5h3.5v15H6.5z", "M14 4.5h3.5v15H14z"], fill: true },
  export: { paths: ["M12 3v12", "m7 8 5-5 5 5", "M5 15v4a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-4"] },
  trash: {
    paths: ["M4 7h16", "M10 11v6", "M14 11v6", "M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12", "M9 7V4h6v3"],
  },
  close: { paths: ["M6 6l12 12", "M18 6 6 18"] },
  globe: {
    paths: [
      circle(12, 12, 9),
      "M3 12h18",
      "M12 3c2.4 2.5 3.6 5.5 3.6 9s-1.2 6.5-3.6 9c-2.4-2.5-3.6-5.5-3.6-9S9.6 5.5 12 3z",
    ],
  },
  eye: { paths: ["M2.5 12S6 5.5 12 5.5 21.5 12 21.5 12 18 18.5 12 18.5 2.5 12 2.5 12z", circle(12, 12, 3)] },
  eyeOff: {
    paths: [
      "M10 5.7A9.6 9.6 0 0 1 12 5.5c6 0 9.5 6.5 9.5 6.5a17 17 0 0 1-2.6 3.4",
      "M6.6 6.8C4 8.6 2.5 12 2.5 12S6 18.5 12 18.5c1.8 0 3.4-.6 4.8-1.4",
      "M9.9 9.9a3 3 0 0 0 4.2 4.2",
      "M3 3l18 18",
    ],
  },
  check: { paths: ["m5 12.5 4.5 4.5L19 7.5"] },
  alert: { paths: ["M12 3.5 2.5 20h19z", "M12 10v4.5", "M12 17.3v.2"] },
  info: { paths: [circle(12, 12, 9), "M12 11v5.5", "M12 7.8v.2"] },
  clock: { paths: [circle(12, 12, 9), "M12 7v5l3 2"] },
  camera: { paths: ["M3 7.5a1.5 1.5 0 0 1 1.5-1.5h9A1.5 1.5 0 0 1 15 7.5v9a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 3 16.5z", "m15 10.5 6-3.5v10l-6-3.5"] },
  arrowLeft: { paths: ["M19 12H5", "m11 6-6 6 6 6"] },
  arrowRight: { paths: ["M5 12h14", "m13 6 6 6-6 6"] },
  arrowUp: { paths: ["M12 19V5", "m6 11 6-6 6 6"] },
  arrowDown: { paths: ["M12 5v14", "m6 13 6 6 6-6"] },
  zoomIn: { paths: [circle(10.5, 10.5, 6.5), "m20 20-4.8-4.8", "M10.5 7.5v6", "M7.5 10.5h6"] },
  zoomOut: { paths: [circle(10.5, 10.5, 6.5), "m20 20-4.8-4.8", "M7.5 10.5h6"] },
  rollLeft: { paths: ["M4 12a8 8 0 1 0 2.4-5.7", "M4 4v4.5h4.5"] },
  rollRight: { paths: ["M20 12a8 8 0 1 1-2.4-5.7", "M20 4v4.5h-4.5"] },
  crop: { paths: ["M6 2v14a2 2 0 0 0 2 2h14", "M2 6h14a2 2 0 0 1 2 2v14"] },
  blur: { paths: ["M4 4h16v16H4z", "M8 7h8v10H8z"] },
  plus: { paths: ["M12 5v14", "M5 12h14"] },
  copy: { paths: ["M9 9h10v10H9z", "M15 9V5H5v10h4"] },
  music: { paths: ["M9 18V5l11-2v13", circle(6, 18, 3), circle(17, 16, 3)] },
  film: { paths: ["M4 4h16v16H4z", "M8 4v16", "M16 4v16", "M4 8h4", "M4 12h4", "M4 16h4", "M16 8h4", "M16 12h4", "M16 16h4"] },
} satisfies Record<string, IconDef>;

export type IconName = keyof typeof ICONS;
