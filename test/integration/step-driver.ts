// The shape of the one-shot *-driver.ts programs a test bundles and runs
// inside its throwaway host: a JSON list of steps on stdin, the answers as
// JSON on stdout; a crash prints its stack on stderr and exits 1.
export function driveSteps<S, R>(run: (steps: S[]) => Promise<R[]>): void {
  void (async () => {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return run(JSON.parse(text) as S[]);
  })().then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e) => {
      process.stderr.write(String((e as Error).stack ?? e));
      process.exit(1);
    },
  );
}
