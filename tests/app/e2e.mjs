// The real Motionboard app in a real window (run under Xvfb), driven like a creator would:
// import a picture, draw a motion path with the pointer, undo and redo it, export, and read
// the exported file back with ffprobe; then a three-shot story with a trimmed sound clip,
// reordered on the storyboard and exported as one MP4 with sound; and the Models panel
// installing a starter set from a local mirror.
//
// Needs: MOTIONBOARD_APP (the built app), tauri-driver and WebKitWebDriver on PATH, ffmpeg.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { cpSync, mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { Session, KEY, sleep } from "./webdriver.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "out");
mkdirSync(outDir, { recursive: true });
const app = process.env.MOTIONBOARD_APP;
assert.ok(app && existsSync(app), `MOTIONBOARD_APP must name the built app (got ${app})`);

const work = mkdtempSync(join(tmpdir(), "motionboard-e2e-"));
const picture = join(work, "picture.png");
const exported = join(work, "export.mp4");
const savedDir = join(work, "saved project");
const sound = join(work, "tone.wav");
const story = join(work, "story.mp4");
// A colourful, detailed test picture from ffmpeg's pattern generator.
execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", picture]);
// 20 s of a 440 Hz tone, mono at 44.1 kHz (the app resamples it to 48 kHz stereo).
execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=20", sound]);

// MOTIONBOARD_E2E_PORT moves tauri-driver (and WebKitWebDriver, one port up) off 4444, so two
// runs on one machine do not collide.
const port = Number(process.env.MOTIONBOARD_E2E_PORT ?? 4444);
const baseEnv = {
  ...process.env,
  MOTIONBOARD_DATA_DIR: join(work, "data"),
  // A fresh profile for the webview too (localStorage keeps the chosen language).
  XDG_DATA_HOME: join(work, "xdg-data"),
  XDG_CONFIG_HOME: join(work, "xdg-config"),
  XDG_CACHE_HOME: join(work, "xdg-cache"),
  MOTIONBOARD_TEST_PICK_IMAGE: picture,
  MOTIONBOARD_TEST_PICK_EXPORT: exported,
  MOTIONBOARD_TEST_PICK_FOLDER: savedDir,
  MOTIONBOARD_TEST_PICK_AUDIO: sound,
};
const startDriver = (env) =>
  spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], { env, stdio: ["ignore", "inherit", "inherit"] });
/** Types `value` into the input with `testid` and commits it, as leaving the field would. */
const setField = (testid, value) =>
  session.exec(
    `const el = document.querySelector('[data-testid="${testid}"]');
     el.value = arguments[0];
     el.dispatchEvent(new Event("input", { bubbles: true }));
     el.dispatchEvent(new Event("change", { bubbles: true }));`,
    [String(value)],
  );

let session;
/** The tauri-driver of the scenario running now. */
let driver;
/** The app this scenario's driver started (its descendant running `app`), or null. */
function appPid() {
  const children = (pid) =>
    spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean)
      .map(Number);
  const want = realpathSync(app);
  const queue = driver ? [driver.pid] : [];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children(pid)) {
      try {
        if (realpathSync(`/proc/${child}/exe`) === want) return child;
      } catch {
        // gone already
      }
      queue.push(child);
    }
  }
  return null;
}
/** The app's resident memory in MiB (VmRSS). */
function appRssMiB() {
  const pid = appPid();
  assert.ok(pid, "the app's process is found under its driver");
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
  return Math.round(kib / 1024);
}
async function fail(err) {
  if (session) {
    try {
      writeFileSync(join(outDir, "app-failure.png"), await session.screenshot());
    } catch {
      // the window may be gone; the error below says why
    }
  }
  console.error(`e2e: FAILED: ${err.stack ?? err}`);
  process.exitCode = 1;
}
const step = (what) => console.log(`e2e: ${what}`);
const body = (key) => session.exec(`return document.body.dataset[${JSON.stringify(key)}] ?? null;`);
const importLabel = () => session.exec(`return document.querySelector('[data-testid="import-button"]').innerText;`);

/** Starts the app with `locale` (a fresh tauri-driver and WebDriver session), waits for its
 * first project, runs `scenario`, and always closes both; a failure is reported with a
 * screenshot and fails the run, and the next scenario still runs. `env` adds to the app's
 * environment (e.g. another answer for a file dialog). */
let scenarioNumber = 0;
async function withApp(locale, scenario, env = {}) {
  // MOTIONBOARD_E2E_ONLY=<n>[,<m>...] runs only those scenarios (1-based), to iterate on them.
  scenarioNumber += 1;
  const only = process.env.MOTIONBOARD_E2E_ONLY;
  if (only && !only.split(",").map(Number).includes(scenarioNumber)) return;
  driver = startDriver({ ...baseEnv, MOTIONBOARD_LOCALE: locale, ...env });
  try {
    session = await Session.start(`http://127.0.0.1:${port}`, app);
    await session.waitFor("the first project", async () => (await body("ready")) === "true");
    await scenario();
  } catch (err) {
    await fail(err);
  } finally {
    if (session) await session.end().catch(() => {});
    session = undefined;
    driver.kill();
    await sleep(500);
  }
}

// 1. A Chinese system: the UI follows the locale, and the language can be switched.
await withApp("zh-CN", async () => {
  step("follows a zh-CN system locale");
  assert.equal(await session.exec("return document.documentElement.lang;"), "zh-CN");
  assert.match(await importLabel(), /导入/);
  writeFileSync(join(outDir, "app-zh.png"), await session.screenshot());
  step("switch to English");
  await session.exec(`const s = document.querySelector('[data-testid="language-select"]');
    s.value = "en"; s.dispatchEvent(new Event("change", { bubbles: true }));`);
  await session.waitFor("English labels", async () => /Import/.test(await importLabel()));
});

