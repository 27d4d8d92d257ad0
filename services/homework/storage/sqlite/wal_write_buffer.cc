#include "services/homework/storage/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <string>

namespace therapy::homework::sqlite {
namespace {

constexpr char kVfsName[] = "homework-wal-write-buffer";

// A commit larger than this is written in several writes (40 completions take about 700 KiB).
constexpr size_t kMaxBufferBytes = 2 << 20;

// The most one write call of SQLite's default VFS takes: it masks a write's length to 17 bits
// (os_unix.c, seekAndWriteFd), so a longer one ends short and is reported as a full disk.
constexpr size_t kMaxWriteBytes = 124 << 10;

// The frames a commit appended to its log and not yet written, from `offset` on.
struct PendingFrames {
  std::string bytes;
  sqlite3_int64 offset = 0;
  // After a write of the frames failed: where they started, and the error. Every later write
  // past that point, and every sync, fails with it until SQLite writes at or before that point
  // again (it rolled the transaction back), so that no frame after a lost one reaches the log.
  std::optional<sqlite3_int64> lost_from;
  int lost_code = SQLITE_OK;
};

// One open file of this VFS: a database file or its log, with SQLite's own file object for it
// (the default VFS's) right after this header in the memory SQLite allocated (szOsFile).
struct File {
  sqlite3_file base;       // first: SQLite sees a File as a sqlite3_file
  File* partner;           // the log of this database file, or the database file of this log
  PendingFrames* pending;  // a log's buffer; null for a database file
};

constexpr size_t kRealOffset = (sizeof(File) + alignof(std::max_align_t) - 1) /
                               alignof(std::max_align_t) * alignof(std::max_align_t);

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
File* AsFile(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
}
const sqlite3_io_methods& RealMethods(sqlite3_file* file) { return *Real(file)->pMethods; }

// Writes a log's pending frames in one write. On failure they are dropped and the log is
// marked as having lost them (PendingFrames::lost_from).
int Flush(File& log) {
  PendingFrames& pending = *log.pending;
  if (pending.bytes.empty()) return SQLITE_OK;
  sqlite3_file* real = Real(&log.base);
  int code = SQLITE_OK;
  for (size_t done = 0; done < pending.bytes.size() && code == SQLITE_OK;) {
    const size_t length = std::min(kMaxWriteBytes, pending.bytes.size() - done);
    code = real->pMethods->xWrite(real, pending.bytes.data() + done, static_cast<int>(length),
                                  pending.offset + static_cast<sqlite3_int64>(done));
    done += length;
  }
  if (code != SQLITE_OK) {
    pending.lost_from = pending.offset;
    pending.lost_code = code;
  }
  pending.bytes.clear();
  return code;
}

// ---------------------------------------------------------------------------------------------
// The log's methods: writes buffered, everything else after a flush.

int LogClose(sqlite3_file* file) {
  File& log = *AsFile(file);
  const int flushed = Flush(log);
  if (log.partner != nullptr) log.partner->partner = nullptr;
  delete log.pending;
  log.pending = nullptr;
  const int closed = RealMethods(file).xClose(Real(file));
  return flushed != SQLITE_OK ? flushed : closed;
}

int LogRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (const int code = Flush(*AsFile(file)); code != SQLITE_OK) return code;
  return RealMethods(file).xRead(Real(file), out, amount, offset);
}

int LogWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File& log = *AsFile(file);
  PendingFrames& pending = *log.pending;
  if (pending.lost_from) {
    if (offset > *pending.lost_from) return pending.lost_code;
    pending.lost_from.reset();
  }
  const bool continues =
      offset == pending.offset + static_cast<sqlite3_int64>(pending.bytes.size());
  if (!pending.bytes.empty() && !continues) {
    if (const int code = Flush(log); code != SQLITE_OK) return code;
  }
  if (pending.bytes.empty()) pending.offset = offset;
  pending.bytes.append(static_cast<const char*>(data), static_cast<size_t>(amount));
  return pending.bytes.size() >= kMaxBufferBytes ? Flush(log) : SQLITE_OK;
}

int LogTruncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int code = Flush(*AsFile(file)); code != SQLITE_OK) return code;
  return RealMethods(file).xTruncate(Real(file), size);
}

int LogSync(sqlite3_file* file, int flags) {
  if (const int code = Flush(*AsFile(file)); code != SQLITE_OK) return code;
  // A sync after frames were lost would make the commit durable with a hole in it.
  if (const PendingFrames& pending = *AsFile(file)->pending; pending.lost_from) {
    return pending.lost_code;
  }
  return RealMethods(file).xSync(Real(file), flags);
}

int LogFileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (const int code = Flush(*AsFile(file)); code != SQLITE_OK) return code;
  return RealMethods(file).xFileSize(Real(file), size);
}

int LogFileControl(sqlite3_file* file, int op, void* arg) {
  if (const int code = Flush(*AsFile(file)); code != SQLITE_OK) return code;
  return RealMethods(file).xFileControl(Real(file), op, arg);
}

// ---------------------------------------------------------------------------------------------
// The default VFS's method `kMethod` of the file, called with the same arguments.
template <auto kMethod>
struct Forward;
template <typename Result, typename... Args,
          Result (*sqlite3_io_methods::*kMethod)(sqlite3_file*, Args...)>
