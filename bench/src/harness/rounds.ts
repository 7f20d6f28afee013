/**
 * Runs every contender once per round, in the same order each round (A B C A B C …), so slow drift
 * of a shared machine (other jobs, thermal state) touches every contender alike; medians over the
 * rounds then compare like with like.
 *
 * `parallel` > 1 overlaps runs and so spoils the measurement: only smoke runs, which check that a
 * benchmark works and not how fast, use it to keep the tests short.
 */
export async function inRounds<C>(
  contenders: readonly C[],
  rounds: number,
  runOne: (contender: C, round: number) => Promise<void>,
  parallel = 1,
): Promise<void> {
  const queue: [C, number][] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const contender of contenders) queue.push([contender, round]);
  }
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const [contender, round] = queue[next++]!;
      await runOne(contender, round);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, worker));
}
