#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_WAL_WRITE_BUFFER_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_WAL_WRITE_BUFFER_H_

// A SQLite VFS that hands a commit's write-ahead log frames to the kernel in one write.
//
// SQLite writes each frame of a commit with two pwrite calls, its 24-byte header and then its
// page: a batch of 40 completions that dirties 160 pages makes 320 system calls, each one
// locking the file and the page cache pages it touches, on the writer's thread. A connection
// opened with this VFS keeps the frames a commit appends to its log in a buffer and writes them
// with one call per 124 KiB (the most SQLite's own VFS writes at once) before anything can see
// them or depend on them (docs/decisions/0028):
// - before the log is synced (a commit with synchronous=FULL syncs it before it is visible),
//   read, truncated, measured or closed through this connection;
// - at the latest when the commit publishes its frames in the shared-memory index (the database
//   file's xShmBarrier, which SQLite calls between the two copies of the index's header): with
//   synchronous=NORMAL that is the only flush. A write that fails there cannot be reported to
//   SQLite, which is about to show the frames to readers, so the process aborts instead (the
//   commit was not acknowledged; recovery ignores its frames).
// Writes that do not continue the buffer (SQLite rewriting a frame of the same transaction, the
// log's header after a restart) flush it first, and a buffer of 2 MiB is written at once. A write
// that fails fails its transaction and nothing after it: until SQLite writes again at or before
// the lost frames' place, every later write and sync of the log fails too. The database file
// itself (checkpoints) is written through unchanged.

namespace therapy::homework::sqlite {

// The name to pass to sqlite3_open_v2 for a connection whose log writes are buffered; the VFS
// wraps SQLite's default one and is registered (not as the default) on the first call.
// Thread-safe.
const char* WalWriteBufferVfs();

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_WAL_WRITE_BUFFER_H_
