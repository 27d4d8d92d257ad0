#include "benchmarks/bench/interruption.h"

#include <signal.h>

#include <atomic>

namespace therapy::bench {
namespace {

// The one piece of process-wide state: a signal handler can reach nothing else.
std::atomic<bool> interrupted{false};

void OnSignal(int) { interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

void InstallInterruptionHandler() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool Interrupted() { return interrupted.load(std::memory_order_relaxed); }

}  // namespace therapy::bench
