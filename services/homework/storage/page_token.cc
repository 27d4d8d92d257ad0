#include "services/homework/storage/page_token.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"

namespace therapy::homework {
namespace {

constexpr char kTokenVersion = 1;
constexpr size_t kHeaderSize = 1 + 8 + 8;  // version, fingerprint, time

void AppendUint64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t ReadUint64(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

// Builds the fingerprint of a query from its fields. Each field is written with its length or
// presence so that no two different queries share an encoding; the hash is 64-bit FNV-1a, which
// is stable (unlike absl::Hash, which is seeded per process).
class Fingerprint {
 public:
  explicit Fingerprint(absl::string_view kind) { AddString(kind); }

  Fingerprint& AddString(absl::string_view value) {
    AddInt(static_cast<int64_t>(value.size()));
    for (char c : value) AddByte(static_cast<unsigned char>(c));
    return *this;
  }

  Fingerprint& AddInt(int64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      AddByte(static_cast<unsigned char>((static_cast<uint64_t>(value) >> shift) & 0xff));
    }
    return *this;
  }

  Fingerprint& AddOptionalString(const std::optional<std::string>& value) {
    AddInt(value.has_value() ? 1 : 0);
    if (value.has_value()) AddString(*value);
    return *this;
  }

  Fingerprint& AddOptionalTime(const std::optional<absl::Time>& value) {
    AddInt(value.has_value() ? 1 : 0);
    if (value.has_value()) AddInt(absl::ToUnixMicros(*value));
    return *this;
  }

  uint64_t value() const { return hash_; }

 private:
  void AddByte(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ULL;
  }

  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

absl::Status UnreadableToken() {
  return absl::InvalidArgumentError(
      "page_token is not a next_page_token issued by this list; pass it back unchanged");
}

}  // namespace

uint64_t QueryFingerprint(const ClientQuery& query) {
  return Fingerprint("clients")
      .AddString(query.practice_name)
      .AddOptionalString(query.care_team_member)
      .value();
}

uint64_t QueryFingerprint(const AssignmentQuery& query) {
  // The states are a set: their order and repetitions do not change the query.
  std::vector<int> states(query.states.begin(), query.states.end());
  std::sort(states.begin(), states.end());
  states.erase(std::unique(states.begin(), states.end()), states.end());
  // One client's list keeps the encoding it had before practice-wide lists existed, so tokens
  // issued by an older binary stay valid; a practice-wide list has a kind of its own.
  Fingerprint fingerprint(query.practice_name.empty() ? "assignments" : "practice assignments");
  if (!query.practice_name.empty()) fingerprint.AddString(query.practice_name);
  fingerprint.AddString(query.client_name).AddInt(static_cast<int64_t>(states.size()));
  for (int state : states) fingerprint.AddInt(state);
  return fingerprint.value();
}

uint64_t QueryFingerprint(const CompletionQuery& query) {
  // A list of measures only has a kind of its own, so the tokens of every other list keep the
  // encoding they had before it existed.
  return Fingerprint(query.measures_only ? "measure completions" : "completions")
      .AddString(query.client_name)
      .AddOptionalString(query.assignment_name)
      .AddOptionalTime(query.start_time)
      .AddOptionalTime(query.end_time)
      .value();
}

uint64_t QueryFingerprint(const HierarchyQuery& query) {
  return Fingerprint("hierarchies").AddString(query.client_name).value();
}

uint64_t QueryFingerprint(const TemplateQuery& query) {
  // Its own kind: a practice's clients are in name order too, under the same practice name.
  return Fingerprint("templates").AddString(query.practice_name).value();
}

uint64_t QueryFingerprint(const SafetyFlagQuery& query) {
  std::vector<int> states(query.states.begin(), query.states.end());
  std::sort(states.begin(), states.end());
  states.erase(std::unique(states.begin(), states.end()), states.end());
  Fingerprint fingerprint("safety flags");
  fingerprint.AddString(query.client_name).AddInt(static_cast<int64_t>(states.size()));
  for (int state : states) fingerprint.AddInt(state);
  return fingerprint.value();
}

uint64_t QueryFingerprint(const SessionQuery& query) {
  return Fingerprint("sessions")
      .AddString(query.practice_name)
      .AddOptionalString(query.client_name)
      .value();
}

std::string MakePageToken(uint64_t query_fingerprint, const PageCursor& last) {
  std::string bytes;
  bytes.reserve(kHeaderSize + last.name.size());
  bytes.push_back(kTokenVersion);
  AppendUint64(query_fingerprint, bytes);
  AppendUint64(static_cast<uint64_t>(last.time_micros), bytes);
  bytes.append(last.name);
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<std::optional<PageCursor>> ReadPageToken(absl::string_view token,
                                                        uint64_t query_fingerprint) {
  if (token.empty()) return std::nullopt;
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes) || bytes.size() <= kHeaderSize ||
      bytes[0] != kTokenVersion) {
    return UnreadableToken();
  }
  absl::string_view view(bytes);
  if (ReadUint64(view.substr(1, 8)) != query_fingerprint) {
    return absl::InvalidArgumentError(
        "page_token was issued for a list with other parameters; keep every field except "
        "page_size and page_token unchanged while paging");
  }
  PageCursor cursor{
      .time_micros = static_cast<int64_t>(ReadUint64(view.substr(9, 8))),
      .name = std::string(view.substr(kHeaderSize)),
  };
  // Re-encoding must give the token back: rejects padding and other spellings of the bytes.
  if (MakePageToken(query_fingerprint, cursor) != token) return UnreadableToken();
  return cursor;
}

}  // namespace therapy::homework
