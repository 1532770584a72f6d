// Runs `task` every `ms`, measured from the end of the previous run, so two
// runs never overlap. The drift check is such a task: it waits in the
// engine's serial queue and, on a loaded machine, can take longer than its
// interval; with a plain setInterval the ticks queued faster than they were
// served and every request (a `doctor`, a `run`) waited behind the backlog.
export function repeatWithoutOverlap(task: () => Promise<void>, ms: number): { stop: () => void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      // a failure is the task's to report (the drift check logs it); the next run still comes
      await task().catch(() => {});
      next();
    }, ms);
  };
  next();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
