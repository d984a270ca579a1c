// How fast the app's window is up: from the process's start (the kernel's clock) to the
// webview's page start, its first contentful paint and the first project open (body
// data-ready, seen by polling every 200 ms), over three launches.
//
// MOTIONBOARD_APP=<built app> xvfb-run -a -s "-screen 0 1600x1000x24" node tests/app/launch.mjs
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, sleep } from "./webdriver.mjs";
const app = process.env.MOTIONBOARD_APP;
const port = Number(process.env.MOTIONBOARD_E2E_PORT ?? 4444);
const btime = Number(/btime (\d+)/.exec(readFileSync("/proc/stat", "utf8"))[1]);
// Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux).
const HZ = 100;
for (let run = 0; run < 3; run++) {
  const work = mkdtempSync(join(tmpdir(), "launch-"));
  const env = { ...process.env, MOTIONBOARD_DATA_DIR: join(work, "d"), XDG_DATA_HOME: join(work, "1"), XDG_CONFIG_HOME: join(work, "2"), XDG_CACHE_HOME: join(work, "3"), MOTIONBOARD_LOCALE: "en-US" };
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], { env, stdio: "ignore" });
  const session = await Session.start(`http://127.0.0.1:${port}`, app);
  await session.waitFor("ready", async () => (await session.exec("return document.body.dataset.ready ?? null")) === "true", 60000);
  const readyWall = Date.now();
  const t = await session.exec(`const p = performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]);
    return { origin: performance.timeOrigin, paints: p, now: performance.now() };`);
  // The app: the driver's descendant running `app`.
  const want = realpathSync(app);
  let pid = null; const q = [driver.pid];
  while (q.length && !pid) { const p = q.shift(); for (const c of spawnSync("pgrep", ["-P", String(p)], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number)) { try { if (realpathSync(`/proc/${c}/exe`) === want) pid = c; } catch {} q.push(c); } }
  const start = (btime + Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[19]) / HZ) * 1000;
  const fcp = t.paints.find(([n]) => n === "first-contentful-paint")?.[1];
  console.log(`run ${run + 1}: webview page start ${Math.round(t.origin - start)} ms after launch; first contentful paint ${fcp === undefined ? "n/a" : Math.round(t.origin + fcp - start) + " ms"}; ready seen ${Math.round(readyWall - start)} ms`);
  await session.end(); driver.kill(); await sleep(1000);
}