// 2. The motion-path loop, in English.
await withApp("en-US", async () => {
  step("window up");

  step("import a picture");
  await session.click("import-button");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");

  step("draw a motion path");
  await session.click("tool-path");
  const r = await session.rect("stage-canvas");
  const cx = r.x + r.width / 2;
  const cy = r.y + r.height / 2;
  const span = Math.min(r.width, r.height) * 0.3;
  await session.drag([
    [cx - span, cy],
    [cx - span / 2, cy - span / 4],
    [cx, cy - span / 3],
    [cx + span / 2, cy - span / 4],
    [cx + span, cy],
  ]);
  await session.waitFor("one path", async () => (await body("pathCount")) === "1");
  await sleep(1500); // let the preview loop play a little for the screenshot
  writeFileSync(join(outDir, "app-path.png"), await session.screenshot());

  step("undo and redo");
  await session.chord([KEY.CONTROL], "z");
  await session.waitFor("undo", async () => (await body("pathCount")) === "0");
  await session.chord([KEY.CONTROL, KEY.SHIFT], "z");
  await session.waitFor("redo", async () => (await body("pathCount")) === "1");
  await session.click("undo-button");
  await session.waitFor("undo button", async () => (await body("pathCount")) === "0");
  await session.click("redo-button");
  await session.waitFor("redo button", async () => (await body("pathCount")) === "1");

  step("paint the path's mask wider, see it, undo it");
  await session.exec(`document.querySelector('[data-testid="path-item-0"] .path-select').click();`);
  await session.click("mask-paint");
  // From the path's start (the left end of the stroke above) straight down: an elongated mask.
  await session.drag([
    [cx - span, cy],
    [cx - span, cy + span * 0.25],
    [cx - span, cy + span * 0.5],
  ]);
  await session.waitFor("a painted mask", async () => (await body("maskStrokes")) === "2");
  await sleep(1500); // the stage draws the mask; let the preview move it for the screenshot
  writeFileSync(join(outDir, "app-mask.png"), await session.screenshot());
  await session.click("mask-erase");
  await session.drag([
    [cx - span, cy + span * 0.45],
    [cx - span, cy + span * 0.5],
  ]);
  await session.waitFor("an erasing stroke", async () => (await body("maskStrokes")) === "3");
  await session.click("mask-reset");
  await session.waitFor("reset to the disk", async () => (await body("maskStrokes")) === "0");
  await session.chord([KEY.CONTROL], "z");
  await session.waitFor("undo the reset", async () => (await body("maskStrokes")) === "3");
  await session.click("tool-path");

  step("export for X (720x1280)");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-x");
  await session.click("fit-blur");
  writeFileSync(join(outDir, "app-export.png"), await session.screenshot());
  // The app's memory before, during and after the export: what the export held is given back.
  await sleep(2000);
  const rssBefore = appRssMiB();
  let rssPeak = rssBefore;
  await session.click("export-start");
  await session.waitFor("export done", async () => {
    rssPeak = Math.max(rssPeak, appRssMiB());
    return session.find("export-done");
  }, 180000);
  const shown = await session.text("export-done");
  assert.ok(shown.includes("export.mp4"), `export-done shows the path: ${shown}`);
  await sleep(3000);
  const rssAfter = appRssMiB();
  step(`app memory (RSS): ${rssBefore} MiB before the export, peak ${rssPeak} MiB, ${rssAfter} MiB after`);

  step("check the file with ffprobe");
  const probe = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", exported]),
  );
  const v = probe.streams.find((s) => s.codec_type === "video");
  assert.equal(v.codec_name, "h264");
  assert.equal(v.pix_fmt, "yuv420p");
  assert.equal(`${v.width}x${v.height}`, "720x1280");
  assert.equal(v.r_frame_rate, "30/1");
  assert.equal(Number(v.nb_read_frames), 150, "5 s at 30 fps");
  await session.click("export-dismiss").catch(() => session.chord([], "\uE00C"));

  step("autosave, then kill the app without warning");
  const untitled = join(work, "data", "Untitled");
  const autosaved = () =>
    existsSync(untitled) &&
    readdirSync(untitled).some((d) => existsSync(join(untitled, d, ".autosave.json")));
  await session.waitFor("an autosave", autosaved, 15000);
  await sleep(2000);
  // This scenario's app only (another run's app of the same name on this machine lives on).
  process.kill(appPid(), "SIGKILL");
});

// 3. Start again after the crash: the unsaved work comes back; save it to a folder.
await withApp("en-US", async () => {
  step("the killed session's work is recovered");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  await session.waitFor("its path", async () => (await body("pathCount")) === "1");

  step("save the project (Ctrl+S on an untitled project saves it as a folder)");
  await session.chord([KEY.CONTROL], "s");
  const projectFile = join(savedDir, "project.json");
  await session.waitFor("project.json", () => existsSync(projectFile));
  const saved = JSON.parse(readFileSync(projectFile, "utf8"));
  assert.equal(saved.shots[0].motion.paths.length, 1);
  assert.ok(existsSync(join(savedDir, saved.shots[0].image)), "the picture was copied into the project");
});

// 4. Quit and start again: open the saved project, everything is as it was.
await withApp("en-US", async () => {
  step("reopen the saved project");
  await session.chord([KEY.CONTROL], "o");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  await session.waitFor("its path", async () => (await body("pathCount")) === "1");
});
// 5. A story in three shots with sound: a new project (the last one was saved, so none is
// recovered), three pictures, a reorder, a trimmed audio clip, one MP4 with sound.
await withApp("en-US", async () => {
  step("storyboard: three shots, each with a picture");
  await session.waitFor("one shot", async () => (await body("shotCount")) === "1");
  await session.click("import-button");
  await session.waitFor("picture 1", async () => (await body("shotsWithImage")) === "1");
  await session.click("shot-add");
  await session.waitFor("two shots", async () => (await body("shotCount")) === "2");
  assert.equal(await body("shotIndex"), "1", "the new shot is selected");
  await session.click("import-button");
  await session.waitFor("picture 2", async () => (await body("shotsWithImage")) === "2");
  await setField("duration-input", 3);
  await session.click("shot-add");
  await session.waitFor("three shots", async () => (await body("shotCount")) === "3");
  await session.click("import-button");
  await session.waitFor("picture 3", async () => (await body("shotsWithImage")) === "3");
  await setField("duration-input", 2);
  await session.waitFor("5 + 3 + 2 s", async () => (await body("sequenceSeconds")) === "10");
  assert.equal(await body("shotOrder"), "Shot 1|Shot 2|Shot 3");

  step("reorder: move the last shot one place earlier, then drag the first card to the end");
  await session.click("shot-move-left");
  await session.waitFor("moved", async () => (await body("shotOrder")) === "Shot 1|Shot 3|Shot 2");
  assert.equal(await body("shotIndex"), "1", "the moved shot stays selected");
  const first = await session.rect("shot-card-0");
  const last = await session.rect("shot-card-2");
  const y = first.y + first.height / 2;
  await session.drag([
    [first.x + first.width / 2, y],
    [first.x + first.width / 2 + 20, y],
    [last.x + last.width / 2, y],
    [last.x + last.width - 4, y],
  ]);
  await session.waitFor("dragged", async () => (await body("shotOrder")) === "Shot 3|Shot 2|Shot 1");
  step("undo and redo the drag");
  await session.click("undo-button");
  await session.waitFor("undone", async () => (await body("shotOrder")) === "Shot 1|Shot 3|Shot 2");
  await session.click("redo-button");
  await session.waitFor("redone", async () => (await body("shotOrder")) === "Shot 3|Shot 2|Shot 1");

  step("add a sound and trim it");
  await session.click("audio-add");
  await session.waitFor("an audio clip", async () => (await body("audioCount")) === "1");
  await session.waitFor("its waveform", async () => (await body("audioPeaks")) === "1");
  await session.waitFor("the trim fields", () => session.find("audio-trim-in"));
  await setField("audio-trim-in", 1.5);
  await setField("audio-trim-out", 8);
  await setField("audio-start", 0.5);
  await session.waitFor("trimmed", async () => (await body("audioClip")) === "0.5|1.5|8|0|6.5");
  writeFileSync(join(outDir, "app-story.png"), await session.screenshot());

  step("export the sequence");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-x");
  await session.click("fit-crop");
  await session.click("export-start");
  await session.waitFor("export done", () => session.find("export-done"), 240000);

  step("check the file with ffprobe");
  const probe = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", story]),
  );
  const v = probe.streams.find((s) => s.codec_type === "video");
  const a = probe.streams.find((s) => s.codec_type === "audio");
  assert.ok(v && a, "a video and an audio stream");
  assert.equal(v.codec_name, "h264");
  assert.equal(`${v.width}x${v.height}`, "720x1280");
  assert.equal(Number(v.nb_read_frames), 300, "10 s at 30 fps");
  assert.equal(a.codec_name, "aac");
  assert.equal(a.sample_rate, "48000");
  assert.equal(a.channels, 2);
  const frame = 1 / 30;
  const total = Number(probe.format.duration);
  assert.ok(Math.abs(total - 10) <= frame, `the file lasts the sum of the shots (10 s): ${total}`);
  assert.ok(Math.abs(Number(a.duration) - 10) <= frame, `the sound lasts as long as the video: ${a.duration}`);
  console.log(
    `e2e: story.mp4: ${v.codec_name} ${v.width}x${v.height} ${v.nb_read_frames} frames, ` +
      `${a.codec_name} ${a.sample_rate} Hz ${a.channels} ch, ${total} s (audio ${a.duration} s)`,
  );
}, { MOTIONBOARD_TEST_PICK_EXPORT: story });

