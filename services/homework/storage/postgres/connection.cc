#include "services/homework/storage/postgres/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace therapy::homework::postgres {
namespace {

constexpr Sql kBegin{"begin transaction", "BEGIN ISOLATION LEVEL READ COMMITTED"};
constexpr Sql kCommit{"commit transaction", "COMMIT"};
constexpr Sql kRollback{"roll back transaction", "ROLLBACK"};
// $1: milliseconds. SET takes no parameters; set_config does.
constexpr Sql kSetStatementTimeout{"set statement timeout",
                                   "SELECT set_config('statement_timeout', $1, false)"};

// Type Oids (pg_type), fixed since PostgreSQL's first releases.
constexpr unsigned int kByteaOid = 17;
constexpr unsigned int kInt8Oid = 20;
constexpr unsigned int kTextOid = 25;

constexpr int kBinaryFormat = 1;

// What a SQLSTATE means, for messages: the code alone is precise but opaque to a reader.
absl::string_view Describe(absl::string_view sqlstate) {
  if (absl::StartsWith(sqlstate, "08")) return "connection failure";
  if (absl::StartsWith(sqlstate, "53")) return "the server is out of resources";
  if (absl::StartsWith(sqlstate, "22")) return "a value the database refuses";
  if (sqlstate == "57P01") return "the server is shutting down";
  if (sqlstate == "57P02") return "the server crashed";
  if (sqlstate == "57P03") return "the server is starting up";
  if (sqlstate == kSerializationFailure) return "serialization failure";
  if (sqlstate == kDeadlockDetected) return "deadlock";
  if (sqlstate == "55P03") return "lock not available";
  if (sqlstate == "57014") return "statement timeout";
  if (sqlstate == kUniqueViolation) return "unique violation";
  if (absl::StartsWith(sqlstate, "42")) return "the schema does not match this binary";
  return "";
}

// Whether the server ended the session: its connection cannot be used again.
bool EndsSession(absl::string_view sqlstate) {
  return absl::StartsWith(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

// libpq prints notices (for example CREATE TABLE IF NOT EXISTS's "skipping") to stderr by
// default; the store has nothing to say about them.
void IgnoreNotice(void* /*arg*/, const PGresult* /*notice*/) {}

// libpq's message for a failed connection, on one line.
std::string ConnectionError(pg_conn* conn) {
  std::string message = conn == nullptr ? "out of memory" : PQerrorMessage(conn);
  absl::StripTrailingAsciiWhitespace(&message);
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  return message;
}

}  // namespace

absl::Status PostgresStatus(absl::string_view sqlstate, absl::string_view purpose) {
  if (sqlstate.empty()) {
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL: ", purpose, ": the connection to the server was lost"));
  }
  const absl::string_view description = Describe(sqlstate);
  std::string message =
      absl::StrCat("PostgreSQL: ", purpose, ": SQLSTATE ", sqlstate,
                   description.empty() ? "" : " (", description, description.empty() ? "" : ")");
  if (sqlstate == "53100") {  // disk_full: retrying does not help until space is freed
    return absl::ResourceExhaustedError(absl::StrCat(
        "the store's disk is full (", message,
        "): free space on the PostgreSQL server's data volume; nothing acknowledged was lost"));
  }
  if (EndsSession(sqlstate) || absl::StartsWith(sqlstate, "53") ||
      sqlstate == kSerializationFailure || sqlstate == kDeadlockDetected || sqlstate == "55P03" ||
      sqlstate == "57014") {
    return absl::UnavailableError(message);
  }
  if (absl::StartsWith(sqlstate, "22")) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

Param Param::Text(absl::string_view value) { return Param(kTextOid, value); }

Param Param::Bytes(absl::string_view value) { return Param(kByteaOid, value); }

Param Param::Int64(int64_t value) {
  Param param(kInt8Oid, {});
  param.is_int_ = true;
  const auto bits = static_cast<uint64_t>(value);
  for (size_t i = 0; i < param.int_bytes_.size(); ++i) {
    param.int_bytes_[i] = static_cast<char>((bits >> (8 * (7 - i))) & 0xff);
  }
  return param;
}

void Result::Clear::operator()(pg_result* result) const { PQclear(result); }

Result::Result(pg_result* result) : result_(result) {}

Result::~Result() = default;

int Result::rows() const { return PQntuples(result_.get()); }

int64_t Result::affected_rows() const {
  int64_t rows = 0;
  if (!absl::SimpleAtoi(PQcmdTuples(result_.get()), &rows)) return 0;
  return rows;
}

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

int64_t Result::Int64(int row, int column) const {
  const auto* bytes =
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column));
  const int length = PQgetlength(result_.get(), row, column);
  uint64_t bits = 0;
  for (int i = 0; i < length; ++i) bits = (bits << 8) | bytes[i];
  // Sign-extend the narrower integer types.
  if (length > 0 && length < 8 && (bytes[0] & 0x80) != 0) bits |= ~uint64_t{0} << (8 * length);
  return static_cast<int64_t>(bits);
}

absl::string_view Result::Bytes(int row, int column) const {
  return absl::string_view(PQgetvalue(result_.get(), row, column),
                           static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectionSettings& settings) {
  // libpq counts whole seconds; less than 2 is not recommended (and 0 means forever).
  const std::string connect_timeout = absl::StrCat(std::max<int64_t>(
      2, absl::ToInt64Seconds(absl::Ceil(settings.connect_timeout, absl::Seconds(1)))));
  // `dbname` is expanded from the URI in place; later keywords override what it sets.
  const char* const keywords[] = {"dbname", "connect_timeout", "client_encoding",
                                  "fallback_application_name", nullptr};
  const char* const values[] = {settings.conninfo.c_str(), connect_timeout.c_str(), "UTF8",
                                "homework", nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string reason = ConnectionError(conn);
    PQfinish(conn);  // a no-op for null
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL: cannot connect to the database: ", reason));
  }
  PQsetNoticeReceiver(conn, &IgnoreNotice, nullptr);
  auto connection = std::unique_ptr<Connection>(new Connection(conn));
  const std::string timeout_millis =
      absl::StrCat(absl::ToInt64Milliseconds(settings.statement_timeout));
  absl::StatusOr<Result> set =
      connection->Execute(kSetStatementTimeout, {Param::Text(timeout_millis)});
  if (!set.ok()) return set.status();
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return session_ended_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::LooksAlive() {
  if (broken() || !idle()) return false;
  // A session the server ended has its last message (FATAL) and end of file waiting on the
  // socket; a live idle session has nothing. Read what is there until nothing more is.
  for (int reads = 0; reads < 4; ++reads) {
    pollfd socket{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    const int ready = poll(&socket, 1, /*timeout=*/0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready == 0) return true;
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) return false;
    while (PGnotify* notify = PQnotifies(conn_)) PQfreemem(notify);
  }
  return false;  // still readable after several reads: not an idle session
}

absl::Status Connection::Fail(pg_result* result, absl::string_view purpose) {
  last_sqlstate_.clear();
  if (result != nullptr) {
    if (const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE); code != nullptr) {
      last_sqlstate_ = code;
    }
    PQclear(result);
  }
  if (EndsSession(last_sqlstate_)) session_ended_ = true;
  if (last_sqlstate_.empty() && !broken()) {
    // libpq failed without a code on a live connection (out of memory, a protocol error):
    // the session's state is unknown, so it is not reused.
    session_ended_ = true;
  }
  return PostgresStatus(last_sqlstate_, purpose);
}

absl::StatusOr<std::string> Connection::Prepare(const Sql& sql, absl::Span<const Param> params) {
  auto prepared = prepared_.find(sql.text);
  if (prepared != prepared_.end()) return prepared->second;
  std::string name = absl::StrCat("homework_", prepared_.size() + 1);
  std::vector<unsigned int> types;
  types.reserve(params.size());
  for (const Param& param : params) types.push_back(param.type());
  pg_result* result =
      PQprepare(conn_, name.c_str(), sql.text, static_cast<int>(params.size()), types.data());
  if (PQresultStatus(result) != PGRES_COMMAND_OK) return Fail(result, sql.purpose);
  PQclear(result);
  prepared_.emplace(sql.text, name);
  return name;
}

namespace {

// A statement's parameters as libpq takes them, binary.
struct ParamArrays {
  explicit ParamArrays(absl::Span<const Param> params) : formats(params.size(), kBinaryFormat) {
    values.reserve(params.size());
    lengths.reserve(params.size());
    for (const Param& param : params) {
      // A null pointer would send NULL; an empty value is not null.
      values.push_back(param.size() == 0 ? "" : param.data());
      lengths.push_back(param.size());
    }
  }
  int count() const { return static_cast<int>(values.size()); }

  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

bool Succeeded(const pg_result* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

}  // namespace

absl::StatusOr<Result> Connection::Execute(const Sql& sql, absl::Span<const Param> params) {
  if (broken()) return Fail(nullptr, sql.purpose);
  absl::StatusOr<std::string> name = Prepare(sql, params);
  if (!name.ok()) return name.status();
  const ParamArrays arrays(params);
  pg_result* result = PQexecPrepared(conn_, name->c_str(), arrays.count(), arrays.values.data(),
                                     arrays.lengths.data(), arrays.formats.data(), kBinaryFormat);
  if (!Succeeded(result)) return Fail(result, sql.purpose);
  last_sqlstate_.clear();
  return Result(result);
}

std::vector<absl::StatusOr<Result>> Connection::ExecutePipeline(
    absl::Span<const Statement> statements) {
  std::vector<absl::StatusOr<Result>> results;
  results.reserve(statements.size());
  // Every result not read yet is `status`.
  const auto rest_are = [&](const absl::Status& status) {
    while (results.size() < statements.size()) results.emplace_back(status);
    return std::move(results);
  };
  if (statements.empty()) return results;
  const absl::string_view first = statements.front().sql->purpose;
  if (broken()) return rest_are(Fail(nullptr, first));
  std::vector<std::string> names;
  names.reserve(statements.size());
  for (const Statement& statement : statements) {
    absl::StatusOr<std::string> name = Prepare(*statement.sql, statement.params);
    if (!name.ok()) return rest_are(name.status());
    names.push_back(*std::move(name));
  }

  if (PQenterPipelineMode(conn_) != 1) return rest_are(Fail(nullptr, first));
  bool sent = true;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    const ParamArrays arrays(statements[i].params);
    sent = PQsendQueryPrepared(conn_, names[i].c_str(), arrays.count(), arrays.values.data(),
                               arrays.lengths.data(), arrays.formats.data(), kBinaryFormat) == 1;
  }
  if (!sent || PQpipelineSync(conn_) != 1) {
    // The connection failed while sending; nothing can be read back reliably.
    session_ended_ = true;
    return rest_are(Fail(nullptr, first));
  }

  last_sqlstate_.clear();  // set by the statement that fails, if one does
  const absl::Status not_run = absl::AbortedError(
      "not run: an earlier statement of the same round trip to PostgreSQL failed");
  for (const Statement& statement : statements) {
    // One result and then a null per statement.
    pg_result* result = PQgetResult(conn_);
    if (result == nullptr) return rest_are(Fail(nullptr, statement.sql->purpose));
    while (pg_result* more = PQgetResult(conn_)) PQclear(more);
    if (PQresultStatus(result) == PGRES_PIPELINE_ABORTED) {
      PQclear(result);
      results.emplace_back(not_run);
    } else if (Succeeded(result)) {
      results.emplace_back(Result(result));
    } else {
      results.emplace_back(Fail(result, statement.sql->purpose));
    }
  }
  // Then the Sync's own result, after which the connection may leave pipeline mode.
  pg_result* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    session_ended_ = true;  // out of step with the server: not reused
  }
  return results;
}

absl::Status Connection::ExecuteScript(absl::string_view purpose, const char* text) {
  if (broken()) return Fail(nullptr, purpose);
  pg_result* result = PQexec(conn_, text);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Fail(result, purpose);
  PQclear(result);
  last_sqlstate_.clear();
  return absl::OkStatus();
}

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection) {
  absl::StatusOr<Result> begin = connection.Execute(kBegin);
  if (!begin.ok()) return begin.status();
  return Transaction(&connection);
}

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection,
                                               absl::Span<const Statement> statements,
                                               std::vector<absl::StatusOr<Result>>& results,
                                               Then then) {
  std::vector<Statement> all = {Statement{.sql = &kBegin, .params = {}}};
  all.insert(all.end(), statements.begin(), statements.end());
  const bool commit = then == Then::kCommit;
  if (commit) all.push_back(Statement{.sql = &kCommit, .params = {}});
  // A connection already known broken sends nothing; any other may have reached the server.
  const bool sends = !connection.broken();
  results = connection.ExecutePipeline(all);
  absl::StatusOr<Result> begin = std::move(results.front());
  results.erase(results.begin());
  std::optional<absl::Status> sent_commit;
  if (commit) {
    sent_commit = results.back().status();
    results.pop_back();
  }
  // A broken connection may have lost the answers of statements the server ran, COMMIT's
  // among them: the transaction then stands for an unknown outcome.
  if (!begin.ok() && !(commit && sends && connection.broken())) return begin.status();
  Transaction transaction(&connection);
  if (commit) {
    transaction.commit_sent_ = sends;
    transaction.sent_commit_ = *std::move(sent_commit);
    if (transaction.sent_commit_->ok()) transaction.connection_ = nullptr;  // committed
  }
  return transaction;
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)),
      commit_sent_(other.commit_sent_),
      sent_commit_(std::move(other.sent_commit_)) {}

Transaction::~Transaction() {
  if (connection_ == nullptr || connection_->broken()) return;
  // Best effort: a failed ROLLBACK leaves the connection not idle, and the pool drops it.
  connection_->Execute(kRollback).IgnoreError();
}

absl::Status Transaction::Commit() {
  if (sent_commit_.has_value()) return *sent_commit_;
  commit_sent_ = true;
  absl::StatusOr<Result> commit = connection_->Execute(kCommit);
  if (!commit.ok()) return commit.status();  // rolled back by the destructor, if still open
  connection_ = nullptr;
  return absl::OkStatus();
}

}  // namespace therapy::homework::postgres
