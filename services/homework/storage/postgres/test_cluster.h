#ifndef SERVICES_HOMEWORK_STORAGE_POSTGRES_TEST_CLUSTER_H_
#define SERVICES_HOMEWORK_STORAGE_POSTGRES_TEST_CLUSTER_H_

// A private PostgreSQL cluster for tests: its own data directory and Unix socket in a new
// temporary folder, no TCP listener, so nothing is reachable from the network and runs in
// parallel cannot meet. Made with Debian's initdb and pg_ctl; when the test runs as root they
// run as the `postgres` user (the server refuses to run as root), and the folder is given to it.
//
// By default the cluster trades durability for speed (fsync off): it is thrown away with the
// folder. A benchmark of durable writes asks for `durable` (fsync and full-page writes on, as a
// production server has them). Its default collation is ICU's en-US, where "a" sorts before "B",
// so tests notice a query that sorts by the cluster's collation instead of byte order.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace therapy::homework::postgres {

struct TestClusterOptions {
  std::string bin_dir = "/usr/lib/postgresql/15/bin";  // initdb, pg_ctl, postgres
  std::string parent_dir = "/tmp/";                    // where the folder is made; ends in '/'
  bool durable = false;  // fsync and full_page_writes on (PostgreSQL's defaults) instead of off
};

// Not thread-safe; meant for a test's global environment.
class TestCluster {
 public:
  // Creates the folder, runs initdb (superuser `homework`, trust authentication on the socket)
  // and starts the server. The error carries the tail of the command's output.
  static absl::StatusOr<std::unique_ptr<TestCluster>> Create(const TestClusterOptions& options);

  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;
  // Stops the server and removes the folder.
  ~TestCluster();

  // A new, empty database `t_<n>`; returns its name.
  absl::StatusOr<std::string> CreateDatabase();
  // Drops a database, ending its sessions first (DROP DATABASE ... WITH (FORCE)).
  absl::Status DropDatabase(absl::string_view name);

  // The connection URI of `database` as the superuser, over the cluster's socket.
  std::string Uri(absl::string_view database) const;

  // Stops the server (pg_ctl stop -m fast: sessions are ended, as in a restart); when pg_ctl
  // fails, sends SIGQUIT to the postmaster's PID. The data stays.
  absl::Status StopServer();
  // Starts the stopped server again on the same data and socket (pg_ctl start -w).
  absl::Status StartServer();

  // The postmaster's PID while the server runs; 0 when it is stopped.
  pid_t server_pid() const { return server_pid_; }

 private:
  TestCluster(TestClusterOptions options, std::string folder, bool as_postgres_user, uid_t uid,
              gid_t gid);

  // Runs a program of bin_dir (as `postgres` when needed) with its output appended to
  // commands.log in the folder. OK when it exits with 0.
  absl::Status RunTool(absl::string_view tool, const std::vector<std::string>& arguments) const;
  std::string DataDir() const { return folder_ + "/data"; }
  // The last lines of a log file of the folder, for error messages.
  std::string LogTail(absl::string_view file_name) const;

  const TestClusterOptions options_;
  const std::string folder_;
  const bool as_postgres_user_;
  const uid_t uid_;
  const gid_t gid_;
  pid_t server_pid_ = 0;
  int databases_ = 0;
};

}  // namespace therapy::homework::postgres

#endif  // SERVICES_HOMEWORK_STORAGE_POSTGRES_TEST_CLUSTER_H_