// 6. Script to storyboard, shot settings and a subject in two shots, in a fresh data folder
// (so the story above is not recovered).
await withApp("en-US", async () => {
  step("script to storyboard: four lines make four shots with a size progression");
  await session.waitFor("one shot", async () => (await body("shotCount")) === "1");
  await session.click("script-open");
  await session.waitFor("the script dialog", () => session.find("script-dialog"));
  const beats = [
    "A fishing village wakes under a pale sky.",
    "Mia walks along the pier with a basket.",
    "She talks with an old fisherman about the storm.",
    "Tears fill her eyes as she smiles.",
  ];
  await setField("script-text", beats.map((b, i) => `${i + 1}. ${b}`).join("\n"));
  const previewSizes = () =>
    session.exec(`return [...document.querySelectorAll('[data-testid="script-preview"] li')].map((li) => li.dataset.size).join("|");`);
  // The last beat is emotional ("tears"): a close-up on the face.
  const sizes = "extreme-long|full|medium|close-up";
  await session.waitFor("the preview of four shots", async () => (await previewSizes()) === sizes);
  writeFileSync(join(outDir, "app-script-dialog.png"), await session.screenshot());
  await session.click("script-apply");
  await session.waitFor("four shots", async () => (await body("shotCount")) === "4");
  assert.equal(await body("shotPrompts"), beats.join("|"));
  assert.equal(await body("shotSizes"), sizes);
  assert.equal(await body("shotIndex"), "0", "the first new shot is selected");

  step("edit the second shot's negative prompt, shot size and seed");
  await session.click("inspector-tab-shot");
  await session.click("shot-card-1");
  await session.waitFor("shot 2 selected", async () => (await body("shotIndex")) === "1");
  await setField("shot-negative", "blurry, extra fingers");
  await setField("shot-size", "medium");
  await setField("shot-seed", 4242);
  await session.waitFor("the edits", async () =>
    (await body("shotNegatives")) === "|blurry, extra fingers||" &&
    (await body("shotSizes")) === "extreme-long|medium|medium|close-up" &&
    (await body("shotSeeds")) === "0|4242|0|0");
  await session.click("shot-seed-new");
  await session.waitFor("a new seed", async () => (await body("shotSeeds")).split("|")[1] !== "4242");
  await session.click("undo-button");
  await session.waitFor("the seed back", async () => (await body("shotSeeds")) === "0|4242|0|0");

  step("a subject from a picture, linked to two shots, renamed");
  // The library sits at the foot of the scrolling inspector: bring a button to the middle of
  // the view before clicking it (WebKitWebDriver refuses a button cut off by the edge).
  const clickInView = async (testid) => {
    await session.exec(`document.querySelector('[data-testid="${testid}"]').scrollIntoView({ block: "center" });`);
    await session.click(testid);
  };
  await clickInView("subject-add");
  await session.waitFor("a subject", async () => (await body("subjectCount")) === "1");
  await clickInView("subject-link-0");
  await session.click("shot-card-3");
  await session.waitFor("shot 4 selected", async () => (await body("shotIndex")) === "3");
  await clickInView("subject-link-0");
  await session.waitFor("linked to shots 2 and 4", async () => (await body("shotSubjects")) === "|Subject 1||Subject 1");
  await setField("subject-name-0", "Mia");
  await session.waitFor("renamed in both shots", async () => (await body("shotSubjects")) === "|Mia||Mia");
  const chip = () =>
    session.exec(`return [...document.querySelectorAll('[data-testid="shot-subject-chip"]')].map((c) => c.innerText.trim()).join(",");`);
  await session.waitFor("shot 4's chip says Mia", async () => (await chip()) === "Mia");
  await session.click("shot-card-1");
  await session.waitFor("shot 2's chip says Mia", async () => (await chip()) === "Mia");
  const cards = () =>
    session.exec(`return [...document.querySelectorAll('[data-testid="card-subject"]')].map((c) => c.innerText.trim()).join(",");`);
  await session.waitFor("the cards of shots 2 and 4 say Mia", async () => (await cards()) === "Mia,Mia");
  await session.exec(`document.querySelector('[data-testid="shot-settings"]').scrollIntoView();`);
  await sleep(500); // let the subject's thumbnail arrive for the screenshot
  writeFileSync(join(outDir, "app-script.png"), await session.screenshot());
}, { MOTIONBOARD_DATA_DIR: join(work, "data-script") });
// 7. The timeline: three shots over a click track; its beats detected and drawn, the cuts
// snapped to them (one undoable edit), the sequence played with Space and J/K/L, the ruler
// clicked to scrub. A fresh data folder, so nothing of the scenarios above is recovered.
const clicks = join(work, "clicks.wav");
// 12 s of clicks at 120 BPM (a 10 ms 1 kHz burst every 0.5 s), mono at 44.1 kHz.
execFileSync("ffmpeg", [
  "-v", "error", "-f", "lavfi",
  "-i", "aevalsrc=exprs='if(lt(mod(t,0.5),0.01),0.8*sin(2*PI*1000*t),0)':s=44100:d=12",
  clicks,
]);
await withApp("en-US", async () => {
  step("timeline: three shots of 1.7, 2.2 and 2 s");
  await session.waitFor("one shot", async () => (await body("shotCount")) === "1");
  await session.click("import-button");
  await session.waitFor("picture 1", async () => (await body("shotsWithImage")) === "1");
  await setField("duration-input", 1.7);
  for (const [n, seconds] of [[2, 2.2], [3, 2]]) {
    await session.click("shot-add");
    await session.waitFor(`shot ${n}`, async () => (await body("shotCount")) === String(n));
    await session.click("import-button");
    await session.waitFor(`picture ${n}`, async () => (await body("shotsWithImage")) === String(n));
    await setField("duration-input", seconds);
  }
  await session.waitFor("cuts at 1.7 and 3.9 s", async () => (await body("cutTimes")) === "1.700|3.900");

  step("add the click track and detect its beats");
  await session.click("audio-add");
  await session.waitFor("an audio clip", async () => (await body("audioCount")) === "1");
  await session.waitFor("the beats button", () => session.find("audio-beats"));
  await session.click("audio-beats");
  await session.waitFor("beat markers", async () => Number(await body("beatCount")) >= 20);
  const markers = await session.exec(`return document.querySelectorAll('[data-testid="beat-marker"]').length;`);
  assert.ok(markers >= 10, `beat markers drawn on the ruler: ${markers}`);

  step("snap the cuts to the beats: one undoable edit");
  await session.click("snap-beats");
  await session.waitFor("cuts on beats", async () => (await body("cutTimes")) === "1.500|3.500");
  await session.click("undo-button");
  await session.waitFor("undone at once", async () => (await body("cutTimes")) === "1.700|3.900");
  await session.click("redo-button");
  await session.waitFor("redone", async () => (await body("cutTimes")) === "1.500|3.500");

  step("click the ruler's start: the stage shows the sequence");
  const ruler = await session.rect("timeline-ruler");
  const ry = ruler.y + ruler.height / 2;
  await session.drag([[ruler.x + 13, ry], [ruler.x + 13, ry]]);
  await session.waitFor("the sequence on the stage", async () => (await body("stageMode")) === "sequence");
  assert.ok(Number(await body("playhead")) < 0.05, `the playhead is at the start: ${await body("playhead")}`);
  await session.waitFor("a sequence frame", async () => Number(await body("sequenceFrames")) > 0);

  step("play for about two seconds with Space");
  await session.chord([], " ");
  await session.waitFor("playing", async () => (await body("playing")) === "true");
  await sleep(2000);
  const fps = await body("sequenceFps");
  await session.chord([], " ");
  await session.waitFor("paused", async () => (await body("playing")) === "false");
  const at = Number(await body("playhead"));
  assert.ok(at > 1.4 && at < 3.5, `the playhead advanced about two seconds: ${at}`);
  const sound = await body("playbackSound");
  if (sound === "unavailable") {
    assert.match(await session.text("playback-unavailable"), /Playback unavailable/);
  }
  console.log(`e2e: played to ${at} s; sound: ${sound}; sequence preview ${fps} fps while playing`);

  step("L twice plays at double speed, K pauses");
  await session.chord([], "l");
  await session.chord([], "l");
  await session.waitFor("2x", async () => /2/.test(await session.text("timeline-speed")));
  await session.chord([], "k");
  await session.waitFor("paused by K", async () => (await body("playing")) === "false");

  step("scrub: click the ruler at 4.2 s");
  const pps = Number(await body("timelinePps"));
  const scroll = Number(await body("timelineScroll"));
  const x = ruler.x + 12 + 4.2 * pps - scroll;
  const framesBefore = Number(await body("sequenceFrames"));
  await session.drag([[x, ry], [x, ry]]);
  await session.waitFor("the playhead at 4.2 s", async () => Math.abs(Number(await body("playhead")) - 4.2) < 1 / pps + 0.01);
  await session.waitFor("its frame", async () => Number(await body("sequenceFrames")) > framesBefore);
  await sleep(300);
  writeFileSync(join(outDir, "app-timeline.png"), await session.screenshot());
}, { MOTIONBOARD_DATA_DIR: join(work, "data-timeline"), MOTIONBOARD_TEST_PICK_AUDIO: clicks });

