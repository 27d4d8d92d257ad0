#include "services/homework/storage/postgres/connection_pool.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace therapy::homework::postgres {

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

ConnectionPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options) : options_(std::move(options)) {}

ConnectionPool::~ConnectionPool() = default;

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &ConnectionPool::CanAcquire),
                              options_.acquire_timeout)) {
      return absl::UnavailableError(absl::StrCat("PostgreSQL: all ", options_.size,
                                                 " connections stayed in use for ",
                                                 absl::FormatDuration(options_.acquire_timeout)));
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserves the place of the connection opened below
    }
  }
  if (connection != nullptr && connection->LooksAlive()) {
    return Lease(this, std::move(connection));
  }
  // Closed outside the lock; its place is taken over by the new connection.
  connection.reset();
  absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(options_.settings);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return opened.status();
  }
  return Lease(this, *std::move(opened));
}

void ConnectionPool::Adopt(std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  ++open_;
  idle_.push_back(std::move(connection));
}

void ConnectionPool::DiscardIdle() {
  std::vector<std::unique_ptr<Connection>> discarded;
  {
    absl::MutexLock lock(&mu_);
    discarded.swap(idle_);
    open_ -= static_cast<int>(discarded.size());
  }
  // Closed outside the lock.
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  if (connection->broken() || !connection->idle()) {
    connection.reset();
    absl::MutexLock lock(&mu_);
    --open_;
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
}

}  // namespace therapy::homework::postgres
