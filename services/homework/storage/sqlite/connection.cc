#include "services/homework/storage/sqlite/connection.h"

#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/homework/storage/sqlite/page_cache.h"
#include "services/homework/storage/sqlite/wal_write_buffer.h"

namespace therapy::homework::sqlite {
namespace {

constexpr Sql kBegin{"begin transaction", "BEGIN IMMEDIATE"};
constexpr Sql kCommit{"commit transaction", "COMMIT"};
constexpr Sql kRollback{"roll back transaction", "ROLLBACK"};

}  // namespace

absl::Status SqliteStatus(int result_code, absl::string_view purpose) {
  std::string message = absl::StrCat("SQLite: ", purpose, ": ", sqlite3_errstr(result_code));
  switch (result_code & 0xff) {
    case SQLITE_FULL:
      // Retrying does not help until an operator frees space: not UNAVAILABLE.
      return absl::ResourceExhaustedError(absl::StrCat(
          "the store's disk is full (SQLite: ", purpose,
          "): free space on the volume that holds the database; nothing acknowledged was lost, "
          "and writes and audited reads work again once there is room"));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement::Statement(sqlite3_stmt* statement, const char* purpose)
    : statement_(statement), purpose_(purpose) {}

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      purpose_(other.purpose_),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

int Statement::ParameterIndex(absl::string_view parameter) {
  const int index = sqlite3_bind_parameter_index(statement_, std::string(parameter).c_str());
  if (index == 0) KeepBindError(SQLITE_RANGE);
  return index;
}

void Statement::KeepBindError(int result_code) {
  if (bind_error_ == SQLITE_OK) bind_error_ = result_code;
}

Statement& Statement::BindText(absl::string_view parameter, absl::string_view value) {
  if (const int index = ParameterIndex(parameter); index != 0) {
    KeepBindError(sqlite3_bind_text64(statement_, index, value.data(), value.size(),
                                      SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  return *this;
}

Statement& Statement::BindBlob(absl::string_view parameter, absl::string_view bytes) {
  if (const int index = ParameterIndex(parameter); index != 0) {
    // A zero-length blob still needs a non-null pointer, or SQLite binds NULL.
    const char* data = bytes.empty() ? "" : bytes.data();
    KeepBindError(sqlite3_bind_blob64(statement_, index, data, bytes.size(), SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::BindInt64(absl::string_view parameter, int64_t value) {
  if (const int index = ParameterIndex(parameter); index != 0) {
    KeepBindError(sqlite3_bind_int64(statement_, index, value));
  }
  return *this;
}

int Statement::StepCode() {
  if (bind_error_ != SQLITE_OK) return bind_error_;
  return sqlite3_step(statement_);
}

absl::StatusOr<bool> Statement::Step() {
  const int code = StepCode();
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return SqliteStatus(code, purpose_);
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::StatusOr<InsertResult> Statement::Insert() {
  const int code = StepCode();
  if (code == SQLITE_DONE) return InsertResult::kInserted;
  if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) {
    return InsertResult::kDuplicateKey;
  }
  if (code == SQLITE_ROW) return absl::InternalError(absl::StrCat(purpose_, " returned rows"));
  return SqliteStatus(code, purpose_);
}

int64_t Statement::Changes() const { return sqlite3_changes64(sqlite3_db_handle(statement_)); }

int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

absl::string_view Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return {};
  return absl::string_view(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

absl::string_view Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  if (blob == nullptr) return {};
  return absl::string_view(static_cast<const char*>(blob),
                           static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             absl::Duration busy_timeout,
                                                             LogWrites log_writes) {
  InstallPageCache();  // before SQLite initialises, which the first open does
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serialises access, so SQLite's own locking is not needed.
  const int code = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      log_writes == LogWrites::kBuffered ? WalWriteBufferVfs() : nullptr);
  if (code != SQLITE_OK) {
    sqlite3_close_v2(db);  // a no-op for null
    return absl::UnavailableError(
        absl::StrCat("SQLite: cannot open database \"", path, "\": ", sqlite3_errstr(code)));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (const auto& [text, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

absl::StatusOr<Statement> Connection::Prepare(const Sql& sql) {
  auto it = statements_.find(sql.text);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    const int code =
        sqlite3_prepare_v3(db_, sql.text, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK) {
      sqlite3_finalize(statement);
      return SqliteStatus(code, sql.purpose);
    }
    it = statements_.emplace(sql.text, statement).first;
  }
  return Statement(it->second, sql.purpose);
}

absl::Status Connection::ExecuteScript(absl::string_view purpose, const char* text) {
  const int code = sqlite3_exec(db_, text, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return SqliteStatus(code, purpose);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Connection::ExplainQueryPlan(const Sql& sql) {
  const std::string text = absl::StrCat("EXPLAIN QUERY PLAN ", sql.text);
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v2(db_, text.c_str(), -1, &statement, nullptr);
  std::vector<std::string> steps;
  while (code == SQLITE_OK || code == SQLITE_ROW) {
    code = sqlite3_step(statement);
    // Columns: id, parent, notused, detail.
    if (code == SQLITE_ROW) {
      const unsigned char* detail = sqlite3_column_text(statement, 3);
      steps.emplace_back(detail == nullptr ? "" : reinterpret_cast<const char*>(detail));
    }
  }
  sqlite3_finalize(statement);
  if (code != SQLITE_DONE) return SqliteStatus(code, sql.purpose);
  return steps;
}

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Connection::SetWalHook(std::function<void(int wal_frames)> on_commit) {
  on_commit_ = std::move(on_commit);
  if (!on_commit_) {
    sqlite3_wal_hook(db_, nullptr, nullptr);
    return;
  }
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int wal_frames) {
        static_cast<Connection*>(self)->on_commit_(wal_frames);
        return SQLITE_OK;
      },
      this);
}

absl::StatusOr<Connection::WalCheckpoint> Connection::Checkpoint(CheckpointMode mode) {
  WalCheckpoint checkpoint;
  const int code = sqlite3_wal_checkpoint_v2(
      db_, nullptr,
      mode == CheckpointMode::kPassive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_RESTART,
      &checkpoint.wal_frames, &checkpoint.checkpointed_frames);
  if (code != SQLITE_OK) return SqliteStatus(code, "checkpoint the write-ahead log");
  return checkpoint;
}

absl::StatusOr<Transaction> Transaction::BeginImmediate(Connection& connection) {
  absl::StatusOr<Statement> begin = connection.Prepare(kBegin);
  if (!begin.ok()) return begin.status();
  if (absl::Status status = begin->Run(); !status.ok()) return status;
  return Transaction(&connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  // Best effort: after some errors SQLite has already rolled back, and ROLLBACK then fails.
  absl::StatusOr<Statement> rollback = connection_->Prepare(kRollback);
  if (rollback.ok()) rollback->Run().IgnoreError();
}

absl::Status Transaction::Commit() {
  absl::StatusOr<Statement> commit = connection_->Prepare(kCommit);
  if (!commit.ok()) return commit.status();
  if (absl::Status status = commit->Run(); !status.ok()) return status;  // rolled back later
  connection_ = nullptr;
  return absl::OkStatus();
}

}  // namespace therapy::homework::sqlite
