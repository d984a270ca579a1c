// The real Motionboard app in a real window (run under Xvfb), driven like a creator would:
// import a picture, draw a motion path with the pointer, undo and redo it, export, and read
// the exported file back with ffprobe; then a three-shot story with a trimmed sound clip,
// reordered on the storyboard and exported as one MP4 with sound.
//
// Needs: MOTIONBOARD_APP (the built app), tauri-driver and WebKitWebDriver on PATH, ffmpeg.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
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

const port = 4444;
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
  spawn("tauri-driver", ["--port", String(port)], { env, stdio: ["ignore", "inherit", "inherit"] });
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
async function withApp(locale, scenario, env = {}) {
  const driver = startDriver({ ...baseEnv, MOTIONBOARD_LOCALE: locale, ...env });
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

  step("export for X (720x1280)");
  await session.click("export-button");
  await session.waitFor("export dialog", () => session.find("export-dialog"));
  await session.click("preset-x");
  await session.click("fit-blur");
  writeFileSync(join(outDir, "app-export.png"), await session.screenshot());
  await session.click("export-start");
  await session.waitFor("export done", () => session.find("export-done"), 180000);
  const shown = await session.text("export-done");
  assert.ok(shown.includes("export.mp4"), `export-done shows the path: ${shown}`);

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
  // By process name (the kernel keeps 15 characters of it), not by command line: a wrapper
  // whose arguments mention the app's path must survive.
  execFileSync("pkill", ["-9", "-x", basename(app).slice(0, 15)]);
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
if (process.exitCode) process.exit(process.exitCode);
console.log("e2e: passed");
