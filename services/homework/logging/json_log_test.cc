#include "services/homework/logging/json_log.h"

#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;

// The line as the log wrote it before FormatLogLine: a nlohmann object (keys in name order, a
// later field of a name replacing the earlier one) dumped with invalid UTF-8 replaced.
std::string Reference(absl::Time time, absl::string_view level, absl::string_view event,
                      const std::vector<LogField>& fields) {
  nlohmann::json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone())},
      {"level", std::string(level)},
      {"event", std::string(event)},
  };
  for (const LogField& field : fields) {
    std::visit([&](const auto& value) { line[field.name] = value; }, field.value);
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const absl::Time kTime = absl::FromUnixMicros(1796530212123456);

TEST(FormatLogLineTest, KeysInNameOrderWithEveryKindOfValue) {
  const std::vector<LogField> fields = {{"method", "GetAssignment"}, {"code", "OK"},
                                        {"latency_ms", 0.1234567},   {"count", int64_t{-42}},
                                        {"retried", false},          {"call_id", "c-1"}};
  EXPECT_EQ(FormatLogLine(kTime, LogLevel::kInfo, "rpc", fields),
            "{\"call_id\":\"c-1\",\"code\":\"OK\",\"count\":-42,\"event\":\"rpc\","
            "\"latency_ms\":0.1234567,\"level\":\"info\",\"method\":\"GetAssignment\","
            "\"retried\":false,\"time\":\"2026-12-06T04:10:12.123456Z\"}");
}

TEST(FormatLogLineTest, ALaterFieldOfANameWinsTheLinesOwnIncluded) {
  const std::vector<LogField> fields = {{"code", "A"}, {"code", "B"}, {"level", "custom"}};
  EXPECT_EQ(FormatLogLine(kTime, LogLevel::kError, "e", fields),
            "{\"code\":\"B\",\"event\":\"e\",\"level\":\"custom\","
            "\"time\":\"2026-12-06T04:10:12.123456Z\"}");
}

TEST(FormatLogLineTest, EscapesAndInvalidUtf8AsNlohmannWritesThem) {
  const std::vector<std::string> texts = {"quote \" and backslash \\",
                                          "tab\tnew\nline\r",
                                          std::string("nul\0byte", 8),
                                          "\x01\x1f\x7f",
                                          "ünïcødé ✓",
                                          "bad \xff\xfe utf-8",
                                          "cut \xe2\x9c",
                                          "",
                                          "é\"",
                                          "/slash/",
                                          "say \"hi\"",
                                          "a\\b",
                                          "del\x7f"};
  for (const std::string& text : texts) {
    const std::vector<LogField> fields = {{"message", text}, {text, int64_t{1}}};
    EXPECT_EQ(FormatLogLine(kTime, LogLevel::kWarning, text, fields),
              Reference(kTime, "warning", text, fields))
        << absl::CHexEscape(text);
  }
}

TEST(FormatLogLineTest, NumbersAsNlohmannWritesThem) {
  for (double number :
       {0.0, -0.0, 1.0, 1e-7, 123456789.125, 1e300, 0.1 + 0.2,
        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    const std::vector<LogField> fields = {{"n", number}, {"i", int64_t{9007199254740993}}};
    EXPECT_EQ(FormatLogLine(kTime, LogLevel::kInfo, "n", fields),
              Reference(kTime, "info", "n", fields))
        << number;
  }
}

TEST(FormatLogLineTest, TimesToTheMicrosecondAsAbslFormatsThem) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> nanos(-4'000'000'000'000'000'000,
                                               4'000'000'000'000'000'000);
  std::vector<absl::Time> times = {absl::UnixEpoch(),
                                   absl::FromUnixNanos(-1),
                                   absl::FromUnixNanos(999),
                                   absl::FromUnixMicros(-1'000'001),
                                   kTime,
                                   kTime + absl::Nanoseconds(999)};
  for (int i = 0; i < 2000; ++i) times.push_back(absl::FromUnixNanos(nanos(random)));
  // In order, so that consecutive lines fall in the same second and the cached part is used.
  for (int i = 0; i < 2000; ++i) times.push_back(kTime + absl::Microseconds(i * 997));
  for (absl::Time time : times) {
    EXPECT_EQ(FormatLogLine(time, LogLevel::kDebug, "t", {}), Reference(time, "debug", "t", {}))
        << absl::FormatTime(time);
  }
}

// A JsonLog writing to a file of its own, read back line by line.
class LogFile {
 public:
  explicit LogFile(absl::string_view name)
      : path_(absl::StrCat(::testing::TempDir(), "/json_log_test_", name, ".log")),
        file_(std::fopen(path_.c_str(), "w")) {}
  ~LogFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::remove(path_.c_str());
  }
  std::FILE* file() const { return file_; }

  // The lines written so far, without their newlines; a line cut short fails the test.
  std::vector<std::string> Lines() const {
    std::ifstream in(path_, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      lines.push_back(text.substr(start, end - start));
    }
    EXPECT_EQ(start, text.size()) << "a line without its newline";
    return lines;
  }

  // The lines once there are at least `count`, or after 10 s, whatever there are then.
  std::vector<std::string> LinesOnceThereAre(size_t count) const {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    std::vector<std::string> lines = Lines();
    while (lines.size() < count && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(2));
      lines = Lines();
    }
    return lines;
  }

 private:
  std::string path_;
  std::FILE* file_;
};

