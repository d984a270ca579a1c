// The one way the UI writes a time: minutes, seconds and hundredths, "0:05.00" for five
// seconds and "1:02.50" for a minute and two and a half. Frames are never shown: "0:05:00" read
// as five minutes.

/** `seconds` as m:ss.cc, rounded to the hundredth; negative and non-finite times show as 0. */
export function formatTime(seconds: number): string {
  const cs = Number.isFinite(seconds) ? Math.max(0, Math.round(seconds * 100)) : 0;
  const m = Math.floor(cs / 6000);
  const s = Math.floor(cs / 100) % 60;
  const c = cs % 100;
  return `${m}:${String(s).padStart(2, "0")}.${String(c).padStart(2, "0")}`;
}