// 8. Generating a shot with the video model: the committed tiny Wan2.2 TI2V package (random
// weights in the real layout) in the models folder is found ready in the Models panel; an
// image-to-video shot at 96x32, 5 frames, 3 steps, with a drawn path, is generated with live
// step previews, its result recorded in the shot, and exported. The engine runs on the CPU
// (flex) unless MOTIONBOARD_ENGINE_DEVICE says otherwise (wgpu runs on lavapipe here).
const generateData = join(work, "data-generate");
const generatedMp4 = join(work, "generated.mp4");
cpSync(join(here, "..", "..", "models", "fixtures", "wan_tiny_ti2v"), join(generateData, "models", "wan_tiny_ti2v"), {
  recursive: true,
});
await withApp("en-US", async () => {
  step("the Models panel finds the tiny package ready");
  await session.click("models-button");
  await session.waitFor("the models panel", () => session.find("models-panel"));
  const readyPackage = () =>
    session.exec(`return !!document.querySelector('[data-testid="model-package"][data-id="local:wan_tiny_ti2v"][data-ready="true"]');`);
  await session.waitFor("wan_tiny_ti2v ready", readyPackage);
  writeFileSync(join(outDir, "app-models.png"), await session.screenshot());
  await session.click("models-close");

  step("import a picture; image-to-video at 96x32, 5 frames, 3 steps");
  await session.click("import-button");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  await session.click("inspector-tab-generate");
  await setField("gen-engine", "wan-image-to-video");
  await session.waitFor("the model settings", () => session.find("gen-steps"));
  await setField("gen-steps", 3);
  // Time-to-Move from the first step (the whole frame denoised from noise at step 0; inside the
  // path's brush the warp is followed until step 2), so every one of the 3 steps runs.
  await setField("gen-t-weak", 0);
  await setField("gen-t-strong", 2);
  await session.click("gen-advanced");
  await session.waitFor("the advanced settings", () => session.find("gen-width"));
  await setField("gen-width", 96);
  await setField("gen-height", 32);
  await setField("gen-frames", 5);
  await session.waitFor("needs generating", async () => (await body("generateStatus")) === "needs_generating", 60000);

  step("draw a path");
  await session.click("tool-path");
  const r = await session.rect("stage-canvas");
  const cx = r.x + r.width / 2;
  const cy = r.y + r.height / 2;
  await session.drag([
    [cx - 80, cy],
    [cx - 20, cy - 10],
    [cx + 40, cy - 10],
    [cx + 100, cy],
  ]);
  await session.waitFor("one path", async () => (await body("pathCount")) === "1");

  step("generate: step previews arrive, then the result");
  await session.click("generate-button");
  await session.waitFor("a step preview", async () => Number(await body("generatePreviews")) >= 1, 180000);
  await session.waitFor("shot 1's result", async () => (await body("shot1Result")) !== "", 180000);
  const previews = Number(await body("generatePreviews"));
  assert.equal(previews, 3, "one preview per step");
  const saved = readdirSync(join(generateData, "Untitled"))
    .map((d) => join(generateData, "Untitled", d, "project.json"))
    .filter((p) => existsSync(p))
    .map((p) => JSON.parse(readFileSync(p, "utf8")).shots[0].generation)
    .find((g) => g && g.engine === "wan-image-to-video");
  assert.deepEqual(
    saved && [saved.steps, saved.t_weak, saved.t_strong, saved.size, saved.frames],
    [3, 0, 2, [96, 32], 5],
    "the settings typed in the inspector were saved before the job ran",
  );
  const key = await body("shot1Result");
  const untitled = join(generateData, "Untitled");
  const clip = readdirSync(untitled)
    .map((d) => join(untitled, d, "cache", "generated", key, "clip.json"))
    .find((p) => existsSync(p));
  assert.ok(clip, `the clip ${key} is in the project's cache`);
  const info = JSON.parse(readFileSync(clip, "utf8"));
  assert.deepEqual([info.width, info.height, info.frames], [96, 32, 5]);
  await session.waitFor("up to date", async () => (await body("generateStatus")) === "up_to_date", 60000);
  await session.waitFor("the generated frames on the stage", () =>
    session.exec(`return document.querySelector('[data-testid="generated-view"]')?.dataset.mode === "result";`),
  );
  await session.waitFor("the card marked generated", () =>
    session.exec(`return document.querySelector('[data-testid="generation-badge"]')?.dataset.state === "generated";`),
  );
  await sleep(500);
  writeFileSync(join(outDir, "app-generate.png"), await session.screenshot());

  step("export the generated shot and read it back");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-x");
  await session.click("export-start");
  await session.waitFor("export done", () => session.find("export-done"), 180000);
  const probe = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", generatedMp4]),
  );
  const v = probe.streams.find((s) => s.codec_type === "video");
  assert.equal(v.codec_name, "h264");
  assert.equal(`${v.width}x${v.height}`, "720x1280");
  assert.equal(Number(v.nb_read_frames), 150, "the shot's 5 s at 30 fps");
  await session.click("export-dismiss").catch(() => session.chord([], "\uE00C"));

  step("the Models panel estimates the shot's GPU memory on its package");
  await session.click("models-open");
  await session.waitFor("the memory plan", () => session.find("models-plan"), 60000);
  const plan = await session.exec(`return document.querySelector('[data-testid="models-plan"]').dataset.plan;`);
  assert.equal(plan, "fits", "the tiny package fits any GPU with its text encoder on it");
  assert.match(await session.text("models-memory"), /wan_tiny_ti2v: 96×32, 5 frames/);
}, {
  MOTIONBOARD_DATA_DIR: generateData,
  MOTIONBOARD_TEST_PICK_EXPORT: generatedMp4,
  MOTIONBOARD_ENGINE_DEVICE: process.env.MOTIONBOARD_ENGINE_DEVICE ?? "flex",
  // Only the models folder: never a real Hugging Face cache on the test machine.
  HF_HUB_CACHE: join(generateData, "no-hf-cache"),
});
// Camera keys: two keys from the inspector (the whole picture at the start, a 2x close-up to
// the right at the end), one undoable edit, an export read back by ffprobe and compared with
// the picture by ffmpeg's PSNR (the first frame is the picture, the last is not).
const keysMp4 = join(work, "camera-keys.mp4");
await withApp("en-US", async () => {
  step("camera keys: import, key the start, key the end as a close-up");
  await session.click("import-button");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  await session.waitFor("the camera keys", () => session.find("camera-key-add"));
  await setField("scrub", 0);
  await session.click("camera-key-add");
  await session.waitFor("one key", async () => (await body("cameraKeyCount")) === "1");
  await setField("scrub", 1);
  await session.click("camera-key-add");
  await session.waitFor("two keys", async () => (await body("cameraKeyCount")) === "2");
  await setField("camera-key-zoom-1", 2);
  await setField("camera-key-x-1", 0.7);
  const value = (testid) => session.exec(`return document.querySelector('[data-testid="${testid}"]').value;`);
  await session.waitFor("x 0.7", async () => (await value("camera-key-x-1")) === "0.7");
  step("undo and redo one key edit");
  await session.click("undo-button");
  await session.waitFor("x undone", async () => (await value("camera-key-x-1")) === "0.5");
  assert.equal(await value("camera-key-zoom-1"), "2", "only the last edit is undone");
  await session.click("redo-button");
  await session.waitFor("x redone", async () => (await value("camera-key-x-1")) === "0.7");
  await session.exec(`document.querySelector('[data-testid="camera-keys"]').scrollIntoView({ block: "end" });`);
  await sleep(300);
  writeFileSync(join(outDir, "app-camera-keys.png"), await session.screenshot());

  step("export at the picture's size and read it back");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-original");
  await session.click("export-start");
  await session.waitFor("export done", () => session.find("export-done"), 180000);
  const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", keysMp4]));
  const v = probe.streams.find((s) => s.codec_type === "video");
  assert.equal(v.codec_name, "h264");
  assert.equal(`${v.width}x${v.height}`, "800x600");
  assert.equal(Number(v.nb_read_frames), 150, "the shot's 5 s at 30 fps");
  // ffmpeg's psnr filter reports on stderr: "... average:31.2 ...".
  const db = (frame) => {
    const graph = `[0:v]select=eq(n\\,${frame}),format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr`;
    const run = spawnSync("ffmpeg", ["-v", "info", "-nostats", "-i", keysMp4, "-i", picture, "-lavfi", graph, "-f", "null", "-"], {
      encoding: "utf8",
    });
    const log = `${run.stderr ?? ""}`;
    const m = /average:([0-9.]+|inf)/.exec(log);
    assert.ok(m, `no PSNR for frame ${frame}: ${log.slice(-400)}`);
    return m[1] === "inf" ? Infinity : Number(m[1]);
  };
  const first = db(0);
  const last = db(149);
  step(`PSNR against the picture: first frame ${first} dB, last frame ${last} dB`);
  assert.ok(first > 28, `the first key is the whole picture (PSNR ${first} dB)`);
  assert.ok(last < 20, `the last key is a close-up, not the picture (PSNR ${last} dB)`);
  // Its own data folder: the default one would reopen the earlier scenarios' story.
}, { MOTIONBOARD_TEST_PICK_EXPORT: keysMp4, MOTIONBOARD_DATA_DIR: join(work, "data-keys") });
// The stage at 1280x800: one clock and one play control, the export frame of the chosen
// format on the stage with its safe area, a shot's crop dragged with the Frame tool and
// kept by the export (read back by ffprobe and compared with the picture's right side by
// its mean colour), a small picture flagged as soft, panels that resize and collapse.
const framedMp4 = join(work, "framed.mp4");
const halves = join(work, "halves.png");
// 640x240, left half red, right half blue: a 9:16 frame dragged to the right keeps blue.
execFileSync("ffmpeg", [
  "-v", "error", "-f", "lavfi", "-i", "color=c=0xd02020:s=320x240,format=rgb24",
  "-f", "lavfi", "-i", "color=c=0x2020d0:s=320x240,format=rgb24",
  "-filter_complex", "[0][1]hstack", "-frames:v", "1", halves,
]);
await withApp("en-US", async () => {
  await session.setWindowSize(1280, 800);
  await session.waitFor("a 1280x800 window", async () => (await session.exec("return window.innerWidth;")) <= 1280);
  step("a new project shows a play button, not a pressed pause");
  const play = () => session.exec(`return document.querySelector('[data-testid="timeline-play"]').getAttribute("aria-label");`);
  assert.match(await play(), /^Play/, "a play button, not a pressed pause");
  assert.equal(await session.exec(`return document.querySelectorAll('[data-testid="play-toggle"]').length;`), 0, "one play control");

  step("import a picture and choose X (720x1280): the stage shows the 9:16 frame");
  await session.click("import-button");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  await setField("duration-input", 2);
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-x");
  await session.click("fit-crop");
  await session.waitFor("the framing preview", () => session.find("export-framing"));
  await session.click("export-dismiss");
  await session.waitFor("the frame size on the stage", async () => /720×1280/.test(await session.text("frame-notes")));

  step("drag the frame to the picture's right edge with the Frame tool");
  await session.click("tool-frame");
  const r = await session.rect("stage-canvas");
  const cy = r.y + r.height / 2;
  await session.drag([[r.x + r.width / 2, cy], [r.x + r.width / 2 + 40, cy], [r.x + r.width - 2, cy]]);
  await session.waitFor("the crop moved right", async () => Number((await body("shotCrops")).split(",")[0]) > 0.6);
  await sleep(300);
  writeFileSync(join(outDir, "app-frame.png"), await session.screenshot());

  step("the export keeps the right side (blue), at 720x1280, read back by ffprobe");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("export-start");
  await session.waitFor("export done", () => session.find("export-done"), 240000);
  const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", framedMp4]));
  const v = probe.streams.find((s) => s.codec_type === "video");
  assert.equal(v.codec_name, "h264");
  assert.equal(`${v.width}x${v.height}`, "720x1280");
  assert.equal(Number(v.nb_read_frames), 60, "2 s at 30 fps");
  const rgb = execFileSync("ffmpeg", ["-v", "error", "-i", framedMp4, "-vf", "select=eq(n\\,30),scale=1:1", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
  assert.ok(rgb[2] > 150 && rgb[0] < 90, `the exported frame is the picture's blue right side: rgb(${[...rgb].join(",")})`);
  await session.click("export-dismiss");

  step("a second shot: Space plays the sequence, and the stage and timeline agree");
  await session.click("shot-add");
  await session.waitFor("two shots", async () => (await body("shotCount")) === "2");
  await session.click("import-button");
  await session.waitFor("picture 2", async () => (await body("shotsWithImage")) === "2");
  await session.exec("document.activeElement && document.activeElement.blur();");
  await session.chord([], " ");
  await session.waitFor("the sequence plays", async () => (await body("playing")) === "true" && (await body("stageMode")) === "sequence");
  await sleep(600);
  await session.chord([], " ");
  await session.waitFor("paused", async () => (await body("playing")) === "false");
  const shown = await session.text("timeline-time");
  assert.equal(await session.text("status-time"), shown, "the status bar and the timeline show one time");
  assert.match(shown, /^\d+:\d\d\.\d\d \/ 0:07\.00$/, `m:ss.cc over the 2 + 5 s sequence: ${shown}`);

  step("panels: collapse the timeline and the inspector, then bring them back");
  const stageH = async () => (await session.rect("stage-canvas")).height;
  const before = await stageH();
  await session.click("toggle-timeline");
  await session.waitFor("a taller stage", async () => (await stageH()) > before + 80);
  await session.click("toggle-inspector");
  await session.waitFor("no inspector", async () => !(await session.exec(`return !!document.querySelector('[data-testid="inspector-panel"]');`)));
  await session.click("toggle-inspector");
  await session.click("toggle-timeline");
  await session.waitFor("the timeline back", async () => Math.abs((await stageH()) - before) < 4);
  await session.click("stage-shot");
  await sleep(300);
  writeFileSync(join(outDir, "app-1280x800.png"), await session.screenshot());
}, {
  MOTIONBOARD_DATA_DIR: join(work, "data-frame"),
  MOTIONBOARD_TEST_PICK_IMAGE: halves,
  MOTIONBOARD_TEST_PICK_EXPORT: framedMp4,
});

// Where generation runs: the status bar names the device. This machine's only GPU is Mesa's
// lavapipe (a software rasterizer) or none, so the app says it generates on the CPU and why.
await withApp("en-US", async () => {
  step("the status bar says where generation runs");
  await session.waitFor("the engine line", () => session.find("status-engine"), 60000);
  // The line may be cut with an ellipsis in the status bar: read its whole text.
  const line = await session.exec(`return document.querySelector('[data-testid="status-engine"]').textContent.trim();`);
  step(`engine line: ${line}`);
  assert.match(line, /^(GPU: .+, (Vulkan|Metal|DirectX 12|OpenGL) \((WGSL|SPIR-V|MSL)\), f(16|32), |CPU)/);
  if (/llvmpipe|lavapipe/i.test(line)) {
    assert.match(line, /^CPU: the only GPU, .* is a software rasterizer, slower than the CPU/);
  }
}, { MOTIONBOARD_ENGINE_DEVICE: "" });
// Pictures as a phone makes them, and clips that play by the shot's engine.
// (a) A JPEG stored sideways with EXIF orientation 6 imports upright: the export at the
// picture's size is portrait and matches the picture turned clockwise. (b) The same JPEG cut
// to a third is not imported silently: a notice says what decoded and offers to import it
// anyway; dismissing it leaves the project as it was. (c) A shot with a generated clip that
// is out of date: the card is marked, the export refuses naming the shot, on the warp engine
// the clip does not play, and "Discard generated clip" lets the warp engine's frames export.
const exifJpeg = join(work, "sideways.jpg");
const cutJpeg = join(work, "cut.jpg");
const uprightPng = join(work, "upright.png");
const orientedMp4 = join(work, "oriented.mp4");
{
  const plain = join(work, "plain.jpg");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-i", picture, "-q:v", "2", plain]);
  const jpeg = readFileSync(plain);
  // APP1 "Exif": a little-endian TIFF header with one IFD entry, 0x0112 orientation = 6.
  const tiff = Buffer.from([
    0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  ]);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "binary"), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length + 2);
  const withExif = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, payload, jpeg.subarray(2)]);
  writeFileSync(exifJpeg, withExif);
  writeFileSync(cutJpeg, withExif.subarray(0, Math.floor(withExif.length / 3)));
  execFileSync("ffmpeg", ["-v", "error", "-y", "-i", plain, "-vf", "transpose=1", uprightPng]);
}
/** ffmpeg's PSNR of frame `frame` of `video` against `still`. */
const psnr = (video, frame, still) => {
  const graph = `[0:v]select=eq(n\\,${frame}),format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr`;
  const run = spawnSync("ffmpeg", ["-v", "info", "-nostats", "-i", video, "-i", still, "-lavfi", graph, "-f", "null", "-"], {
    encoding: "utf8",
  });
  const m = /average:([0-9.]+|inf)/.exec(`${run.stderr ?? ""}`);
  assert.ok(m, `no PSNR for frame ${frame} of ${video}`);
  return m[1] === "inf" ? Infinity : Number(m[1]);
};
const exportOriginal = async () => {
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-original");
  await session.click("export-start");
  await session.waitFor("export done or refused", async () =>
    session.exec(`return !!document.querySelector('[data-testid="export-done"], [data-testid="export-error"]');`), 180000);
  const error = await session.exec(`return document.querySelector('[data-testid="export-error"]')?.innerText ?? null;`);
  await session.click("export-dismiss").catch(() => session.chord([], "\uE00C"));
  return error;
};
const videoSize = (file) => {
  const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", file]));
  const v = probe.streams.find((s) => s.codec_type === "video");
  return `${v.width}x${v.height}`;
};

