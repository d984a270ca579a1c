// The installed app: the .deb that scripts/package.sh makes is unpacked into a temporary
// root (as dpkg would install it, without touching the system), its files are checked, the
// CLI it installs runs, and the installed binary is started under Xvfb through WebDriver to
// its ready state (the first project open). Prints the time from launch to ready.
//
// Needs: MOTIONBOARD_DEB (the package), tauri-driver and WebKitWebDriver on PATH.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { Session, sleep } from "./webdriver.mjs";

const deb = process.env.MOTIONBOARD_DEB;
assert.ok(deb && existsSync(deb), `MOTIONBOARD_DEB must name the package (got ${deb})`);
const work = mkdtempSync(join(tmpdir(), "motionboard-package-"));
const root = join(work, "root");
execFileSync("dpkg-deb", ["-x", deb, root]);
const depends = execFileSync("dpkg-deb", ["-f", deb, "Depends"], { encoding: "utf8" });
assert.match(depends, /libwebkit2gtk-4\.1-0/);
for (const file of [
  "usr/bin/motionboard-app",
  "usr/bin/motionboard",
  "usr/share/applications/motionboard.desktop",
  "usr/share/icons/hicolor/128x128/apps/motionboard.png",
]) {
  assert.ok(existsSync(join(root, file)), `the package installs ${file}`);
}
assert.match(readFileSync(join(root, "usr/share/applications/motionboard.desktop"), "utf8"), /^Exec=motionboard-app$/m);
const help = execFileSync(join(root, "usr/bin/motionboard"), ["--help"], { encoding: "utf8" });
assert.match(help, /animate/, "the installed CLI runs");

const port = Number(process.env.MOTIONBOARD_E2E_PORT ?? 4444);
const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
  env: {
    ...process.env,
    MOTIONBOARD_DATA_DIR: join(work, "data"),
    XDG_DATA_HOME: join(work, "xdg-data"),
    XDG_CONFIG_HOME: join(work, "xdg-config"),
    XDG_CACHE_HOME: join(work, "xdg-cache"),
  },
  stdio: ["ignore", "inherit", "inherit"],
});
let session;
try {
  await sleep(500);
  const launched = performance.now();
  session = await Session.start(`http://127.0.0.1:${port}`, join(root, "usr/bin/motionboard-app"));
  await session.waitFor("the first project", async () =>
    (await session.exec("return document.body.dataset.ready ?? null;")) === "true",
  );
  const ms = Math.round(performance.now() - launched);
  console.log(`package: the installed app is ready ${ms} ms after launch (WebDriver session start included)`);
  console.log("package: passed");
} catch (err) {
  console.error(`package: FAILED: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  if (session) await session.end().catch(() => {});
  driver.kill();
}
