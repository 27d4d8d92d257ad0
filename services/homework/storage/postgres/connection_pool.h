#ifndef SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_POOL_H_
#define SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_POOL_H_

// A bounded pool of PostgreSQL connections for the PostgreSQL store. Thread-safe.

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/storage/postgres/connection.h"

namespace therapy::homework::postgres {

struct ConnectionPoolOptions {
  ConnectionSettings settings;
  int size = 8;  // at most this many connections at once, 1 or more
  absl::Duration acquire_timeout = absl::Seconds(5);  // how long Acquire waits for one
};

// Connections are opened on demand, up to `size`, and kept while they work. A connection that
// is broken when it comes back, or that is found closed by the server when it is handed out
// again, is dropped and replaced by a new one on that use; so the pool recovers by itself after
// the server restarts. Idle connections are handed out most recently used first.
class ConnectionPool {
 public:
  // A connection borrowed from the pool, returned to it on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}

    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  explicit ConnectionPool(ConnectionPoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  // Every Lease must have been destroyed.
  ~ConnectionPool();

  // An idle connection, or a new one while fewer than `size` exist; otherwise waits up to the
  // acquire timeout for one to come back. UNAVAILABLE when none does in time, or when a new
  // connection cannot be opened (Connection::Open).
  absl::StatusOr<Lease> Acquire();

  // Adds a connection opened elsewhere (the store's first, which ran the migrations) as idle.
  // Counts against `size`.
  void Adopt(std::unique_ptr<Connection> connection);

  // Closes every idle connection. Called when a connection was found broken: the others were
  // most likely lost the same way (a server restart ends every session).
  void DiscardIdle();

 private:
  void Return(std::unique_ptr<Connection> connection);
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.size;
  }

  const ConnectionPoolOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle, leased, and being opened
};

}  // namespace therapy::homework::postgres

#endif  // SERVICES_HOMEWORK_STORAGE_POSTGRES_CONNECTION_POOL_H_
