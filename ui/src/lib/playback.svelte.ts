// The timeline's state: where the playhead is, whether the stage shows the selected shot or
// the whole sequence at the playhead, playing (with the backend's clock, which follows the
// sound output), J/K/L, zoom and scroll, and the beats found in music clips.
//
// One clock: while the stage shows a shot, the time shown everywhere is that shot's place on
// the sequence plus the stage's own time in it; while it shows the sequence, the playhead.
// One play control: Space and the play button play the sequence (with its sound) once there
// is more than one shot or any audio, and the selected shot's loop otherwise.

import * as api from "./api";
import type { BeatGrid } from "./bindings/BeatGrid";
import { t } from "./locale.svelte";
import { notices } from "./notices.svelte";
import { isAnimated } from "./model";
import { beatsOnSequence, clampZoom, cutTimes, shuttle, type ShuttleKey, ZOOM_STEP } from "./playback";
import { studio } from "./studio.svelte";
import { layoutShots } from "./timeline";

/** How often the playhead asks the backend's clock where it is, in ms. */
const POLL_MS = 30;
/** How far the playhead may move on from the backend clock's last answer, in seconds. */
const MAX_AHEAD_S = 0.1;

/** What the stage shows: the selected shot (to draw on) or the sequence at the playhead. */
export type StageMode = "shot" | "sequence";
/** Whether sound can play here: not known before the first play. */
export type SoundState = "unknown" | "available" | "unavailable";

export class Timeline {
  mode = $state<StageMode>("shot");
  /** Seconds on the sequence. */
  playhead = $state(0);
  /** 0 when paused; 1 real time; 2, 4, 8 faster; negative backwards. */
  speed = $state(0);
  /** Multiple of "the whole sequence fits the width". */
  zoom = $state(1);
  /** Horizontal scroll of the tracks, in pixels. */
  scrollX = $state(0);
  sound = $state<SoundState>("unknown");
  /** Why sound cannot play (from the backend), for the tooltip. */
  soundReason = $state("");
  /** Beats found per sound file (an audio clip's `file`), in seconds of the file. */
  beats = $state.raw<Record<string, BeatGrid>>({});
  /** The clip whose beats are being detected (id), or null. */
  detecting = $state<string | null>(null);
  /** Sequence frames shown in the last second (the live preview's rate). */
  previewFps = $state(0);
  /** Frames of the sequence shown since start (a hook for tests). */
  framesShown = $state(0);

  #shotLoopWasPlaying = true;
  #raf = 0;
  #polling = false;
  #generation = 0;

  get playing(): boolean {
    return this.speed !== 0;
  }

  /** The sequence's length in seconds. */
  get total(): number {
    return layoutShots(studio.project.shots).total;
  }

  /** The time on the sequence that the stage shows (see the note at the top). */
  get now(): number {
    if (this.mode === "sequence") return this.playhead;
    const i = studio.shotIndex;
    const place = layoutShots(studio.project.shots).places[i];
    const shot = studio.project.shots[i];
    if (!place || !shot) return 0;
    return place.start + studio.t * place.seconds;
  }

  /** Whether play means the whole sequence (several shots, or sound to hear). */
  get playsSequence(): boolean {
    return studio.project.shots.length > 1 || studio.project.audio.length > 0;
  }

  /** Whether anything moves on the stage now: the sequence playing, or the shot's loop with
   * something to animate (a new project has nothing, so it shows no pause button). */
  get moving(): boolean {
    if (this.mode === "sequence") return this.playing;
    const shot = studio.shot;
    return studio.playing && studio.imageLoaded && (isAnimated(studio.motion) || !!shot?.result);
  }

  /** Space and the play button: pauses what moves, else plays the sequence or the shot. */
  togglePlayback(): void {
    if (this.mode === "sequence" || this.playsSequence) {
      this.togglePlay();
      return;
    }
    studio.playing = !this.moving;
  }

  /** Every beat marker on the sequence, ascending. */
  get beatMarkers(): number[] {
    const out: number[] = [];
    for (const clip of studio.project.audio) {
      const grid = this.beats[clip.file];
      if (grid) out.push(...beatsOnSequence(clip, grid.beats));
    }
    return out.sort((a, b) => a - b);
  }

  get cuts(): number[] {
    return cutTimes(studio.project.shots);
  }

  /** Another project was opened: back to the shot, at the start, with no beats known. */
  reset(): void {
    void this.pause();
    this.showShot();
    this.playhead = 0;
    this.scrollX = 0;
    this.zoom = 1;
    this.beats = {};
  }

  // ---- which picture the stage shows ----

  /** The stage shows the sequence at the playhead; the shot loop pauses meanwhile. Coming
   * from a shot, the playhead is where the stage was in it. */
  showSequence(): void {
    if (this.mode === "sequence") return;
    this.playhead = this.now;
    this.#shotLoopWasPlaying = studio.playing;
    studio.playing = false;
    this.mode = "sequence";
  }

  /** The stage shows the selected shot again (to draw on it); playback stops. */
  showShot(): void {
    if (this.mode === "shot") return;
    void this.pause();
    // A playhead inside the selected shot stays where it is: the stage goes on from there.
    const place = layoutShots(studio.project.shots).places[studio.shotIndex];
    if (place && this.playhead >= place.start && this.playhead < place.start + place.seconds) {
      studio.t = (this.playhead - place.start) / place.seconds;
    }
    this.mode = "shot";
    studio.playing = this.#shotLoopWasPlaying;
  }

  // ---- transport ----

