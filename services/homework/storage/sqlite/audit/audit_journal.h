#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_AUDIT_JOURNAL_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_AUDIT_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/homework/storage/store.h"

namespace therapy::homework::sqlite {

// The audit records of reads, written ahead of the audit database (ADR 0031): a read is answered
// once its records are here, in the kernel's page cache, which is what a commit to the audit
// database at synchronous=NORMAL gave before (they survive a crash of the process; an fsync,
// Sync, puts them on disk), for one write(2) on the caller's thread instead of a wait for a
// commit on the audit writer's. The store then commits them to the audit database in id order
// and releases the journal once they are there and synced.
//
// Two files, `<prefix>-0` and `<prefix>-1`, appended to one at a time: when the one in use has
// grown past `switch_bytes` and the other is empty (released), appends move to the other. Each
// append is one write(2) of whole frames, each [payload length, CRC-32 of the payload, payload],
// the payload the record's id, time and fields; a torn or corrupt frame (the machine stopped
// mid-write) ends what Read returns of that file. Little-endian, for this machine only.
//
// Not thread-safe: the store serialises Append, Release and Clear (Sync may run beside them).
class AuditJournal {
 public:
  // Opens (creating them when missing) the two files of `prefix`.
  static absl::StatusOr<std::unique_ptr<AuditJournal>> Open(const std::string& prefix,
                                                            int64_t switch_bytes = 8 << 20);
  ~AuditJournal();
  AuditJournal(const AuditJournal&) = delete;
  AuditJournal& operator=(const AuditJournal&) = delete;

  // Every whole record in both files, in id order: what a store that stopped before committing
  // them left behind.
  absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> Read() const;

  // Appends `records`, numbered from `first_id` on, in one write. Not OK (the disk is full, an
  // I/O error): none of them counts as written (a partial frame is never read back).
  absl::Status Append(int64_t first_id, absl::Span<const AuditRecord> records);

  // Puts what was appended so far on disk (fdatasync of both files).
  absl::Status Sync() const;

  // Records with ids up to `through` are committed to the audit database and synced: empties
  // the file not in use when everything it holds is among them.
  absl::Status Release(int64_t through);

  // Empties both files (every record in them is committed and synced).
  absl::Status Clear();

 private:
  struct File {
    int fd = -1;
    int64_t bytes = 0;
    int64_t last_id = 0;  // of the records appended since it was last emptied; 0: none
  };
  AuditJournal(std::string prefix, int64_t switch_bytes, File first, File second);
  static absl::Status Empty(File& file);

  const std::string prefix_;
  const int64_t switch_bytes_;
  File files_[2];
  int active_ = 0;
  std::string frame_;  // Append's buffer, kept for its capacity
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_AUDIT_JOURNAL_H_
