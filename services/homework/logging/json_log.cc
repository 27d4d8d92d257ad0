#include "services/homework/logging/json_log.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// A JSON string of `text` as nlohmann's `dump` writes it (invalid UTF-8 replaced, never a
// throw): most names and values are printable ASCII with nothing to escape, copied as they are;
// the rest go through nlohmann itself.
void AppendString(std::string& out, absl::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    absl::StrAppend(&out, "\"", text, "\"");
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendValue(std::string& out, const std::variant<std::string, int64_t, double, bool>& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    AppendString(out, *text);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    absl::StrAppend(&out, *integer);
  } else if (const auto* number = std::get_if<double>(&value)) {
    out += nlohmann::json(*number).dump();  // the shortest text that reads back the same
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

// "2026-12-06T04:10:12.123456Z", as absl::FormatTime's "%Y-%m-%dT%H:%M:%E6SZ" in UTC; the
// part up to the second is formatted once a second per thread.
void AppendTime(std::string& out, absl::Time time) {
  thread_local int64_t cached_second = std::numeric_limits<int64_t>::min();
  thread_local std::string cached;
  const int64_t micros = absl::ToUnixMicros(time);
  const int64_t second = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  if (second != cached_second) {
    cached =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
    cached_second = second;
  }
  absl::StrAppend(&out, cached, absl::StrFormat(".%06dZ", micros - second * 1000000));
}

}  // namespace

std::string FormatLogLine(absl::Time time, LogLevel level, absl::string_view event,
                          absl::Span<const LogField> fields) {
  // The line's own three fields first, then the caller's; sorted by name, stably, so that the
  // last of a name is the one kept.
  const LogField time_field("time", std::string());
  const LogField level_field("level", LevelName(level));
  const LogField event_field("event", event);
  std::vector<const LogField*> sorted = {&time_field, &level_field, &event_field};
  sorted.reserve(fields.size() + 3);
  for (const LogField& field : fields) sorted.push_back(&field);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const LogField* a, const LogField* b) { return a->name < b->name; });
  std::string line = "{";
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1]->name == sorted[i]->name) continue;
    if (line.size() > 1) line += ',';
    AppendString(line, sorted[i]->name);
    line += ':';
    if (sorted[i] == &time_field) {
      line += '"';
      AppendTime(line, time);
      line += '"';
    } else {
      AppendValue(line, sorted[i]->value);
    }
  }
  line += '}';
  return line;
}

JsonLog::JsonLog(std::FILE* out, LogLevel min_level) : out_(out), min_level_(min_level) {}

JsonLog::~JsonLog() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
  Flush();
}

void JsonLog::Write(LogLevel level, absl::string_view event, absl::Span<const LogField> fields) {
  if (level < min_level_) return;
  const std::string text = FormatLogLine(absl::Now(), level, event, fields) + "\n";
  if (level < LogLevel::kWarning) {
    absl::MutexLock lock(&mutex_);
    if (every_ > absl::ZeroDuration() && kept_.size() + text.size() <= kBufferedBytes) {
      kept_ += text;
      return;
    }
  }
  absl::MutexLock write_lock(&write_mutex_);
  FlushKept();
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

void JsonLog::BufferBelowWarning(absl::Duration every) {
  if (every <= absl::ZeroDuration()) return;
  {
    absl::MutexLock lock(&mutex_);
    every_ = every;
  }
  flusher_ = std::thread([this] { Flusher(); });
}

void JsonLog::Flush() {
  absl::MutexLock write_lock(&write_mutex_);
  FlushKept();
}

// The kept lines are swapped with `writing_`, cleared once written: the two buffers keep their
// capacity.
void JsonLog::FlushKept() {
  {
    absl::MutexLock lock(&mutex_);
    writing_.swap(kept_);
  }
  if (writing_.empty()) return;
  std::fwrite(writing_.data(), 1, writing_.size(), out_);
  std::fflush(out_);
  writing_.clear();
}

bool JsonLog::KeepsLines() const { return stopping_ || !kept_.empty(); }

bool JsonLog::KeepsHalfFull() const { return stopping_ || kept_.size() >= kBufferedBytes / 2; }

// Waits for a first kept line, then `every_` more (less when half of kBufferedBytes is kept or the
// log closes), and writes what is kept.
void JsonLog::Flusher() {
  while (true) {
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &JsonLog::KeepsLines));
      if (stopping_) return;
      mutex_.AwaitWithTimeout(absl::Condition(this, &JsonLog::KeepsHalfFull), every_);
    }
    Flush();
  }
}

}  // namespace therapy::homework