  /** Moves the playhead (clamped to the sequence); a running play goes on from there. */
  seek(seconds: number): void {
    const at = Math.max(0, Math.min(this.total, Number.isFinite(seconds) ? seconds : 0));
    this.showSequence();
    this.playhead = at;
    if (this.playing) void this.#start(this.speed);
  }

  togglePlay(): void {
    if (this.playing) void this.pause();
    else void this.play(1);
  }

  /** J, K or L: backwards, pause, forwards; repeated J or L plays faster. */
  shuttleKey(key: ShuttleKey): void {
    const next = shuttle(this.speed, key);
    if (next === 0) void this.pause();
    else void this.play(next);
  }

  async play(speed = 1): Promise<void> {
    this.showSequence();
    // At the end going forwards (or at 0 going back), start over from the other end.
    if (speed > 0 && this.playhead >= this.total - 1e-6) this.playhead = 0;
    if (speed < 0 && this.playhead <= 1e-6) this.playhead = this.total;
    await this.#start(speed);
  }

  async pause(): Promise<void> {
    if (!this.playing) return;
    this.speed = 0;
    this.#generation++;
    cancelAnimationFrame(this.#raf);
    try {
      this.playhead = await api.playbackStop();
    } catch {
      // outside the app: the playhead stays where the UI last put it
    }
  }

  async #start(speed: number): Promise<void> {
    const generation = ++this.#generation;
    this.speed = speed;
    try {
      const started = await api.playbackStart({ project: studio.project, from: this.playhead, speed });
      if (generation !== this.#generation) {
        // Paused while the backend was starting: its play must not go on unheard of.
        if (this.speed === 0) void api.playbackStop().catch(() => {});
        return;
      }
      // The backend answers for the output device on every play (it is opened on the first).
      this.sound = started.unavailable ? "unavailable" : "available";
      this.soundReason = started.unavailable ?? "";
      if (started.sound_error) notices.push("warning", t("timeline.soundFailed", { error: started.sound_error }));
    } catch (err) {
      if (generation !== this.#generation) return;
      this.speed = 0;
      notices.push("error", t("timeline.playFailed", { error: api.errorMessage(err) }));
      return;
    }
    cancelAnimationFrame(this.#raf);
    let polledAt = 0;
    // The last answer of the backend's clock and when it came: between answers the playhead
    // moves on from it at the play speed (for at most MAX_AHEAD_S), so it moves every
    // display frame; each answer sets it back on the backend's clock, so nothing adds up.
    let anchor = { at: performance.now(), seconds: this.playhead };
    const total = this.total;
    const tick = (now: number) => {
      if (generation !== this.#generation) return;
      const ahead = Math.min(MAX_AHEAD_S, Math.max(0, (now - anchor.at) / 1000));
      this.playhead = Math.max(0, Math.min(total, anchor.seconds + speed * ahead));
      // One position request at a time, at most one per POLL_MS: the backend's clock is
      // the truth and the UI follows it, leaving most of the IPC to the frames.
      if (!this.#polling && now - polledAt >= POLL_MS) {
        polledAt = now;
        this.#polling = true;
        api
          .playbackPosition()
          .then((p) => {
            if (generation !== this.#generation) return;
            anchor = { at: performance.now(), seconds: p.seconds };
            this.playhead = p.seconds;
            if (!p.playing) {
              this.speed = 0;
              this.#generation++;
            }
          })
          .catch(() => {})
          .finally(() => {
            this.#polling = false;
          });
      }
      this.#raf = requestAnimationFrame(tick);
    };
    this.#raf = requestAnimationFrame(tick);
  }

  // ---- zoom ----

  zoomBy(steps: number): void {
    this.zoom = clampZoom(this.zoom * Math.pow(ZOOM_STEP, steps));
  }

  zoomToFit(): void {
    this.zoom = 1;
    this.scrollX = 0;
  }

  // ---- beats ----

  /** Finds the beats of audio clip `id`'s sound (markers appear on the timeline). */
  async detectBeats(id: string): Promise<void> {
    const clip = studio.project.audio.find((c) => c.id === id);
    if (!clip || this.detecting) return;
    this.detecting = id;
    try {
      const grid = await api.detectBeats(clip.file);
      this.beats = { ...this.beats, [clip.file]: grid };
      if (grid.beats.length === 0) notices.push("warning", t("timeline.noBeats", { name: clip.name }));
      else notices.push("success", t("timeline.beatsFound", { n: grid.beats.length, bpm: Math.round(grid.bpm) }), 4000);
    } catch (err) {
      notices.push("error", t("timeline.beatsFailed", { error: api.errorMessage(err) }));
    } finally {
      this.detecting = null;
    }
  }

  /** Sets the shots' lengths so that every cut lands on a beat marker: one undoable edit. */
  async snapCutsToBeats(): Promise<void> {
    const beats = this.beatMarkers;
    if (beats.length === 0 || studio.project.shots.length < 2) return;
    try {
      const result = await api.snapCuts({ project: studio.project, beats });
      const before = studio.project.shots.map((s) => s.seconds);
      if (result.seconds.every((s, i) => s === before[i])) {
        notices.push("success", t("timeline.snapped", { n: result.snapped, cuts: result.cuts.length }), 4000);
        return;
      }
      studio.seal();
      studio.edit((p) => {
        result.seconds.forEach((s, i) => {
          if (p.shots[i]) p.shots[i].seconds = s;
        });
      });
      studio.seal();
      notices.push("success", t("timeline.snapped", { n: result.snapped, cuts: result.cuts.length }), 4000);
    } catch (err) {
      notices.push("error", t("timeline.snapFailed", { error: api.errorMessage(err) }));
    }
  }
}

export const timeline = new Timeline();
