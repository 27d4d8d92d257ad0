#ifndef SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_H_
#define SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_H_

// A thin RAII layer over libpq for the PostgreSQL store: one connection with its cache of
// prepared statements, positional parameters sent in binary, results read in binary, and the
// one mapping from SQLSTATE codes to absl::Status. Not thread-safe: one thread at a time uses a
// Connection (the pool hands each to one caller).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

struct pg_conn;
struct pg_result;

namespace therapy::homework::postgres {

// A named SQL statement with positional parameters ($1, $2, ...). The purpose ("insert client")
// names the statement in error messages, which never carry SQL or data. Define Sql values as
// constants: a Connection caches the prepared form by the address of `text`.
struct Sql {
  const char* purpose;
  const char* text;
};

// SQLSTATE codes the store acts on.
inline constexpr absl::string_view kUniqueViolation = "23505";
inline constexpr absl::string_view kDivisionByZero = "22012";
inline constexpr absl::string_view kSerializationFailure = "40001";
inline constexpr absl::string_view kDeadlockDetected = "40P01";

// The status for a failed statement, from its SQLSTATE (empty when libpq lost the connection):
// UNAVAILABLE for what a retry may fix (connection exceptions, class 08; the server shutting
// down or starting, 57P01-57P03; serialization failure and deadlock, 40001 and 40P01; lock and
// statement timeouts, 55P03 and 57014; insufficient resources, class 53; and a lost connection),
// INVALID_ARGUMENT for a value the database refuses (class 22, for example text that is not
// UTF-8), INTERNAL for anything else. The message names the purpose and the SQLSTATE, never SQL
// or data.
absl::Status PostgresStatus(absl::string_view sqlstate, absl::string_view purpose);

// A parameter of a statement, sent in binary with its type. Text and Bytes borrow the value,
// which must outlive the call it is passed to.
class Param {
 public:
  static Param Text(absl::string_view value);
  static Param Bytes(absl::string_view value);
  static Param Int64(int64_t value);

  unsigned int type() const { return type_; }  // the type's Oid
  const char* data() const { return is_int_ ? int_bytes_.data() : value_.data(); }
  int size() const { return static_cast<int>(is_int_ ? int_bytes_.size() : value_.size()); }

 private:
  Param(unsigned int type, absl::string_view value) : type_(type), value_(value) {}

  unsigned int type_;
  absl::string_view value_;
  bool is_int_ = false;
  std::array<char, 8> int_bytes_{};  // big-endian, for Int64
};

// The rows of a statement, in binary. Columns are 0-based.
class Result {
 public:
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;
  ~Result();

  int rows() const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected_rows() const;
  bool IsNull(int row, int column) const;
  // An integer column (smallint, integer or bigint).
  int64_t Int64(int row, int column) const;
  // A text or bytea column, valid while the Result lives.
  absl::string_view Bytes(int row, int column) const;

 private:
  friend class Connection;
  explicit Result(pg_result* result);

  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

// One statement of a pipeline (Connection::ExecutePipeline): its SQL and its parameters, whose
// values it borrows as Execute does.
struct Statement {
  const Sql* sql;
  std::vector<Param> params;
};

// Where and how to connect.
struct ConnectionSettings {
  std::string conninfo;  // a libpq URI (postgresql://...) or key=value string
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(5);
};

class Connection {
 public:
  // Connects (UTF-8, the statement timeout set for the session). UNAVAILABLE when the server
  // cannot be reached or refuses the connection; the message carries libpq's reason, which
  // names the server but never the password.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectionSettings& settings);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs `sql` with `params`, preparing it on this connection on first use; the types of the
  // first call's parameters are the statement's. Errors as PostgresStatus.
  absl::StatusOr<Result> Execute(const Sql& sql, absl::Span<const Param> params = {});

  // Runs `statements` in order in one round trip (libpq's pipeline mode): each is prepared on
  // this connection on first use (a round trip of its own, once), then all are sent with one
  // Sync. One result per statement: its rows, or its error. After a statement fails the server
  // skips the rest, which are ABORTED ("not run"). A failure inside a transaction aborts it, as
  // with Execute, and last_sqlstate() is the failed statement's.
  std::vector<absl::StatusOr<Result>> ExecutePipeline(absl::Span<const Statement> statements);

  // Runs SQL text that takes no parameters, possibly several statements (DDL of a migration),
  // with the simple query protocol. Rows it returns are ignored.
  absl::Status ExecuteScript(absl::string_view purpose, const char* text);

  // The SQLSTATE of the last failed call; empty when the last call succeeded, or when libpq
  // reported no code (a lost connection).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  // Whether the connection is unusable: libpq lost it, or the server ended the session. A
  // broken connection is never reused.
  bool broken() const;

  // Whether no transaction is open or failed on the connection (so it may go back to a pool).
  bool idle() const;

  // For an idle connection: checks without blocking whether the server has closed it (ended
  // the session or restarted) while it sat in a pool. False when it has or is broken.
  bool LooksAlive();

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  // Records the failure of `result` (may be null) and returns its status.
  absl::Status Fail(pg_result* result, absl::string_view purpose);
  // The name `sql` is prepared under on this connection, preparing it first if it is not yet
  // (with the types of `params`).
  absl::StatusOr<std::string> Prepare(const Sql& sql, absl::Span<const Param> params);

  pg_conn* conn_;
  // Prepared statement names by the address of the Sql text.
  absl::flat_hash_map<const char*, std::string> prepared_;
  std::string last_sqlstate_;
  bool session_ended_ = false;  // the server ended the session (57P01-57P03, class 08)
};

// A transaction at READ COMMITTED, rolled back on destruction unless committed (skipped on a
// broken connection, whose session is gone with its transaction).
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Connection& connection);

  // What follows a transaction's statements in their round trip.
  enum class Then {
    kWait,    // nothing: the caller reads the results, then commits or rolls back
    kCommit,  // COMMIT: for statements whose every failure is an error, nothing to decide on
  };
  // BEGIN and then `statements` in one round trip (Connection::ExecutePipeline); `results` gets
  // one result per statement. An error only when BEGIN itself failed, and then nothing ran.
  // With Then::kCommit the same round trip ends with COMMIT, which PostgreSQL skips after a
  // failed statement (the transaction is then rolled back on destruction): Commit() sends
  // nothing and returns its outcome, and commit_sent() is true from the start unless the
  // connection was known broken before (nothing sent). A connection that breaks after sending
  // leaves the outcome unknown, since the server may have committed before the answers were
  // lost: a transaction is then returned, never an error, with every result and Commit() failed.
  static absl::StatusOr<Transaction> Begin(Connection& connection,
                                           absl::Span<const Statement> statements,
                                           std::vector<absl::StatusOr<Result>>& results,
                                           Then then = Then::kWait);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Commits. When this fails on a broken connection the outcome is unknown: the server may
  // have committed before the connection was lost. `commit_sent()` tells the caller so.
  absl::Status Commit();
  bool commit_sent() const { return commit_sent_; }

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}

  Connection* connection_;  // null once committed or moved from
  bool commit_sent_ = false;
  // With Then::kCommit: what the COMMIT sent with the statements returned.
  std::optional<absl::Status> sent_commit_;
};

}  // namespace therapy::homework::postgres

#endif  // SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_H_
