// The fuzz target without libFuzzer (any compiler; what ctest runs): replays a corpus folder
// through LLVMFuzzerTestOneInput, then feeds it random mutations of the corpus for a bounded
// time. A broken invariant or a crash aborts; the input that did it is written first to
// `--crash_file` (default request-fuzz-crash.bin in the working directory) and its size and first
// bytes (hex) go to stderr, so the run can be reproduced with `--replay_file`.
//
//   homework_request_fuzz_replay CORPUS_DIR [--seconds 20] [--seed N] [--crash_file PATH]
//   homework_request_fuzz_replay --replay_file INPUT
//   homework_request_fuzz_replay --write_seeds DIR     (regenerates the committed seed corpus)
//
// Exit codes: 0 all inputs passed, 1 an input aborted (via the signal), 2 usage error.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "services/homework/fuzz/seed_requests.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler (which may only use async-signal-safe calls).
const uint8_t* g_current = nullptr;
size_t g_current_size = 0;
char g_crash_file[4096] = "request-fuzz-crash.bin";

void WriteAll(int fd, const void* data, size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = write(fd, bytes, size);
    if (written <= 0) return;
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

void OnCrash(int signal_number) {
  const int fd = open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0 && g_current != nullptr) {
    WriteAll(fd, g_current, g_current_size);
    close(fd);
  }
  static const char kHex[] = "0123456789abcdef";
  char line[64 + 3 * 64];
  size_t n = 0;
  const char prefix[] = "request fuzz: crashing input written to the crash file; first bytes:";
  WriteAll(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  for (size_t i = 0; g_current != nullptr && i < g_current_size && i < 64; ++i) {
    line[n++] = ' ';
    line[n++] = kHex[g_current[i] >> 4];
    line[n++] = kHex[g_current[i] & 0x0F];
  }
  line[n++] = '\n';
  WriteAll(STDERR_FILENO, line, n);
  WriteAll(STDERR_FILENO, g_crash_file, strlen(g_crash_file));
  WriteAll(STDERR_FILENO, "\n", 1);
  std::signal(signal_number, SIG_DFL);
  _exit(1);
}

void Run(const std::vector<uint8_t>& input) {
  g_current = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(input.data(), input.size());
  g_current = nullptr;
}

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// Byte sequences that validation and parsers get wrong most often: broken and edge-case UTF-8,
// white space of every kind, zone-like paths, numbers at the limits, JSON escapes.
const std::vector<std::string>& Dictionary() {
  static const auto* words = new std::vector<std::string>{std::string("\x00", 1),
                                                          "\xff",
                                                          "\x80",
                                                          "\xc0\x80",
                                                          "\xed\xa0\x80",
                                                          "\xf4\x90\x80\x80",
                                                          "\xe2\x80",
                                                          "\xc2\xa0",
                                                          "\xe3\x80\x80",
                                                          "\xe2\x80\xa8",
                                                          "\t",
                                                          "\n",
                                                          "\r\n",
                                                          "   ",
                                                          "\xf0\x9f\x98\x80",
                                                          "\xe4\xb8\xad",
                                                          "Europe/Berlin",
                                                          "/etc/localtime",
                                                          "../",
                                                          "UTC",
                                                          "Mars/Olympus",
                                                          "practices/",
                                                          "/clients/",
                                                          "/assignments/",
                                                          "/completions/",
                                                          "-",
                                                          "\\u0000",
                                                          "\\ud800",
                                                          "\\\"",
                                                          "\"",
                                                          "{",
                                                          "}",
                                                          "[",
                                                          "]",
                                                          ":",
                                                          ",",
                                                          "null",
                                                          "true",
                                                          "-2147483648",
                                                          "4294967296",
                                                          "1e309",
                                                          "-0",
                                                          "0000-01-01",
                                                          "9999-12-31T23:59:59Z",
                                                          "\"2026-01-05T20:00:00Z\"",
                                                          "\"253402300800\"",
                                                          "\x08\x80\x80\x80\x80\x10",
                                                          "\x12\xff\xff\xff\xff\x0f"};
  return *words;
}

std::vector<uint8_t> Mutate(const std::vector<std::vector<uint8_t>>& corpus, std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  std::vector<uint8_t> input = corpus[pick(rng)];
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int step = 0; step < steps; ++step) {
    const size_t size = input.size();
    const size_t at = size == 0 ? 0 : rng() % (size + 1);
    switch (rng() % 9) {
      case 0:  // flip a bit
        if (size > 0) input[at % size] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // set a byte
        if (size > 0) input[at % size] = static_cast<uint8_t>(rng());
        break;
      case 2: {  // insert random bytes
        const size_t count = 1 + rng() % 8;
        for (size_t i = 0; i < count; ++i) {
          input.insert(input.begin() + static_cast<std::ptrdiff_t>(at),
                       static_cast<uint8_t>(rng()));
        }
        break;
      }
      case 3: {  // erase a range
        if (size == 0) break;
        const size_t from = at % size;
        const size_t count = 1 + rng() % std::min<size_t>(16, size - from);
        input.erase(input.begin() + static_cast<std::ptrdiff_t>(from),
                    input.begin() + static_cast<std::ptrdiff_t>(from + count));
        break;
      }
      case 4: {  // insert a dictionary word
        const std::string& word = Dictionary()[rng() % Dictionary().size()];
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), word.begin(), word.end());
        break;
      }
      case 5: {  // splice the tail of another corpus entry
        const std::vector<uint8_t>& other = corpus[pick(rng)];
        if (other.size() <= 2) break;
        const size_t from = 2 + rng() % (other.size() - 2);
        input.resize(at);
        input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 6:  // another method or flags
        if (size > 1) input[rng() % 2] = static_cast<uint8_t>(rng());
        break;
      case 7:  // truncate
        input.resize(at);
        break;
      case 8: {  // repeat a range (long text)
        if (size < 3) break;
        const size_t from = 2 + rng() % (size - 2);
        const size_t count = 1 + rng() % std::min<size_t>(32, size - from);
        const std::vector<uint8_t> piece(input.begin() + static_cast<std::ptrdiff_t>(from),
                                         input.begin() + static_cast<std::ptrdiff_t>(from + count));
        const size_t times = 1 + rng() % 200;
        for (size_t i = 0; i < times; ++i) {
          input.insert(input.begin() + static_cast<std::ptrdiff_t>(from), piece.begin(),
                       piece.end());
        }
        break;
      }
    }
    if (input.size() > 64 * 1024) input.resize(64 * 1024);
  }
  return input;
}

