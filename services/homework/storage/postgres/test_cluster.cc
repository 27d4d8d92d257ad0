#include "services/homework/storage/postgres/test_cluster.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "testing/child_process.h"

namespace therapy::homework::postgres {
namespace {

// The server listens on no TCP port; the port only names its socket file (.s.PGSQL.5432) in the
// cluster's own folder, so every cluster can use the same one.
constexpr int kPort = 5432;

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// `text` with every byte outside [A-Za-z0-9/._-] percent-encoded, for a URI's query value.
std::string PercentEncode(absl::string_view text) {
  std::string encoded;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
        c == '-') {
      encoded.push_back(c);
    } else {
      absl::StrAppend(&encoded, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return encoded;
}

// Runs one SQL command as the superuser on database `postgres`.
absl::Status RunAdminCommand(const std::string& uri, const std::string& command) {
  PGconn* conn = PQconnectdb(uri.c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(absl::StrCat("cannot connect: ", PQerrorMessage(conn)));
  } else {
    PGresult* result = PQexec(conn, command.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      status = absl::InternalError(absl::StrCat(command, ": ", PQerrorMessage(conn)));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestCluster>> TestCluster::Create(
    const TestClusterOptions& options) {
  const std::string initdb = options.bin_dir + "/initdb";
  if (access(initdb.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no PostgreSQL server at ", options.bin_dir,
                     " (on Debian 12: apt-get install -y postgresql)"));
  }
  const bool as_postgres_user = geteuid() == 0;
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (as_postgres_user) {
    const passwd* user = getpwnam("postgres");
    if (user == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, but there is no `postgres` user to run the server as");
    }
    uid = user->pw_uid;
    gid = user->pw_gid;
  }
  std::string folder = options.parent_dir + "homework_pg.XXXXXX";
  if (mkdtemp(folder.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", folder, ": ", ErrnoText(errno)));
  }
  // From here on the destructor removes the folder.
  auto cluster = std::unique_ptr<TestCluster>(
      new TestCluster(options, std::move(folder), as_postgres_user, uid, gid));
  if (as_postgres_user && chown(cluster->folder_.c_str(), uid, gid) != 0) {
    return absl::InternalError(
        absl::StrCat("chown ", cluster->folder_, " to postgres: ", ErrnoText(errno)));
  }
  if (absl::Status status =
          cluster->RunTool("initdb", {"-D", cluster->DataDir(), "-A", "trust", "-U", "homework",
                                      "-E", "UTF8", "--locale=C", "--locale-provider=icu",
                                      "--icu-locale=en-US", "--no-sync", "--no-instructions"});
      !status.ok()) {
    return status;
  }
  if (absl::Status status = cluster->StartServer(); !status.ok()) return status;
  return cluster;
}

TestCluster::TestCluster(TestClusterOptions options, std::string folder, bool as_postgres_user,
                         uid_t uid, gid_t gid)
    : options_(std::move(options)),
      folder_(std::move(folder)),
      as_postgres_user_(as_postgres_user),
      uid_(uid),
      gid_(gid) {}

TestCluster::~TestCluster() {
  if (server_pid_ != 0) StopServer().IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string TestCluster::Uri(absl::string_view database) const {
  return absl::StrCat("postgresql:///", database, "?host=", PercentEncode(folder_), "&port=", kPort,
                      "&user=homework");
}

absl::StatusOr<std::string> TestCluster::CreateDatabase() {
  std::string name = absl::StrCat("t_", ++databases_);
  if (absl::Status status = RunAdminCommand(Uri("postgres"), "CREATE DATABASE " + name);
      !status.ok()) {
    return status;
  }
  return name;
}

absl::Status TestCluster::DropDatabase(absl::string_view name) {
  // Names come from CreateDatabase (t_<n>); quoted all the same.
  std::string quoted = absl::StrCat("\"", name, "\"");
  return RunAdminCommand(Uri("postgres"),
                         absl::StrCat("DROP DATABASE IF EXISTS ", quoted, " WITH (FORCE)"));
}

absl::Status TestCluster::StartServer() {
  const std::string server_options =
      absl::StrCat("-k '", folder_, "' -c listen_addresses='' -p ", kPort,
                   options_.durable ? " -c fsync=on -c full_page_writes=on"
                                    : " -c fsync=off -c full_page_writes=off",
                   " -c max_connections=200");
  if (absl::Status status =
          RunTool("pg_ctl", {"start", "-D", DataDir(), "-l", folder_ + "/server.log", "-w", "-t",
                             "60", "-o", server_options});
      !status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(status.message(), "; server log: ", LogTail("server.log")));
  }
  // The first line of postmaster.pid is the postmaster's PID.
  std::ifstream pid_file(DataDir() + "/postmaster.pid");
  std::string first_line;
  std::getline(pid_file, first_line);
  int pid = 0;
  if (!absl::SimpleAtoi(first_line, &pid) || pid <= 0) {
    return absl::InternalError("the server started but postmaster.pid names no PID");
  }
  server_pid_ = pid;
  return absl::OkStatus();
}

absl::Status TestCluster::StopServer() {
  if (server_pid_ == 0) return absl::OkStatus();
  absl::Status status =
      RunTool("pg_ctl", {"stop", "-D", DataDir(), "-m", "fast", "-w", "-t", "30"});
  if (!status.ok()) {
    // pg_ctl could not stop it: end the postmaster by its PID (an immediate shutdown).
    kill(server_pid_, SIGQUIT);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (kill(server_pid_, 0) == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  server_pid_ = 0;
  return status;
}

absl::Status TestCluster::RunTool(absl::string_view tool,
                                  const std::vector<std::string>& arguments) const {
  std::vector<std::string> argv = {absl::StrCat(options_.bin_dir, "/", tool)};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const std::string log = folder_ + "/commands.log";
  absl::StatusOr<testing::ChildProcess> child = testing::ChildProcess::Start(
      {.argv = argv,
       .output = {.stdout_path = log, .stderr_path = log},
       .working_dir = folder_,
       .run_as = as_postgres_user_ ? std::optional(testing::RunAs{.uid = uid_, .gid = gid_})
                                   : std::nullopt});
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = child->WaitForExit(absl::InfiniteDuration());
  if (!code.ok()) return code.status();
  if (*code == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(tool, " ", absl::StrJoin(arguments, " "), " failed (exit code ", *code,
                   ", 128 + signal when killed): ", LogTail("commands.log")));
}

std::string TestCluster::LogTail(absl::string_view file_name) const {
  std::ifstream file(absl::StrCat(folder_, "/", file_name));
  std::stringstream contents;
  contents << file.rdbuf();
  std::vector<std::string> lines = absl::StrSplit(contents.str(), '\n', absl::SkipEmpty());
  constexpr size_t kLines = 15;
  if (lines.size() > kLines) lines.erase(lines.begin(), lines.end() - kLines);
  return absl::StrJoin(lines, "\n");
}

}  // namespace therapy::homework::postgres
