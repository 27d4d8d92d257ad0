#include "services/homework/logging/json_log.h"

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

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

}  // namespace
}  // namespace therapy::homework