struct Forward<kMethod> {
  static Result Call(sqlite3_file* file, Args... args) {
    return (RealMethods(file).*kMethod)(Real(file), args...);
  }
};

int DatabaseClose(sqlite3_file* file) {
  File& database = *AsFile(file);
  if (database.partner != nullptr) database.partner->partner = nullptr;
  return RealMethods(file).xClose(Real(file));
}

// The database file's barrier: SQLite calls it between the two copies of the shared index's
// header, so a commit's frames are in the log before any reader can see them.
void DatabaseShmBarrier(sqlite3_file* file) {
  File& database = *AsFile(file);
  if (database.partner != nullptr && Flush(*database.partner) != SQLITE_OK) {
    std::fputs(
        "homework: SQLite: a commit's log frames could not be written before readers "
        "would see them; stopping (the commit was not acknowledged)\n",
        stderr);
    std::abort();
  }
  Forward<&sqlite3_io_methods::xShmBarrier>::Call(file);
}

// Every method forwarded as it is; the two kinds of file replace a few below.
constexpr sqlite3_io_methods kForwarded = {
    .iVersion = 3,
    .xClose = Forward<&sqlite3_io_methods::xClose>::Call,
    .xRead = Forward<&sqlite3_io_methods::xRead>::Call,
    .xWrite = Forward<&sqlite3_io_methods::xWrite>::Call,
    .xTruncate = Forward<&sqlite3_io_methods::xTruncate>::Call,
    .xSync = Forward<&sqlite3_io_methods::xSync>::Call,
    .xFileSize = Forward<&sqlite3_io_methods::xFileSize>::Call,
    .xLock = Forward<&sqlite3_io_methods::xLock>::Call,
    .xUnlock = Forward<&sqlite3_io_methods::xUnlock>::Call,
    .xCheckReservedLock = Forward<&sqlite3_io_methods::xCheckReservedLock>::Call,
    .xFileControl = Forward<&sqlite3_io_methods::xFileControl>::Call,
    .xSectorSize = Forward<&sqlite3_io_methods::xSectorSize>::Call,
    .xDeviceCharacteristics = Forward<&sqlite3_io_methods::xDeviceCharacteristics>::Call,
    .xShmMap = Forward<&sqlite3_io_methods::xShmMap>::Call,
    .xShmLock = Forward<&sqlite3_io_methods::xShmLock>::Call,
    .xShmBarrier = Forward<&sqlite3_io_methods::xShmBarrier>::Call,
    .xShmUnmap = Forward<&sqlite3_io_methods::xShmUnmap>::Call,
    .xFetch = Forward<&sqlite3_io_methods::xFetch>::Call,
    .xUnfetch = Forward<&sqlite3_io_methods::xUnfetch>::Call,
};

constexpr sqlite3_io_methods kLogMethods = [] {
  sqlite3_io_methods methods = kForwarded;
  methods.xClose = LogClose;
  methods.xRead = LogRead;
  methods.xWrite = LogWrite;
  methods.xTruncate = LogTruncate;
  methods.xSync = LogSync;
  methods.xFileSize = LogFileSize;
  methods.xFileControl = LogFileControl;
  return methods;
}();

constexpr sqlite3_io_methods kDatabaseMethods = [] {
  sqlite3_io_methods methods = kForwarded;
  methods.xClose = DatabaseClose;
  methods.xShmBarrier = DatabaseShmBarrier;
  return methods;
}();

// Opens the file with the default VFS behind a File header. A log gets the buffered methods and
// is linked to its database file; every other file (the database, a temporary file) forwards
// each call as it is.
int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_file* real = Real(file);
  const int code = RealVfs(vfs)->xOpen(RealVfs(vfs), name, real, flags, out_flags);
  File& opened = *AsFile(file);
  opened.partner = nullptr;
  opened.pending = nullptr;
  if (code != SQLITE_OK || real->pMethods == nullptr) {
    file->pMethods = nullptr;
    return code;
  }
  // SQLite's own methods would see a File where they expect their file object: every method
  // is wrapped, even where it only forwards.
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    opened.pending = new PendingFrames;
    file->pMethods = &kLogMethods;
    sqlite3_file* database = sqlite3_database_file_object(name);
    if (database != nullptr && database->pMethods == &kDatabaseMethods) {
      opened.partner = AsFile(database);
      AsFile(database)->partner = &opened;
    }
  } else {
    file->pMethods = &kDatabaseMethods;
  }
  return SQLITE_OK;
}

sqlite3_vfs* Registered() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    sqlite3_vfs wrapper = *real;  // the other methods are the default VFS's own
    wrapper.pNext = nullptr;
    wrapper.zName = kVfsName;
    wrapper.pAppData = real;
    wrapper.szOsFile = static_cast<int>(kRealOffset) + real->szOsFile;
    wrapper.xOpen = Open;
    return wrapper;
  }();
  static std::once_flag registered;
  std::call_once(registered, [] { sqlite3_vfs_register(&vfs, /*makeDflt=*/0); });
  return &vfs;
}

}  // namespace

const char* WalWriteBufferVfs() { return Registered()->zName; }

}  // namespace therapy::homework::sqlite