int Usage(const char* message) {
  std::fprintf(stderr,
               "error: %s\nusage: homework_request_fuzz_replay CORPUS_DIR [--seconds N] "
               "[--seed N] [--crash_file PATH]\n"
               "       homework_request_fuzz_replay --replay_file INPUT\n"
               "       homework_request_fuzz_replay --write_seeds DIR\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_dir;
  std::string replay_file;
  std::string seeds_dir;
  double seconds = 20;
  uint64_t seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--crash_file" && has_value) {
      std::snprintf(g_crash_file, sizeof(g_crash_file), "%s", argv[++i]);
    } else if (arg == "--replay_file" && has_value) {
      replay_file = argv[++i];
    } else if (arg == "--write_seeds" && has_value) {
      seeds_dir = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && corpus_dir.empty()) {
      corpus_dir = arg;
    } else {
      return Usage(("unknown argument " + arg).c_str());
    }
  }
  if (!seeds_dir.empty()) {
    std::filesystem::create_directories(seeds_dir);
    int written = 0;
    for (const auto& [name, bytes] : therapy::homework::fuzz::SeedRequests()) {
      std::ofstream(std::filesystem::path(seeds_dir) / name, std::ios::binary | std::ios::trunc)
          << bytes;
      ++written;
    }
    std::printf("%d seeds written to %s\n", written, seeds_dir.c_str());
    return 0;
  }
  LLVMFuzzerInitialize(&argc, &argv);
  for (int signal_number : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    std::signal(signal_number, OnCrash);
  }
  if (!replay_file.empty()) {
    Run(ReadFile(replay_file));
    std::printf("%s: no invariant broken\n", replay_file.c_str());
    return 0;
  }
  if (corpus_dir.empty()) return Usage("give the corpus folder");

  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::vector<uint8_t>> corpus;
  for (const auto& path : paths) corpus.push_back(ReadFile(path));
  if (corpus.empty()) return Usage("the corpus folder holds no files");
  for (const auto& input : corpus) Run(input);
  std::printf("replayed %zu corpus inputs from %s\n", corpus.size(), corpus_dir.c_str());

  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  uint64_t mutations = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int batch = 0; batch < 64; ++batch, ++mutations) Run(Mutate(corpus, rng));
  }
  std::printf("ran %llu mutations in %.0f s (seed %llu)\n",
              static_cast<unsigned long long>(mutations), seconds,
              static_cast<unsigned long long>(seed));
  return 0;
}
