// The app's state written onto <body data-*> so the end-to-end tests (tests/app/e2e.mjs) can
// wait on it instead of on pixels. Nothing in the app reads these; they only mirror state the
// user sees (counts, names, times, the queue's state). Per-shot values are joined by "|".

import { generator } from "./generate.svelte";
import { timeline } from "./playback.svelte";
import { studio } from "./studio.svelte";
import { shotSubjects } from "./subjects";
import { clipLength, layoutShots } from "./timeline";

/** Keeps the hooks up to date for as long as the app runs. */
export function installTestHooks(): () => void {
  return $effect.root(() => {
    $effect(() => {
      const d = document.body.dataset;
      const shots = studio.project.shots;
      d.ready = studio.ready ? "true" : "false";
      d.dirty = studio.dirty ? "true" : "false";
      d.imageLoaded = studio.imageLoaded ? "true" : "false";
      d.pathCount = String(studio.motion.paths.length);
      d.staticCount = String(studio.motion.statics.length);
      // Strokes of each path's painted mask ("0": its disk), joined by "|".
      d.maskStrokes = studio.motion.paths.map((p) => p.mask?.strokes.length ?? 0).join("|");
      d.cameraKeyCount = String(studio.motion.camera.keys?.length ?? 0);
      d.shotCount = String(shots.length);
      d.shotIndex = String(studio.shotIndex);
      d.shotOrder = shots.map((s) => s.name).join("|");
      d.shotsWithImage = String(shots.filter((s) => !!s.image).length);
      d.sequenceSeconds = String(layoutShots(shots).total);
      d.shotPrompts = shots.map((s) => s.prompt).join("|");
      d.shotSizes = shots.map((s) => s.shot_size).join("|");
      d.shotSeeds = shots.map((s) => s.seed).join("|");
      d.shotNegatives = shots.map((s) => s.negative_prompt).join("|");
      d.shotSubjects = shots.map((s) => shotSubjects(studio.project, s).map((x) => x.name).join(",")).join("|");
      d.shotCrops = shots.map((s) => (s.crop ? `${s.crop.x.toFixed(3)},${s.crop.y.toFixed(3)},${s.crop.zoom.toFixed(3)}` : "")).join("|");
      d.subjectCount = String(studio.project.subjects.length);
      d.audioCount = String(studio.project.audio.length);
      const clip = studio.project.audio[0];
      d.audioClip = clip ? `${clip.start}|${clip.trim_in}|${clip.trim_out ?? "end"}|${clip.gain_db}|${clipLength(clip)}` : "";
      d.audioPeaks = String(Object.keys(studio.peaks).length);
    });
    $effect(() => {
      const d = document.body.dataset;
      const shots = studio.project.shots;
      // Generation: step previews received, the queue's state, shot 1's result, the selected
      // shot's status and the ready model packages.
      d.generatePreviews = String(generator.previewCount);
      d.generateState = generator.state;
      d.shot1Result = shots[0]?.result ?? "";
      d.generateStatus = (studio.shot && generator.statuses[studio.shot.id]?.state) || "";
      d.modelsReady = (generator.models?.packages ?? [])
        .filter((p) => p.ready)
        .map((p) => p.id)
        .join(",");
    });
    $effect(() => {
      const d = document.body.dataset;
      // The timeline: cuts and beats, the clock and the sequence preview's frames.
      d.beatCount = String(timeline.beatMarkers.length);
      d.cutTimes = timeline.cuts.map((c) => c.toFixed(3)).join("|");
      d.playhead = timeline.now.toFixed(3);
      d.playing = timeline.playing ? "true" : "false";
      d.playbackSound = timeline.sound;
      d.stageMode = timeline.mode;
      d.sequenceFrames = String(timeline.framesShown);
      d.sequenceFps = String(timeline.previewFps);
    });
  });
}