await withApp("en-US", async () => {
  step("EXIF orientation 6: the picture imports upright");
  await session.click("import-button");
  await session.waitFor("the picture", async () => (await body("imageLoaded")) === "true");
  assert.equal(await exportOriginal(), null);
  assert.equal(videoSize(orientedMp4), "600x800", "portrait, as the phone meant it");
  const db = psnr(orientedMp4, 0, uprightPng);
  step(`PSNR against the picture turned upright: ${db} dB`);
  assert.ok(db > 25, `the first frame is the upright picture (PSNR ${db} dB)`);
}, { MOTIONBOARD_TEST_PICK_IMAGE: exifJpeg, MOTIONBOARD_TEST_PICK_EXPORT: orientedMp4, MOTIONBOARD_DATA_DIR: join(work, "data-exif") });

await withApp("en-US", async () => {
  // Files in the assets folders of the projects under the scenario's data folder.
  const assets = (dir = join(work, "data-cut")) =>
    !existsSync(dir)
      ? []
      : readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? assets(join(dir, e.name)) : basename(dir) === "assets" ? [e.name] : [],
        );
  const damagedNotice = () =>
    session.exec(`return [...document.querySelectorAll('[data-testid="notice"] .notice')]
      .map((n) => n.innerText).find((t) => /cut\\.jpg is damaged/.test(t) && /decoded \\d+ of 600 rows/.test(t)) ?? null;`);
  const nothingImported = async () => {
    assert.notEqual(await body("imageLoaded"), "true", "no picture on the stage");
    assert.equal(await body("shotsWithImage"), "0", "no shot has the picture");
    assert.equal(await body("dirty"), "false", "the project is unchanged");
    assert.deepEqual(assets(), [], "nothing copied into the project");
  };

  step("a JPEG cut to a third: the app says it is damaged and what decoded, and imports nothing");
  await session.click("import-button");
  const text = await session.waitFor("the damaged-picture notice", damagedNotice, 30000);
  step(`notice: ${text.replace(/\s+/g, " ")}`);
  // A third of the file holds about a third of the rows (the decoder stops at a whole block row).
  const decoded = Number(/decoded (\d+) of 600 rows/.exec(text)[1]);
  assert.ok(decoded > 100 && decoded < 400, `about a third of the rows decoded (${decoded})`);
  await nothingImported();

  step("dismissing the notice leaves the project as it was");
  await session.click("notice-dismiss");
  await session.waitFor("the notice gone", async () => (await damagedNotice()) === null);
  await sleep(500);
  await nothingImported();

  step("Import anyway imports what decoded");
  await session.click("import-button");
  await session.waitFor("the notice again", damagedNotice, 30000);
  writeFileSync(join(outDir, "app-damaged-picture.png"), await session.screenshot());
  await session.click("notice-action");
  await session.waitFor("imported anyway", async () => (await body("imageLoaded")) === "true");
  assert.equal(await body("shotsWithImage"), "1");
  await session.waitFor("the picture in the project", () => assets().length === 1);
}, { MOTIONBOARD_TEST_PICK_IMAGE: cutJpeg, MOTIONBOARD_DATA_DIR: join(work, "data-cut") });