// The events of `lines`, in their order.
std::vector<std::string> Events(const std::vector<std::string>& lines) {
  std::vector<std::string> events;
  for (const std::string& line : lines) events.push_back(nlohmann::json::parse(line)["event"]);
  return events;
}

TEST(JsonLogTest, EachLineIsWrittenAtOnceUnlessBuffered) {
  LogFile file("unbuffered");
  JsonLog log(file.file());
  log.Write(LogLevel::kInfo, "first");
  log.Write(LogLevel::kDebug, "below the level");
  EXPECT_THAT(Events(file.Lines()), ElementsAre("first"));
}

TEST(JsonLogTest, AWarningWritesTheKeptInfoLinesBeforeItselfInOrder) {
  LogFile file("warning");
  JsonLog log(file.file());
  log.BufferBelowWarning(absl::Hours(1));
  log.Write(LogLevel::kInfo, "one");
  log.Write(LogLevel::kInfo, "two");
  EXPECT_TRUE(file.Lines().empty()) << "info lines are kept for up to an hour here";
  log.Write(LogLevel::kWarning, "three");
  EXPECT_THAT(Events(file.Lines()), ElementsAre("one", "two", "three"));
  log.Write(LogLevel::kInfo, "four");
  log.Write(LogLevel::kError, "five");
  EXPECT_THAT(Events(file.Lines()), ElementsAre("one", "two", "three", "four", "five"));
}

TEST(JsonLogTest, KeptLinesAreWrittenWithinTheInterval) {
  LogFile file("interval");
  JsonLog log(file.file());
  log.BufferBelowWarning(absl::Milliseconds(5));
  log.Write(LogLevel::kInfo, "one");
  log.Write(LogLevel::kInfo, "two");
  EXPECT_THAT(Events(file.LinesOnceThereAre(2)), ElementsAre("one", "two"));
  // And again after the writer thread has been idle.
  absl::SleepFor(absl::Milliseconds(20));
  log.Write(LogLevel::kInfo, "three");
  EXPECT_THAT(Events(file.LinesOnceThereAre(3)), ElementsAre("one", "two", "three"));
}

TEST(JsonLogTest, NoMoreThanTheBufferIsKept) {
  LogFile file("full");
  JsonLog log(file.file());
  log.BufferBelowWarning(absl::Hours(1));
  const std::vector<LogField> fields = {{"text", std::string(1000, 'x')}};
  const size_t line_bytes =
      FormatLogLine(absl::Now(), LogLevel::kInfo, "filler", fields).size() + 1;
  const size_t count = 2 * JsonLog::kBufferedBytes / line_bytes + 1;
  for (size_t i = 0; i < count; ++i) log.Write(LogLevel::kInfo, "filler", fields);
  // Whatever the writer thread has done meanwhile, what is not written fits in the buffer.
  const size_t written_at_least = count - JsonLog::kBufferedBytes / line_bytes;
  EXPECT_GE(file.LinesOnceThereAre(written_at_least).size(), written_at_least);
}

TEST(JsonLogTest, ClosingTheLogWritesWhatItKept) {
  LogFile file("close");
  {
    JsonLog log(file.file());
    log.BufferBelowWarning(absl::Hours(1));
    log.Write(LogLevel::kInfo, "kept");
    EXPECT_TRUE(file.Lines().empty());
  }
  EXPECT_THAT(Events(file.Lines()), ElementsAre("kept"));
}

TEST(JsonLogTest, LinesFromManyThreadsAreWholeAndInEachThreadsOrder) {
  LogFile file("threads");
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  {
    JsonLog log(file.file());
    log.BufferBelowWarning(absl::Microseconds(200));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kLines; ++i) {
          log.Write(i % 97 == 0 ? LogLevel::kWarning : LogLevel::kInfo, "line",
                    {{"thread", t}, {"index", i}});
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::vector<int> next(kThreads, 0);
  const std::vector<std::string> lines = file.Lines();
  ASSERT_EQ(lines.size(), size_t{kThreads * kLines});
  for (const std::string& line : lines) {
    const nlohmann::json parsed = nlohmann::json::parse(line);
    const int thread = parsed["thread"];
    ASSERT_EQ(parsed["index"], next[thread]) << line;
    ++next[thread];
  }
}

}  // namespace
}  // namespace therapy::homework
