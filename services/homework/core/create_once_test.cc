#include "services/homework/core/create_once.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/bad_request.h"
#include "services/homework/storage/forwarding_store.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const IdempotencyKey kKey{"platform-backend", "CreateClient", "req-1"};

v1::Client NewClient(const std::string& id, const std::string& display_name) {
  v1::Client client;
  client.set_name("practices/sunrise/clients/" + id);
  client.set_display_name(display_name);
  client.set_time_zone("Europe/Berlin");
  client.set_etag("etag-" + id);
  return client;
}

// Inserts `client` and records `key` with `recorded` (the client's name unless given) and
// `fingerprint`, as a create's write does.
absl::StatusOr<CommitOutcome> CommitCreate(Store& store, const v1::Client& client,
                                           const std::optional<IdempotencyKey>& key,
                                           const std::string& fingerprint,
                                           std::string recorded = "") {
  return store.Commit(Mutation{.client = Put<v1::Client>{WriteMode::kInsert, client, ""},
                               .idempotency = key,
                               .idempotent_result = recorded.empty() ? client.name() : recorded,
                               .request_fingerprint = fingerprint,
                               .audit = AuditRecord{.actor = "platform-backend",
                                                    .action = "CreateClient",
                                                    .resource = client.name(),
                                                    .outcome = "OK"}});
}

class CreateOnceTest : public ::testing::Test {
 protected:
  // CreateOnce for a client: `write` commits `client` under `key` and `fingerprint`; counts
  // the writes in writes_.
  absl::StatusOr<Written<v1::Client>> Create(const v1::Client& client,
                                             const std::optional<IdempotencyKey>& key,
                                             const std::string& fingerprint) {
    return CreateOnce(store_, &Store::GetClient, key, fingerprint,
                      [&]() -> absl::StatusOr<CreateAttempt<v1::Client>> {
                        ++writes_;
                        ASSIGN_OR_RETURN(CommitOutcome outcome,
                                         CommitCreate(store_, client, key, fingerprint));
                        return CreateAttempt<v1::Client>{client, outcome};
                      });
  }

  MemoryStore store_;
  int writes_ = 0;
};

TEST_F(CreateOnceTest, FirstRequestIsWrittenAndNotReplayed) {
  absl::StatusOr<Written<v1::Client>> written = Create(NewClient("ana", "Ana"), kKey, "fp-a");
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(written->resource.name(), "practices/sunrise/clients/ana");
  EXPECT_FALSE(written->replayed);
  EXPECT_EQ(writes_, 1);
}

TEST_F(CreateOnceTest, RepeatedRequestIdReplaysTheRecordedResourceAndStoresNothing) {
  ASSERT_THAT(Create(NewClient("ana", "Ana"), kKey, "fp-a"), IsOk());
  // The retry builds another resource; its commit stores nothing, and the recorded one is the
  // answer.
  absl::StatusOr<Written<v1::Client>> again = Create(NewClient("bea", "Bea"), kKey, "fp-a");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->resource.name(), "practices/sunrise/clients/ana");
  EXPECT_EQ(again->resource.display_name(), "Ana");
  EXPECT_TRUE(again->replayed);
  EXPECT_FALSE(store_.GetClient("practices/sunrise/clients/bea")->has_value());
}

TEST_F(CreateOnceTest, RetryWhoseWriteTheStateNowRefusesReplaysTheFirstResult) {
  ASSERT_THAT(Create(NewClient("ana", "Ana"), kKey, "fp-a"), IsOk());
  // Since the first answer, the state changed so that the write itself fails (for a
  // completion: its assignment is no longer active); a retry still gets the first answer.
  absl::StatusOr<Written<v1::Client>> again =
      CreateOnce(store_, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a",
                 []() -> absl::StatusOr<CreateAttempt<v1::Client>> {
                   return absl::FailedPreconditionError("assignment is STATE_COMPLETED");
                 });
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->resource.name(), "practices/sunrise/clients/ana");
  EXPECT_TRUE(again->replayed);
}

TEST_F(CreateOnceTest, AFirstRequestLooksNoRecordUpBeforeItsWrite) {
  // The look-up a create made before every write: a read of the store that only retries need.
  class CountingStore : public ForwardingStore {
   public:
    using ForwardingStore::ForwardingStore;
    absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
        const IdempotencyKey& key) override {
      ++look_ups;
      return ForwardingStore::FindIdempotentResult(key);
    }
    int look_ups = 0;
  } counting(store_);
  const v1::Client ana = NewClient("ana", "Ana");
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Client>> {
    ASSIGN_OR_RETURN(CommitOutcome outcome, CommitCreate(counting, ana, kKey, "fp-a"));
    return CreateAttempt<v1::Client>{ana, outcome};
  };
  absl::StatusOr<Written<v1::Client>> first =
      CreateOnce(counting, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a", write);
  ASSERT_THAT(first, IsOk());
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(counting.look_ups, 0);
  absl::StatusOr<Written<v1::Client>> again =
      CreateOnce(counting, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a", write);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(counting.look_ups, 1);
}

TEST_F(CreateOnceTest, WithoutRequestIdEveryRequestIsWritten) {
  ASSERT_THAT(Create(NewClient("ana", "Ana"), std::nullopt, "fp-a"), IsOk());
  absl::StatusOr<Written<v1::Client>> second =
      Create(NewClient("bea", "Bea"), std::nullopt, "fp-a");
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->resource.name(), "practices/sunrise/clients/bea");
  EXPECT_FALSE(second->replayed);
  EXPECT_EQ(writes_, 2);
}