// A saved project whose one shot has an image-to-video clip (solid red frames) recorded with
// another shot's recipe: out of date as it opens.
const clipProject = join(work, "clip project");
const clipMp4 = join(work, "clip.mp4");
{
  const key = "ab".repeat(32);
  const clipDir = join(clipProject, "cache", "generated", key);
  mkdirSync(join(clipProject, "assets"), { recursive: true });
  mkdirSync(clipDir, { recursive: true });
  cpSync(picture, join(clipProject, "assets", "0123456789abcdef0123456789abcdef.png"));
  for (let i = 0; i < 5; i++) {
    execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=red:size=800x600", "-frames:v", "1", join(clipDir, `frame_000${i}.png`)]);
  }
  writeFileSync(join(clipDir, "clip.json"), JSON.stringify({ width: 800, height: 600, frames: 5, fps: 16, recipe: "0".repeat(64) }));
  const shot = {
    id: "shot-1", name: "Harbour", source: "image", image: "assets/0123456789abcdef0123456789abcdef.png",
    image_size: [800, 600], seconds: 2, motion: { paths: [], statics: [] }, prompt: "boats at dawn",
    generation: { engine: "wan-image-to-video" }, result: key,
  };
  writeFileSync(join(clipProject, "project.json"), JSON.stringify({ schema_version: 2, name: "clip project", shots: [shot] }));
}
await withApp("en-US", async () => {
  step("open a project whose generated clip is out of date");
  await session.click("open-button");
  const badge = () => session.exec(`return document.querySelector('[data-testid="generation-badge"]')?.dataset.state ?? null;`);
  await session.waitFor("the card marked out of date", async () => (await badge()) === "stale", 30000);
  await session.waitFor("the Generate section says so", () =>
    session.exec(`return document.querySelector('[data-testid="gen-clip-state"]')?.dataset.state === "out-of-date";`),
  );
  step("the export refuses it, naming the shot");
  const refused = await exportOriginal();
  assert.match(refused ?? "", /shot 1 \("Harbour"\): its generated clip is out of date/);
  assert.ok(!existsSync(clipMp4), "nothing written");

  step("on the warp engine the clip does not play");
  await setField("gen-engine", "warp");
  await session.waitFor("no AI badge", async () => (await badge()) === null);
  await session.waitFor("the clip kept but unused", () =>
    session.exec(`return document.querySelector('[data-testid="gen-clip-state"]')?.dataset.state === "unused";`),
  );
  await session.click("undo-button");
  await session.waitFor("the badge back", async () => (await badge()) === "stale");

  step("discard the clip: the warp engine's frames export");
  await session.click("inspector-tab-generate");
  await session.click("generate-discard");
  await session.waitFor("no AI badge", async () => (await badge()) === null);
  await session.waitFor("saved without the result", () => !JSON.parse(readFileSync(join(clipProject, "project.json"), "utf8")).shots[0].result);
  assert.equal(await exportOriginal(), null);
  assert.equal(videoSize(clipMp4), "800x600");
  const db = psnr(clipMp4, 0, picture);
  step(`PSNR of the export against the picture: ${db} dB`);
  assert.ok(db > 25, `the picture plays, not the red clip (PSNR ${db} dB)`);
  writeFileSync(join(outDir, "app-discard-clip.png"), await session.screenshot());
}, {
  MOTIONBOARD_TEST_PICK_FOLDER: clipProject,
  MOTIONBOARD_TEST_PICK_EXPORT: clipMp4,
  MOTIONBOARD_DATA_DIR: join(work, "data-clip"),
  // No model is needed: the status check finds none, on the CPU, at once.
  MOTIONBOARD_ENGINE_DEVICE: "flex",
  HF_HUB_CACHE: join(work, "data-clip", "no-hf-cache"),
});
// The Models panel installs a starter set from a mirror the creator sets: a local Hub-like
// server (HF's `/<repo>/resolve/<revision>/<file>` paths, sha256 in X-Linked-Etag) serves the
// committed tiny ComfyUI-layout set, which a catalog file (MOTIONBOARD_CATALOG) offers as a
// starter set. A mirror over plain http to another host is refused; the local one is taken,
// the set downloads, is verified, and shows as ready.
const mirrorData = join(work, "data-mirror");
const tinySet = join(here, "..", "..", "models", "fixtures", "wan_tiny_t2v_comfy");
const tinyRepo = "Motionboard-Test/Wan_tiny_ComfyUI_repackaged";
const tinyFiles = [
  ["dit", "diffusion_models/wan_tiny_t2v_fp16.safetensors"],
  ["vae", "vae/wan_tiny_vae.safetensors"],
  ["text_encoder", "text_encoders/umt5_tiny_fp8_e4m3fn_scaled.safetensors"],
].map(([role, file]) => ({ role, file, repo_path: `split_files/${file}`, bytes: readFileSync(join(tinySet, file)).length }));
const catalogFile = join(work, "tiny-catalog.json");
writeFileSync(
  catalogFile,
  JSON.stringify({
    packages: [
      {
        id: "wan-tiny-t2v-starter",
        name: "Tiny Wan2.1 starter (ComfyUI files, fp8 text encoder)",
        version: "wan21",
        files: tinyFiles.map(({ role, repo_path, bytes }) => ({ role, repo: tinyRepo, repo_path, bytes })),
      },
    ],
  }),
);
const served = [];
const hub = createServer((req, res) => {
  const prefix = `/${tinyRepo}/resolve/main/`;
  const path = decodeURIComponent((req.url ?? "").split("?")[0]);
  const wanted = path.startsWith(prefix) && tinyFiles.find((f) => f.repo_path === path.slice(prefix.length));
  if (req.method !== "GET" || !wanted) {
    res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
    return;
  }
  served.push(wanted.file);
  const bytes = readFileSync(join(tinySet, wanted.file));
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": bytes.length,
    "x-linked-size": bytes.length,
    "x-linked-etag": `"${createHash("sha256").update(bytes).digest("hex")}"`,
  });
  res.end(bytes);
});
await new Promise((resolve) => hub.listen(0, "127.0.0.1", resolve));
const mirrorUrl = `http://127.0.0.1:${hub.address().port}`;
await withApp("en-US", async () => {
  step("the Models panel lists the starter set, not installed");
  await session.click("models-button");
  await session.waitFor("the models panel", () => session.find("models-panel"));
  const row = `[data-testid="model-package"][data-id="wan-tiny-t2v-starter"]`;
  await session.waitFor("the starter set listed", () => session.exec(`return !!document.querySelector('${row}');`));
  assert.equal(await session.exec(`return document.querySelector('${row}').dataset.ready;`), "false");

  step("a plain-http mirror on another host is refused");
  await setField("models-mirror", "http://hf-mirror.example.com");
  await session.click("models-save-mirror");
  await session.waitFor("the reason", () => session.find("models-mirror-error"));
  assert.match(await session.text("models-mirror-error"), /must use https:\/\/, except one on this computer/);
  const panelMirror = () => session.exec(`return document.querySelector('[data-testid="models-panel"]').dataset.mirror;`);
  assert.equal(await panelMirror(), "", "nothing saved");

  step(`the local mirror ${mirrorUrl} is taken and the set downloads from it`);
  await setField("models-mirror", `${mirrorUrl}/`);
  await session.click("models-save-mirror");
  await session.waitFor("the mirror saved", async () => (await panelMirror()) === mirrorUrl);
  assert.equal(JSON.parse(readFileSync(join(mirrorData, "models.json"), "utf8")).download_mirror, mirrorUrl);
  await session.exec(`document.querySelector('${row} [data-testid="model-download"]').click();`);
  await session.waitFor("the set ready", () => session.exec(`return document.querySelector('${row}')?.dataset.ready === "true";`), 60000);
  assert.deepEqual([...served].sort(), tinyFiles.map((f) => f.file).sort(), "each file fetched once from the mirror");
  for (const { file } of tinyFiles) assert.ok(existsSync(join(mirrorData, "models", file)), `${file} installed`);
  await sleep(300);
  writeFileSync(join(outDir, "app-models-mirror.png"), await session.screenshot());
}, {
  MOTIONBOARD_DATA_DIR: mirrorData,
  MOTIONBOARD_CATALOG: catalogFile,
  MOTIONBOARD_ENGINE_DEVICE: "flex",
  HF_HUB_CACHE: join(mirrorData, "no-hf-cache"),
});
hub.close();

