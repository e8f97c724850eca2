import type { ViewTimers } from "../report/index.ts";

/** The live view's timers on the real clock; unref'd, so a redraw never keeps the process alive. */
export const systemViewTimers: ViewTimers = {
  every(intervalMs, callback) {
    const timer = setInterval(callback, intervalMs).unref();
    return () => clearInterval(timer);
  },
  after(delayMs, callback) {
    const timer = setTimeout(callback, delayMs).unref();
    return () => clearTimeout(timer);
  },
};
