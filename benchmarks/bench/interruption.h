#ifndef BENCHMARKS_BENCH_INTERRUPTION_H_
#define BENCHMARKS_BENCH_INTERRUPTION_H_

namespace therapy::bench {

// Makes SIGINT and SIGTERM set a flag instead of ending the bench, so a run that is interrupted
// stops its load loops, prints what it measured and stops its child processes. Call once from
// main before any thread starts.
void InstallInterruptionHandler();

// True once SIGINT or SIGTERM arrived. Every load loop checks it.
bool Interrupted();

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_INTERRUPTION_H_