// The README's screenshots, on a real photo (tests/fixtures/chelsea.jpg, CC0): a three-shot
// story with a motion path and a sound, each inspector tab, the export dialog for TikTok, and
// the same window in Chinese. Written to tests/out/readme-*.png.
const photo = join(here, "..", "fixtures", "chelsea.jpg");
await withApp("en-US", async () => {
  step("README: a three-shot story on a photo");
  for (let i = 0; i < 3; i++) {
    if (i > 0) await session.click("shot-add");
    await session.click("import-button");
    await session.waitFor(`picture ${i + 1}`, async () => (await body("shotsWithImage")) === String(i + 1));
  }
  await session.click("audio-add");
  await session.waitFor("the sound", async () => (await body("audioCount")) === "1");
  await session.click("shot-card-0");
  await session.click("tool-path");
  const r = await session.rect("stage-canvas");
  const [cx, cy] = [r.x + r.width / 2, r.y + r.height / 2];
  await session.drag([
    [cx - 60, cy + 40],
    [cx - 20, cy + 10],
    [cx + 30, cy - 10],
    [cx + 80, cy - 30],
  ]);
  await session.waitFor("one path", async () => (await body("pathCount")) === "1");
  await sleep(1500);
  writeFileSync(join(outDir, "readme-story.png"), await session.screenshot());
  for (const tab of ["shot", "generate"]) {
    await session.click(`inspector-tab-${tab}`);
    await sleep(500);
    writeFileSync(join(outDir, `readme-inspector-${tab}.png`), await session.screenshot());
  }
  await session.click("inspector-tab-motion");
  step("README: the export dialog for TikTok");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-tiktok");
  await sleep(800);
  writeFileSync(join(outDir, "readme-export.png"), await session.screenshot());
  await session.click("export-close");
  step("README: the window in Chinese");
  await session.exec(`const s = document.querySelector('[data-testid="language-select"]');
    s.value = "zh-CN"; s.dispatchEvent(new Event("change", { bubbles: true }));`);
  await session.waitFor("Chinese labels", async () => /导入/.test(await importLabel()));
  await sleep(800);
  writeFileSync(join(outDir, "readme-zh.png"), await session.screenshot());
}, { MOTIONBOARD_TEST_PICK_IMAGE: photo, MOTIONBOARD_DATA_DIR: join(work, "data-readme") });

if (process.exitCode) process.exit(process.exitCode);
console.log("e2e: passed");