TEST_F(CreateOnceTest, DifferentRequestUnderAUsedRequestIdIsInvalidArgumentNamingRequestId) {
  ASSERT_THAT(Create(NewClient("ana", "Ana"), kKey, "fp-a"), IsOk());
  absl::StatusOr<Written<v1::Client>> other = Create(NewClient("bea", "Bea"), kKey, "fp-b");
  EXPECT_THAT(
      other,
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("already used by this caller for a different CreateClient request")));
  std::optional<google::rpc::BadRequest> bad = BadRequestOf(other.status());
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "request_id");
  EXPECT_FALSE(store_.GetClient("practices/sunrise/clients/bea")->has_value());
}

TEST_F(CreateOnceTest, RecordWithoutFingerprintReplaysAnyRequest) {
  // Keys recorded before fingerprints were stored carry none: they replay as before.
  ASSERT_THAT(CommitCreate(store_, NewClient("ana", "Ana"), kKey, ""), IsOk());
  absl::StatusOr<Written<v1::Client>> again = Create(NewClient("bea", "Bea"), kKey, "fp-b");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->resource.name(), "practices/sunrise/clients/ana");
  EXPECT_TRUE(again->replayed);
  EXPECT_FALSE(store_.GetClient("practices/sunrise/clients/bea")->has_value());
}

TEST_F(CreateOnceTest, TwinThatCommittedFirstIsReplayed) {
  // The twin commits between this request's look-up and its commit.
  absl::StatusOr<Written<v1::Client>> written = CreateOnce(
      store_, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a",
      [&]() -> absl::StatusOr<CreateAttempt<v1::Client>> {
        EXPECT_THAT(CommitCreate(store_, NewClient("twin", "Twin"), kKey, "fp-a"), IsOk());
        const v1::Client mine = NewClient("mine", "Mine");
        ASSIGN_OR_RETURN(CommitOutcome outcome, CommitCreate(store_, mine, kKey, "fp-a"));
        return CreateAttempt<v1::Client>{mine, outcome};
      });
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(written->resource.name(), "practices/sunrise/clients/twin");
  EXPECT_TRUE(written->replayed);
  EXPECT_FALSE(store_.GetClient("practices/sunrise/clients/mine")->has_value());
}

TEST_F(CreateOnceTest, TwinWithADifferentRequestIsInvalidArgument) {
  absl::StatusOr<Written<v1::Client>> written = CreateOnce(
      store_, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a",
      [&]() -> absl::StatusOr<CreateAttempt<v1::Client>> {
        EXPECT_THAT(CommitCreate(store_, NewClient("twin", "Twin"), kKey, "fp-b"), IsOk());
        const v1::Client mine = NewClient("mine", "Mine");
        ASSIGN_OR_RETURN(CommitOutcome outcome, CommitCreate(store_, mine, kKey, "fp-a"));
        return CreateAttempt<v1::Client>{mine, outcome};
      });
  EXPECT_THAT(written, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("already used by this caller")));
}

TEST_F(CreateOnceTest, DuplicateWithoutARecordIsInternal) {
  absl::StatusOr<Written<v1::Client>> written = CreateOnce(
      store_, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a",
      []() -> absl::StatusOr<CreateAttempt<v1::Client>> {
        return CreateAttempt<v1::Client>{NewClient("ana", "Ana"), CommitOutcome::kDuplicateRequest};
      });
  EXPECT_THAT(written, StatusIs(absl::StatusCode::kInternal,
                                "a duplicate request_id has no recorded result"));
}

TEST_F(CreateOnceTest, RecordedResourceThatIsGoneIsInternal) {
  ASSERT_TRUE(
      CommitCreate(store_, NewClient("ana", "Ana"), kKey, "fp-a", "practices/sunrise/clients/gone")
          .ok());
  absl::StatusOr<Written<v1::Client>> again = Create(NewClient("ana", "Ana"), kKey, "fp-a");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kInternal,
                              "the result recorded for this request_id is missing"));
}

TEST_F(CreateOnceTest, WriteErrorIsTheAnswerUnchanged) {
  absl::StatusOr<Written<v1::Client>> written = CreateOnce(
      store_, &Store::GetClient, std::optional<IdempotencyKey>(kKey), "fp-a",
      []() -> absl::StatusOr<CreateAttempt<v1::Client>> {
        return absl::AlreadyExistsError("client practices/sunrise/clients/ana already exists");
      });
  EXPECT_THAT(written, StatusIs(absl::StatusCode::kAlreadyExists,
                                "client practices/sunrise/clients/ana already exists"));
}

}  // namespace
}  // namespace therapy::homework
