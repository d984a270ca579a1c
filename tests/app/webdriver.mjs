// A minimal W3C WebDriver client (fetch only), enough to drive the real Motionboard window
// through tauri-driver + WebKitWebDriver: find, click, pointer and key actions, scripts,
// screenshots.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
/** The longest one WebDriver command may take (an export or a screenshot on a busy machine
 * takes seconds, not minutes). */
const COMMAND_TIMEOUT_MS = 120000;

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application, timeoutMs = 60000) {
    const started = Date.now();
    for (;;) {
      try {
        const res = await fetch(`${base}/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ capabilities: { alwaysMatch: { "tauri:options": { application } } } }),
        });
        const body = await res.json();
        if (res.ok) return new Session(base, body.value.sessionId);
        throw new Error(JSON.stringify(body.value));
      } catch (err) {
        if (Date.now() - started > timeoutMs) throw new Error(`no WebDriver session: ${err.message}`);
        await sleep(500);
      }
    }
  }

  async cmd(method, path, body) {
    // A command the driver never answers (the page's script blocked, the window gone) fails
    // the scenario, naming the command, instead of waiting forever.
    let res;
    try {
      res = await fetch(`${this.base}/session/${this.id}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
      });
    } catch (err) {
      if (err.name === "TimeoutError") throw new Error(`${method} ${path}: no answer from WebDriver in ${COMMAND_TIMEOUT_MS / 1000} s`);
      throw err;
    }
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }

  async find(testid) {
    const value = await this.cmd("POST", "/element", {
      using: "css selector",
      value: `[data-testid="${testid}"]`,
    });
    if (!value || !value[ELEMENT]) throw new Error(`no element [data-testid="${testid}"]: ${JSON.stringify(value)}`);
    return value[ELEMENT];
  }

  async click(testid) {
    const el = await this.find(testid);
    await this.cmd("POST", `/element/${el}/click`, {});
  }

  async text(testid) {
    return this.cmd("GET", `/element/${await this.find(testid)}/text`);
  }

  async exec(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async rect(testid) {
    return this.cmd("GET", `/element/${await this.find(testid)}/rect`);
  }

  /** Presses at `from`, drags through `via`, releases at the last point (viewport pixels). */
  async drag(points) {
    const [first, ...rest] = points.map(([x, y]) => [Math.round(x), Math.round(y)]);
    const actions = [
      { type: "pointerMove", origin: "viewport", x: first[0], y: first[1], duration: 0 },
      { type: "pointerDown", button: 0 },
      ...rest.map(([x, y]) => ({ type: "pointerMove", origin: "viewport", x, y, duration: 50 })),
      { type: "pointerUp", button: 0 },
    ];
    await this.cmd("POST", "/actions", {
      actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }],
    });
    await this.cmd("DELETE", "/actions");
  }

  /** Presses `key` with the given modifiers held (WebDriver key codes). */
  async chord(modifiers, key) {
    const down = [...modifiers, key].map((value) => ({ type: "keyDown", value }));
    const up = [key, ...modifiers.reverse()].map((value) => ({ type: "keyUp", value }));
    await this.cmd("POST", "/actions", {
      actions: [{ type: "key", id: "keyboard", actions: [...down, ...up] }],
    });
    await this.cmd("DELETE", "/actions");
  }

  /** Sets the window's outer size in CSS pixels (W3C Set Window Rect). */
  async setWindowSize(width, height) {
    return this.cmd("POST", "/window/rect", { width, height });
  }

  /** The whole window. WebKitWebDriver takes it at the page's next paint, and a page where
   * nothing moves (no picture playing, no animation) does not paint again: the request would
   * wait forever. So a transparent pixel in the corner changes a few times first, which
   * paints without changing what the picture shows. */
  async screenshot() {
    await this.exec(`const pixel = document.createElement("div");
      pixel.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647";
      document.body.append(pixel);
      let n = 0;
      const tick = () => {
        pixel.style.backgroundColor = n % 2 ? "rgba(0,0,0,0)" : "rgba(0,0,0,0.004)";
        if (++n < 40) setTimeout(tick, 50);
        else pixel.remove();
      };
      tick();`);
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  async waitFor(what, predicate, timeoutMs = 30000) {
    const started = Date.now();
    for (;;) {
      let last;
      try {
        last = await predicate();
        if (last) return last;
      } catch (err) {
        last = err.message;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what} (last: ${last})`);
      await sleep(200);
    }
  }

  async end() {
    await fetch(`${this.base}/session/${this.id}`, { method: "DELETE", signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS) }).catch(() => {});
  }
}

export const KEY = { CONTROL: "\uE009", SHIFT: "\uE008" };

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
