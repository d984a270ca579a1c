// The real Motionboard app in a real window (run under Xvfb), driven like a creator would:
// import a picture, draw a motion path with the pointer, undo and redo it, export, and read
// the exported file back with ffprobe.
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
// A colourful, detailed test picture from ffmpeg's pattern generator.
execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", picture]);

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
};
const startDriver = (env) =>
  spawn("tauri-driver", ["--port", String(port)], { env, stdio: ["ignore", "inherit", "inherit"] });

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
 * screenshot and fails the run, and the next scenario still runs. */
async function withApp(locale, scenario) {
  const driver = startDriver({ ...baseEnv, MOTIONBOARD_LOCALE: locale });
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
if (process.exitCode) process.exit(process.exitCode);
console.log("e2e: passed");
