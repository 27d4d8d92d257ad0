#include "services/homework/storage/sqlite/audit/audit_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace therapy::homework::sqlite {
namespace {

// A frame's head: the payload's length and its CRC-32.
constexpr size_t kHeadBytes = 8;
// No record comes near this; a larger length is a torn or corrupt head.
constexpr uint32_t kMaxPayloadBytes = 1 << 20;

template <typename Int>
void Put(std::string& out, Int value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void PutText(std::string& out, absl::string_view text) {
  Put(out, static_cast<uint32_t>(text.size()));
  out.append(text.data(), text.size());
}

// Reads from a payload; any read past its end leaves `ok` false.
struct Reader {
  absl::string_view rest;
  bool ok = true;

  template <typename Int>
  Int Get() {
    Int value{};
    if (rest.size() < sizeof(value)) {
      ok = false;
      return value;
    }
    std::memcpy(&value, rest.data(), sizeof(value));
    rest.remove_prefix(sizeof(value));
    return value;
  }
  std::string GetText() {
    const uint32_t size = Get<uint32_t>();
    if (!ok || rest.size() < size) {
      ok = false;
      return "";
    }
    std::string text(rest.substr(0, size));
    rest.remove_prefix(size);
    return text;
  }
};

uint32_t Crc(absl::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void PutFrame(std::string& out, int64_t id, const AuditRecord& record) {
  const size_t head = out.size();
  out.append(kHeadBytes, '\0');
  Put(out, id);
  Put(out, absl::ToUnixMicros(record.time));
  for (const std::string* text : {&record.actor, &record.role, &record.practice, &record.action,
                                  &record.resource, &record.call_id, &record.outcome}) {
    PutText(out, *text);
  }
  const absl::string_view payload = absl::string_view(out).substr(head + kHeadBytes);
  const uint32_t size = static_cast<uint32_t>(payload.size());
  const uint32_t crc = Crc(payload);
  std::memcpy(out.data() + head, &size, sizeof(size));
  std::memcpy(out.data() + head + sizeof(size), &crc, sizeof(crc));
}

// The record of one frame's payload; nullopt when it does not parse whole.
std::optional<std::pair<int64_t, AuditRecord>> ParsePayload(absl::string_view payload) {
  Reader in{payload};
  std::pair<int64_t, AuditRecord> entry;
  entry.first = in.Get<int64_t>();
  entry.second.time = absl::FromUnixMicros(in.Get<int64_t>());
  for (std::string* text :
       {&entry.second.actor, &entry.second.role, &entry.second.practice, &entry.second.action,
        &entry.second.resource, &entry.second.call_id, &entry.second.outcome}) {
    *text = in.GetText();
  }
  if (!in.ok || !in.rest.empty()) return std::nullopt;
  return entry;
}

absl::Status Failed(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat("SQLite store: ", what, " the audit journal \"", path,
                                             "\" failed: ", std::strerror(errno)));
}

std::string PathOf(const std::string& prefix, int index) {
  return absl::StrCat(prefix, "-", index);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditJournal>> AuditJournal::Open(const std::string& prefix,
                                                                 int64_t switch_bytes) {
  File files[2];
  for (int i = 0; i < 2; ++i) {
    const std::string path = PathOf(prefix, i);
    files[i].fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (files[i].fd < 0) {
      absl::Status failed = Failed("opening", path);  // before close() can change errno
      if (i == 1) ::close(files[0].fd);
      return failed;
    }
    struct stat info {};
    if (::fstat(files[i].fd, &info) == 0) files[i].bytes = info.st_size;
  }
  return std::unique_ptr<AuditJournal>(new AuditJournal(prefix, switch_bytes, files[0], files[1]));
}

AuditJournal::AuditJournal(std::string prefix, int64_t switch_bytes, File first, File second)
    : prefix_(std::move(prefix)), switch_bytes_(switch_bytes), files_{first, second} {}

AuditJournal::~AuditJournal() {
  for (File& file : files_) ::close(file.fd);
}

absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> AuditJournal::Read() const {
  std::vector<std::pair<int64_t, AuditRecord>> records;
  for (int i = 0; i < 2; ++i) {
    std::string bytes(static_cast<size_t>(files_[i].bytes), '\0');
    size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n =
          ::pread(files_[i].fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Failed("reading", PathOf(prefix_, i));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    absl::string_view rest = absl::string_view(bytes).substr(0, got);
    while (rest.size() >= kHeadBytes) {
      uint32_t size = 0;
      uint32_t crc = 0;
      std::memcpy(&size, rest.data(), sizeof(size));
      std::memcpy(&crc, rest.data() + sizeof(size), sizeof(crc));
      if (size > kMaxPayloadBytes || rest.size() - kHeadBytes < size) break;
      const absl::string_view payload = rest.substr(kHeadBytes, size);
      if (Crc(payload) != crc) break;
      std::optional<std::pair<int64_t, AuditRecord>> entry = ParsePayload(payload);
      if (!entry.has_value()) break;
      records.push_back(*std::move(entry));
      rest.remove_prefix(kHeadBytes + size);
    }
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return records;
}

absl::Status AuditJournal::Append(int64_t first_id, absl::Span<const AuditRecord> records) {
  if (records.empty()) return absl::OkStatus();
  File* file = &files_[active_];
  File& other = files_[1 - active_];
  if (file->bytes >= switch_bytes_ && other.bytes == 0) {
    active_ = 1 - active_;
    file = &other;
  }
  frame_.clear();
  for (size_t i = 0; i < records.size(); ++i) {
    PutFrame(frame_, first_id + static_cast<int64_t>(i), records[i]);
  }
  // One write of whole frames: O_APPEND puts it after the last, and a short write (a full
  // disk) is cut off again so that the next append starts on a frame's boundary.
  ssize_t written;
  do {
    written = ::write(file->fd, frame_.data(), frame_.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(frame_.size())) {
    const int error = written < 0 ? errno : ENOSPC;
    if (written > 0) (void)::ftruncate(file->fd, static_cast<off_t>(file->bytes));
    errno = error;
    return Failed("appending to", PathOf(prefix_, active_));
  }
  file->bytes += written;
  file->last_id = first_id + static_cast<int64_t>(records.size()) - 1;
  return absl::OkStatus();
}

absl::Status AuditJournal::Sync() const {
  for (int i = 0; i < 2; ++i) {
    if (::fdatasync(files_[i].fd) != 0) return Failed("syncing", PathOf(prefix_, i));
  }
  return absl::OkStatus();
}

absl::Status AuditJournal::Empty(File& file) {
  if (::ftruncate(file.fd, 0) != 0) return absl::UnavailableError("ftruncate failed");
  file.bytes = 0;
  file.last_id = 0;
  return absl::OkStatus();
}

absl::Status AuditJournal::Release(int64_t through) {
  File& other = files_[1 - active_];
  if (other.bytes == 0 || other.last_id > through) return absl::OkStatus();
  if (absl::Status status = Empty(other); !status.ok()) {
    return Failed("emptying", PathOf(prefix_, 1 - active_));
  }
  return absl::OkStatus();
}

absl::Status AuditJournal::Clear() {
  for (int i = 0; i < 2; ++i) {
    if (absl::Status status = Empty(files_[i]); !status.ok()) {
      return Failed("emptying", PathOf(prefix_, i));
    }
  }
  active_ = 0;
  return absl::OkStatus();
}

}  // namespace therapy::homework::sqlite
