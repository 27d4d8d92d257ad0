#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_READER_POOL_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_READER_POOL_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/sqlite/connection.h"

namespace therapy::homework::sqlite {

// A fixed set of reading connections to one database. In WAL mode readers do not block each
// other or the writer, so concurrent reads run side by side, each on a connection of its own
// with its own prepared statements. Acquire waits while all are lent out.
class ReaderPool {
 public:
  // A connection on loan; goes back to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(other.connection_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Return(connection_);
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    friend class ReaderPool;
    Lease(ReaderPool* pool, Connection* connection) : pool_(pool), connection_(connection) {}
    ReaderPool* pool_;
    Connection* connection_;
  };

  explicit ReaderPool(std::vector<std::unique_ptr<Connection>> connections)
      : connections_(std::move(connections)) {
    for (const auto& connection : connections_) free_.push_back(connection.get());
  }
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  Lease Acquire() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::vector<Connection*>* free) { return !free->empty(); }, &free_));
    Connection* connection = free_.back();
    free_.pop_back();
    return Lease(this, connection);
  }

 private:
  void Return(Connection* connection) {
    absl::MutexLock lock(&mu_);
    free_.push_back(connection);
  }

  const std::vector<std::unique_ptr<Connection>> connections_;
  absl::Mutex mu_;
  std::vector<Connection*> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_READER_POOL_H_
