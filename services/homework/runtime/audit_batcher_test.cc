// AuditBatcher on a memory store whose appends the test can hold: what goes into one write, when
// each call hears back, and what a failed write tells every call of it.

#include "services/homework/runtime/audit_batcher.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/forwarding_store.h"
#include "services/homework/storage/memory/audit_gate_store.h"

namespace therapy::homework {
namespace {

AuditRecord Read(const std::string& resource) {
  return AuditRecord{.actor = "dr-ada",
                     .role = "therapist",
                     .practice = "sunrise",
                     .action = "GetAssignment",
                     .resource = resource,
                     .call_id = "call-" + resource,
                     .time = absl::FromUnixSeconds(1'700'000'000),
                     .outcome = "OK"};
}

// What one call heard back, once it did.
struct Heard {
  absl::Notification done;
  absl::Status status;
  AuditBatcher::Done Callback() {
    return [this](absl::Status written) {
      status = written;
      done.Notify();
    };
  }
};

// A call alone is written at once, in a write of its own.
TEST(AuditBatcherTest, ACallAloneIsWrittenAtOnce) {
  AuditGateStore store;
  AuditBatcher batcher(store);
  Heard heard;
  batcher.Append({Read("a"), Read("b")}, heard.Callback());
  ASSERT_TRUE(heard.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(heard.status.ok());
  EXPECT_EQ(store.appends(), std::vector<std::size_t>{2});
  absl::StatusOr<std::vector<AuditRecord>> listed = store.ListAudit("", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].resource, "b");
}

// A write carries at most max_records records, but one call's records are never split.
TEST(AuditBatcherTest, AWriteCarriesAtMostMaxRecordsButNeverSplitsACall) {
  AuditGateStore store;
  AuditBatcher batcher(store, /*max_records=*/3);
  store.Hold();
  Heard first, second, third, fourth;
  batcher.Append({Read("a")}, first.Callback());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (store.appends().empty() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  batcher.Append({Read("b"), Read("c")}, second.Callback());
  batcher.Append({Read("d"), Read("e")}, third.Callback());
  batcher.Append({Read("f"), Read("g"), Read("h"), Read("i")}, fourth.Callback());
  store.Release();
  for (Heard* heard : {&first, &second, &third, &fourth}) {
    ASSERT_TRUE(heard->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(heard->status.ok());
  }
  EXPECT_EQ(store.appends(), (std::vector<std::size_t>{1, 2, 2, 4}));
}

// Records that arrive while a write runs make the next write, together; a failed write tells
// each of its calls.
TEST(AuditBatcherTest, AFailedWriteTellsEveryCallOfIt) {
  AuditGateStore store;
  AuditBatcher batcher(store);
  store.Hold();
  Heard first, second, third;
  batcher.Append({Read("a")}, first.Callback());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (store.appends().empty() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  batcher.Append({Read("b")}, second.Callback());
  batcher.Append({Read("c")}, third.Callback());
  store.Fail(absl::UnavailableError("disk gone"));
  store.Release();
  for (Heard* heard : {&first, &second, &third}) {
    ASSERT_TRUE(heard->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(heard->status.code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(store.appends(), (std::vector<std::size_t>{1, 2}));
}

// Stopping writes what is still queued and tells its calls before it returns.
TEST(AuditBatcherTest, StoppingWritesWhatIsQueued) {
  AuditGateStore store;
  Heard first, second;
  auto batcher = std::make_unique<AuditBatcher>(store);
  store.Hold();
  batcher->Append({Read("a")}, first.Callback());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (store.appends().empty() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  batcher->Append({Read("b")}, second.Callback());
  std::thread stop([&] { batcher.reset(); });
  absl::SleepFor(absl::Milliseconds(20));
  store.Release();
  stop.join();
  ASSERT_TRUE(first.done.HasBeenNotified());
  ASSERT_TRUE(second.done.HasBeenNotified());
  EXPECT_TRUE(second.status.ok());
  EXPECT_EQ(store.appends(), (std::vector<std::size_t>{1, 1}));
}

// A store whose appends return at once (SQLite's audit journal) is appended to on the caller's
// thread, and the call hears back there, before Append returns; a refusal is heard the same way.
TEST(AuditBatcherTest, AStoreThatAppendsAtOnceIsAppendedToOnTheCallersThread) {
  class AtOnce final : public ForwardingStore {
   public:
    explicit AtOnce(Store& inner) : ForwardingStore(inner) {}
    bool AppendsAuditsAtOnce() const override { return true; }
  };
  AuditGateStore gate;
  AtOnce store(gate);
  AuditBatcher batcher(store);
  std::thread::id heard_on;
  absl::Status heard = absl::UnknownError("not heard");
  batcher.Append({Read("a"), Read("b")}, [&](absl::Status written) {
    heard_on = std::this_thread::get_id();
    heard = written;
  });
  EXPECT_EQ(heard_on, std::this_thread::get_id());
  EXPECT_TRUE(heard.ok()) << heard;
  EXPECT_EQ(gate.appends(), std::vector<std::size_t>{2});

  gate.Fail(absl::UnavailableError("disk full"));
  batcher.Append({Read("c")}, [&](absl::Status written) { heard = written; });
  EXPECT_EQ(heard.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace therapy::homework
