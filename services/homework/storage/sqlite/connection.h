#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_CONNECTION_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_CONNECTION_H_

// A thin RAII layer over the SQLite C API for the SQLite store: one connection with its cache of
// prepared statements, statements with named parameters, transactions, and the one mapping from
// SQLite result codes to absl::Status. Not thread-safe: the owner serialises use of a Connection
// and of its Statements.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace therapy::homework::sqlite {

// A named SQL statement. The purpose ("insert client") names the statement in error messages,
// which never carry SQL. Define Sql values as constants: a Connection caches the prepared form
// by the address of `text`.
struct Sql {
  const char* purpose;
  const char* text;
};

// The status for a failed SQLite call: UNAVAILABLE for what a retry may fix (busy, locked, I/O,
// disk full), INTERNAL for a corrupt or foreign file and anything else. The message names the
// purpose and SQLite's generic text for the code, never SQL or data.
absl::Status SqliteStatus(int result_code, absl::string_view purpose);

enum class InsertResult {
  kInserted,
  kDuplicateKey,  // a PRIMARY KEY or UNIQUE constraint refused the row
};

// A prepared statement borrowed from its Connection's cache. Bind parameters by name (":name"),
// step, read columns; destroying it resets the statement for the next use. Bind errors are kept
// and reported by the next Step, Run or Insert.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& BindText(absl::string_view parameter, absl::string_view value);
  Statement& BindBlob(absl::string_view parameter, absl::string_view bytes);
  Statement& BindInt64(absl::string_view parameter, int64_t value);

  // Advances to the next row: true when there is one, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows to completion.
  absl::Status Run();
  // Runs an INSERT, telling a key collision apart from other failures.
  absl::StatusOr<InsertResult> Insert();
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int64_t Changes() const;

  // Columns of the current row (valid until the next Step), 0-based.
  int64_t ColumnInt64(int column) const;
  absl::string_view ColumnText(int column) const;
  absl::string_view ColumnBlob(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3_stmt* statement, const char* purpose);
  // The index of a named parameter, or 0 (recorded as a bind error) when there is none.
  int ParameterIndex(absl::string_view parameter);
  void KeepBindError(int result_code);
  // Steps once; the first bind error instead, if any.
  int StepCode();

  sqlite3_stmt* statement_;
  const char* purpose_;
  int bind_error_ = 0;
};

class Connection {
 public:
  // How a connection writes its write-ahead log's frames.
  enum class LogWrites {
    kDirect,  // SQLite's own way: two write calls per frame
    // A commit's frames in one write call per 124 KiB (wal_write_buffer.h). Only for a
    // connection at synchronous = FULL, which writes them before the commit's sync; at NORMAL
    // they would be written as the commit is published, where a failed write stops the process.
    kBuffered,
  };
  // Opens (creating if needed) the database at `path` with extended result codes and the given
  // busy timeout. UNAVAILABLE when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, absl::Duration busy_timeout,
      LogWrites log_writes = LogWrites::kDirect);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The prepared statement for `sql`, prepared on first use and then reused. Only one
  // Statement per Sql may be alive at a time.
  absl::StatusOr<Statement> Prepare(const Sql& sql);

  // Runs SQL text that takes no parameters, possibly several statements (pragmas, DDL). Rows
  // it returns are ignored.
  absl::Status ExecuteScript(absl::string_view purpose, const char* text);

  // The steps of SQLite's plan for `sql` (EXPLAIN QUERY PLAN), one line each; the statement
  // is prepared for this alone, not cached.
  absl::StatusOr<std::vector<std::string>> ExplainQueryPlan(const Sql& sql);

  // Whether a transaction is open (SQLite rolls one back by itself after some errors).
  bool InTransaction() const;

  // Calls `on_commit` with the number of frames in the write-ahead log after each commit on
  // this connection (SQLite's WAL hook), on the committing thread, after the commit. This
  // replaces SQLite's automatic checkpoint on this connection; null removes the hook and leaves
  // the connection with no checkpoint of its own.
  void SetWalHook(std::function<void(int wal_frames)> on_commit);

  struct WalCheckpoint {
    int wal_frames = 0;           // frames in the write-ahead log
    int checkpointed_frames = 0;  // of those, copied into the database file
  };
  enum class CheckpointMode {
    // Copies into the database file the log's frames that no reader still needs, without
    // waiting for readers or writers.
    kPassive,
    // Waits (up to the busy timeout) for other writers and for readers of older snapshots,
    // copies every frame, then waits until no reader reads from the log, so that the next
    // commit starts the log again from its beginning. UNAVAILABLE when the wait timed out
    // (what could be copied was).
    kRestart,
  };
  absl::StatusOr<WalCheckpoint> Checkpoint(CheckpointMode mode);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  absl::flat_hash_map<const char*, sqlite3_stmt*> statements_;
  std::function<void(int)> on_commit_;
};

// A write transaction taken with BEGIN IMMEDIATE (so a busy database fails at the start, not
// half-way). Rolled back on destruction unless committed.
class Transaction {
 public:
  static absl::StatusOr<Transaction> BeginImmediate(Connection& connection);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}

  Connection* connection_;  // null once committed or rolled back
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_CONNECTION_H_
