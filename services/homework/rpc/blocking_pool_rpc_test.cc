// HomeworkRpc on the callback API with a pool the test holds (ADR 0018): the glue wired as the
// Server wires it (memory store, hub, verifier, one BlockingPool, one AuditBatcher), on a
// loopback port, called over real gRPC. The pool's one thread is kept busy by the test, so calls
// wait in its queue: what the glue does with a call whose deadline passes there, and with one the
// full queue cannot take. The store's audit appends can be held or failed (ADR 0024): a read is
// answered only once its audit record is in, the pool's thread does not wait for it, and a read
// whose record cannot be written returns nothing.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/client/call.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/rpc/homework_rpc.h"
#include "services/homework/rpc/test_requests.h"
#include "services/homework/runtime/audit_batcher.h"
#include "services/homework/runtime/blocking_pool.h"
#include "services/homework/runtime/event_hub.h"
#include "services/homework/storage/cached_store.h"
#include "services/homework/storage/memory/audit_gate_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr char kIssuer[] = "homework-dev";
constexpr char kAudience[] = "therapy-homework";

class BlockingPoolRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SigningKey> key = GenerateSigningKey("test-1");
    ASSERT_THAT(key, IsOk());
    key_ = *key;
    absl::StatusOr<std::string> jwks = PublicJwks(key_);
    ASSERT_THAT(jwks, IsOk());
    jwks_path_ = ::testing::TempDir() + "/blocking_pool_rpc_test." + std::to_string(::getpid()) +
                 ".jwks.json";
    std::ofstream(jwks_path_) << *jwks;
    absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
        TokenVerifier::Create({.jwks_path = jwks_path_, .issuer = kIssuer, .audience = kAudience});
    ASSERT_THAT(verifier, IsOk());
    verifier_ = *std::move(verifier);

    // As the Server serves SQLite (an exact cache) or PostgreSQL (a cache behind other writers):
    // the use cases read through a cache of the store.
    Store* served = &store_;
    if (Cache() != StoreCache::kNone) {
      cached_ = std::make_unique<CachedStore>(
          store_, CachedStoreOptions{.shared_writers = Cache() == StoreCache::kShared});
      served = cached_.get();
    }
    hub_ = std::make_unique<EventHub>(store_, EventHubOptions{});
    homework_ = std::make_unique<Homework>(*served, HomeworkOptions{});
    // One thread, at most one call waiting for it.
    pool_ = std::make_unique<BlockingPool>(BlockingPoolOptions{.threads = 1, .max_queued = 1});
    log_file_ = ::open_memstream(&log_text_, &log_size_);
    ASSERT_NE(log_file_, nullptr);
    log_ = std::make_unique<JsonLog>(log_file_);
    audits_ = std::make_unique<AuditBatcher>(store_);
    rpc_ = std::make_unique<HomeworkRpc>(*homework_, *hub_, *verifier_, *pool_, *audits_, *log_,
                                         Cache());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(rpc_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::HomeworkService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                             grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    Release();
    store_.Release();
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    if (pool_ != nullptr) pool_->Stop();
    server_.reset();
    rpc_.reset();
    if (log_file_ != nullptr) std::fclose(log_file_);
    std::free(log_text_);
    std::remove(jwks_path_.c_str());
  }

  using StoreCache = HomeworkRpc::StoreCache;
  virtual StoreCache Cache() const { return StoreCache::kNone; }

  // Keeps the pool's one thread busy until Release.
  void HoldThePool() {
    ASSERT_TRUE(pool_->TrySubmit([this] { release_.WaitForNotification(); }));
    while (pool_->queued() != 0) absl::SleepFor(absl::Milliseconds(1));
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& subject, const std::string& role,
                                          absl::Duration deadline = absl::Seconds(10)) {
    absl::StatusOr<std::string> token = MintToken(
        key_, TokenClaims{.subject = subject, .practice = "sunrise", .role = role}, absl::Now());
    EXPECT_THAT(token, IsOk());
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    context->set_deadline(client::DeadlineAfter(deadline));
    return context;
  }

  static v1::CreateClientRequest CreateAna() {
    v1::CreateClientRequest create;
    create.set_parent("practices/sunrise");
    create.set_client_id("ana");
    create.mutable_client()->set_display_name("Ana");
    create.mutable_client()->set_time_zone("Europe/Berlin");
    return create;
  }

  grpc::Status GetAna(v1::Client& read) {
    v1::GetClientRequest get;
    get.set_name("practices/sunrise/clients/ana");
    return stub_->GetClient(As("backend", "service").get(), get, &read);
  }

  // Everything logged so far (the log writes to memory).
  std::string LogText() {
    std::fflush(log_file_);
    return std::string(log_text_, log_size_);
  }

  SigningKey key_;
  std::string jwks_path_;
  std::unique_ptr<TokenVerifier> verifier_;
  AuditGateStore store_;
  std::unique_ptr<CachedStore> cached_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<Homework> homework_;
  std::unique_ptr<BlockingPool> pool_;
  std::unique_ptr<AuditBatcher> audits_;
  char* log_text_ = nullptr;
  size_t log_size_ = 0;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<JsonLog> log_;
  std::unique_ptr<HomeworkRpc> rpc_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::HomeworkService::Stub> stub_;
  absl::Notification release_;
};

// A write whose deadline passes while it waits for a thread is answered without running: the
// caller was told DEADLINE_EXCEEDED, so applying it later would be a write nobody was told of.
// It is logged once, CANCELLED.
TEST_F(BlockingPoolRpcTest, AWriteWhoseDeadlinePassesInTheQueueIsNeverApplied) {
  HoldThePool();
  v1::Client created;
  grpc::Status status = stub_->CreateClient(As("backend", "service", absl::Milliseconds(200)).get(),
                                            CreateAna(), &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  // The server counts the deadline from when the request arrived, a little after it was sent.
  absl::SleepFor(absl::Milliseconds(50));
  Release();
  // The queued call runs once the thread is free; it finds the call over.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!absl::StrContains(LogText(), "CreateClient") && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const std::string log = LogText();
  EXPECT_TRUE(absl::StrContains(log, "CANCELLED")) << log;

  v1::Client read;
  EXPECT_EQ(GetAna(read).error_code(), grpc::StatusCode::NOT_FOUND);
  // The same write in time is applied: the one above failed for its wait alone.
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  ASSERT_TRUE(GetAna(read).ok());
  EXPECT_EQ(read.display_name(), "Ana");
}

// With the thread busy and the queue full, the next call is answered UNAVAILABLE at once
// ("overloaded; retry"), not queued without bound; the queued one still runs once the thread
// is free.
TEST_F(BlockingPoolRpcTest, ACallTheFullQueueCannotTakeIsUnavailableAtOnce) {
  HoldThePool();
  grpc::Status queued_status;
  v1::Client created;
  std::thread queued([&] {
    queued_status = stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created);
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (pool_->queued() != 1 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(pool_->queued(), 1u);

  v1::Client read;
  const absl::Time asked = absl::Now();
  grpc::Status refused = GetAna(read);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "overloaded")) << refused.error_message();
  EXPECT_LT(absl::Now() - asked, absl::Seconds(5));  // answered, not left to its deadline

  Release();
  queued.join();
  EXPECT_TRUE(queued_status.ok()) << queued_status.error_message();
  ASSERT_TRUE(GetAna(read).ok());
  EXPECT_EQ(read.etag(), created.etag());
}

// A read is answered only once its audit record is in the store, and the pool's thread does not
// wait for that: while the append is held, other calls run, and the records of the reads that
// arrive meanwhile go in together, in the next append.
TEST_F(BlockingPoolRpcTest, AReadIsAnsweredOnlyOnceItsAuditRecordIsIn) {
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  store_.Hold();

  struct Read {
    std::unique_ptr<grpc::ClientContext> context;
    v1::GetClientRequest request;
    v1::Client response;
    grpc::Status status;
    absl::Notification done;
  };
  std::vector<std::unique_ptr<Read>> reads;
  const auto start_read = [&] {
    auto read = std::make_unique<Read>();
    read->context = As("backend", "service");
    read->request.set_name("practices/sunrise/clients/ana");
    Read* raw = read.get();
    stub_->async()->GetClient(raw->context.get(), &raw->request, &raw->response,
                              [raw](grpc::Status status) {
                                raw->status = std::move(status);
                                raw->done.Notify();
                              });
    reads.push_back(std::move(read));
  };
  start_read();
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (store_.appends().empty() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(store_.appends(), std::vector<size_t>{1});
  EXPECT_FALSE(reads[0]->done.WaitForNotificationWithTimeout(absl::Milliseconds(100)))
      << "answered before its audit record was in";

  // The pool's one thread is free: a call that writes no audit record is answered meanwhile,
  // and five more reads run, one after the other, their records queued behind the held append.
  v1::Client bad;
  v1::GetClientRequest nameless;
  nameless.set_name("not-a-client-name");
  EXPECT_EQ(stub_->GetClient(As("backend", "service").get(), nameless, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  for (int i = 0; i < 5; ++i) {
    const int reads_before = store_.client_reads.load();
    start_read();
    while (store_.client_reads.load() == reads_before && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  absl::SleepFor(absl::Milliseconds(50));
  for (const auto& read : reads) EXPECT_FALSE(read->done.HasBeenNotified());

  store_.Release();
  for (const auto& read : reads) {
    ASSERT_TRUE(read->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(read->status.ok()) << read->status.error_message();
    EXPECT_EQ(read->response.display_name(), "Ana");
  }
  EXPECT_EQ(store_.appends(), (std::vector<size_t>{1, 5}));
  absl::StatusOr<std::vector<AuditRecord>> audit =
      store_.ListAudit("practices/sunrise/clients/ana", 100);
  ASSERT_THAT(audit, IsOk());
  int get_client = 0;
  for (const AuditRecord& record : *audit) get_client += record.action == "GetClient";
  EXPECT_EQ(get_client, 6);
}

// A read whose audit record cannot be written returns nothing (UNAVAILABLE, saying why); a
// refusal whose record cannot be written is still the refusal.
TEST_F(BlockingPoolRpcTest, AReadWhoseAuditRecordCannotBeWrittenReturnsNothing) {
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  store_.Fail(absl::UnavailableError("the audit database is gone"));

  v1::Client read;
  grpc::Status status = GetAna(read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "audit log could not be written"))
      << status.error_message();
  EXPECT_EQ(read.display_name(), "");

  v1::GetClientRequest get;
  get.set_name("practices/sunrise/clients/ana");
  EXPECT_EQ(stub_->GetClient(As("dr-stranger", "therapist").get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(store_.appends().size(), 2u);
}

// With a cache in front of the store (as the Server serves SQLite), a read the cache answers runs
// on gRPC's thread: it is answered while the pool's one thread is busy and its queue full. A read
// the cache cannot answer yet goes to the pool like any other call. Each read leaves one audit
// record and one log line, whichever thread answered it.
class CachedReadsRpcTest : public BlockingPoolRpcTest {
 protected:
  StoreCache Cache() const override { return StoreCache::kExact; }

  int AuditRecordsOf(absl::string_view method) {
    absl::StatusOr<std::vector<AuditRecord>> records = store_.ListAudit("practices/sunrise", 100);
    EXPECT_THAT(records, IsOk());
    int found = 0;
    for (const AuditRecord& record : records.value_or(std::vector<AuditRecord>{})) {
      if (record.action == method) ++found;
    }
    return found;
  }

  // Ana with dr-lee on her care team, and an active daily thought record for her: its name.
  std::string ActiveAssignmentOfAna() {
    v1::CreateClientRequest create_client = CreateAna();
    create_client.mutable_client()->add_care_team("dr-lee");
    v1::Client client;
    EXPECT_TRUE(stub_->CreateClient(As("backend", "service").get(), create_client, &client).ok());
    return ActiveDailyThoughtRecord(
        *stub_, [this] { return As("dr-lee", "therapist"); }, client.name());
  }

  // Ana records a partial thought record (nothing written in it) under `request_id`: the same
  // request each time, its occur time included, so that a second call under one id is a retry.
  grpc::Status Record(const std::string& assignment, const std::string& request_id,
                      v1::Completion& stored) {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment);
    request.set_request_id(request_id);
    v1::Completion* completion = request.mutable_completion();
    completion->mutable_occur_time()->set_seconds(occur_seconds_);
    completion->set_occur_time_zone("Europe/Berlin");
    completion->set_status(v1::Completion::STATUS_PARTIAL);
    completion->mutable_thought_record();
    return stub_->CreateCompletion(As("ana", "client").get(), request, &stored);
  }

  int CompletionsOf(const std::string& assignment) {
    absl::StatusOr<Page<v1::Completion>> page = store_.ListCompletions(CompletionQuery{
        .client_name = "practices/sunrise/clients/ana", .assignment_name = assignment});
    EXPECT_THAT(page, IsOk());
    return page.ok() ? static_cast<int>(page->items.size()) : -1;
  }

  // Reads Ana with the pool's one thread held: once that read waits for the pool (or 10 s have
  // passed), and 50 ms more, lets the pool go. What happened while it was held, and the answer.
  struct HeldRead {
    size_t queued = 0;  // calls waiting for the pool
    bool answered = false;
    int store_reads = 0;  // reads of a client the store itself answered
    grpc::Status status;
    v1::Client read;
  };
  HeldRead ReadAnaWhileThePoolIsHeld() {
    HeldRead held;
    const int reads_before = store_.client_reads.load();
    HoldThePool();
    std::atomic<bool> answered = false;
    std::thread reader([&] {
      held.status = GetAna(held.read);
      answered = true;
    });
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (pool_->queued() != 1 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    held.queued = pool_->queued();
    absl::SleepFor(absl::Milliseconds(50));
    held.answered = answered.load();
    held.store_reads = store_.client_reads.load() - reads_before;
    Release();
    reader.join();
    return held;
  }

  int LoggedCalls(absl::string_view method) {
    const std::string log = LogText();
    int lines = 0;
    for (absl::string_view line : absl::StrSplit(log, '\n')) {
      if (absl::StrContains(line, absl::StrCat("\"method\":\"", method, "\""))) ++lines;
    }
    return lines;
  }

 private:
  const int64_t occur_seconds_ = absl::ToUnixSeconds(absl::Now()) - 60;  // Record's occur time
};

TEST_F(CachedReadsRpcTest, AReadTheCacheAnswersDoesNotWaitForThePool) {
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  v1::Client read;
  ASSERT_TRUE(GetAna(read).ok());  // not cached yet: on the pool, which keeps it in the cache

  HoldThePool();
  // The queue's one place taken too: a call that needs the pool is refused at once.
  std::thread queued([&] {
    v1::ListClientsRequest list;
    list.set_parent("practices/sunrise");
    v1::ListClientsResponse listed;
    stub_->ListClients(As("backend", "service").get(), list, &listed);
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (pool_->queued() != 1 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(pool_->queued(), 1u);

  read.Clear();
  grpc::Status cached = GetAna(read);
  EXPECT_TRUE(cached.ok()) << cached.error_message();
  EXPECT_EQ(read.etag(), created.etag());
  v1::ListClientsRequest list;
  list.set_parent("practices/sunrise");
  v1::ListClientsResponse listed;
  EXPECT_EQ(stub_->ListClients(As("backend", "service").get(), list, &listed).error_code(),
            grpc::StatusCode::UNAVAILABLE);  // ListClients is not cached: it needs the pool
  Release();
  queued.join();

  EXPECT_EQ(AuditRecordsOf("GetClient"), 2);
  EXPECT_EQ(LoggedCalls("GetClient"), 2);
}

TEST_F(CachedReadsRpcTest, AReadTheCacheCannotAnswerWaitsForThePoolAndIsAuditedOnce) {
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  // Tried on gRPC's thread, missed the cache, queued for the pool; the store itself was not read
  // on gRPC's thread.
  const HeldRead held = ReadAnaWhileThePoolIsHeld();
  EXPECT_EQ(held.queued, 1u);
  EXPECT_FALSE(held.answered);
  EXPECT_EQ(held.store_reads, 0);
  EXPECT_TRUE(held.status.ok()) << held.status.error_message();
  EXPECT_EQ(held.read.etag(), created.etag());

  EXPECT_EQ(AuditRecordsOf("GetClient"), 1);
  EXPECT_EQ(LoggedCalls("GetClient"), 1);
}

std::string CacheName(const ::testing::TestParamInfo<HomeworkRpc::StoreCache>& tested) {
  return tested.param == HomeworkRpc::StoreCache::kExact ? "Exact" : "Shared";
}

// The completion's use case with either cache: SQLite's exact one, and one behind other writers
// (PostgreSQL's replicas), which answers only the assignment the completion is decided on.
class CompletionsFromCacheRpcTest : public CachedReadsRpcTest,
                                    public ::testing::WithParamInterface<HomeworkRpc::StoreCache> {
 protected:
  StoreCache Cache() const override { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Caches, CompletionsFromCacheRpcTest,
                         ::testing::Values(HomeworkRpc::StoreCache::kExact,
                                           HomeworkRpc::StoreCache::kShared),
                         &CacheName);

class SharedCacheRpcTest : public CachedReadsRpcTest {
 protected:
  StoreCache Cache() const override { return StoreCache::kShared; }
};

// Behind other writers every read but the completion's own goes to the store, so to the pool: a
// read, even of a client read before, waits for the pool and reads the store there, never on
// gRPC's thread.
TEST_F(SharedCacheRpcTest, AReadWaitsForThePoolAndReadsTheStoreThere) {
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), CreateAna(), &created).ok());
  v1::Client read;
  ASSERT_TRUE(GetAna(read).ok());
  const int reads_before = store_.client_reads.load();
  const HeldRead held = ReadAnaWhileThePoolIsHeld();
  EXPECT_EQ(held.queued, 1u);
  EXPECT_FALSE(held.answered);
  EXPECT_EQ(held.store_reads, 0);
  EXPECT_TRUE(held.status.ok()) << held.status.error_message();
  EXPECT_EQ(store_.client_reads.load(), reads_before + 1);  // on the pool
  EXPECT_EQ(AuditRecordsOf("GetClient"), 2);
}

// A completion's use case runs on gRPC's thread (its reads are cached) and hands its commit to
// the store without waiting (ADR 0029): the pool's one thread stays busy throughout, and the
// call is answered only once the store has committed it.
TEST_P(CompletionsFromCacheRpcTest,
       ACompletionIsAnsweredOnlyOnceItsCommitIsInAndNeedsNoPoolThread) {
  const std::string assignment = ActiveAssignmentOfAna();
  v1::Completion first;
  ASSERT_TRUE(Record(assignment, "warm-up", first).ok());  // the first read fills the cache
  HoldThePool();
  store_.HoldCommits();
  std::atomic<bool> answered = false;
  v1::Completion stored;
  grpc::Status status;
  std::thread client([&] {
    status = Record(assignment, "r-1", stored);
    answered = true;
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (store_.held_commits() != 1 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(store_.held_commits(), 1u);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(answered.load());
  EXPECT_EQ(CompletionsOf(assignment), 1);
  EXPECT_EQ(pool_->queued(), 0u);
  store_.ReleaseCommits();
  client.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(CompletionsOf(assignment), 2);
  absl::StatusOr<std::optional<v1::Completion>> read = store_.GetCompletion(stored.name());
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->etag(), stored.etag());
  EXPECT_EQ(LoggedCalls("CreateCompletion"), 2);
  Release();
}

// A deferred commit that fails wrote nothing: the call runs again on the pool, committing as
// usual, and is answered from there, once; when that fails too, its error is the answer. (Behind
// other writers the pool's run, decided on the assignment in memory, tries once more on the
// assignment as stored, WithCheckedReads: three commits in all.)
TEST_P(CompletionsFromCacheRpcTest, ACompletionWhoseDeferredCommitFailsRunsAgainOnThePool) {
  const std::string assignment = ActiveAssignmentOfAna();
  const int deferred_before = store_.commits_then();
  store_.FailCommits(1, absl::UnavailableError("disk hiccup"));
  v1::Completion stored;
  grpc::Status status = Record(assignment, "r-1", stored);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(store_.commits_then(), deferred_before + 1);
  EXPECT_EQ(CompletionsOf(assignment), 1);
  EXPECT_FALSE(stored.name().empty());
  EXPECT_EQ(LoggedCalls("CreateCompletion"), 1);

  store_.FailCommits(GetParam() == StoreCache::kShared ? 3 : 2,
                     absl::UnavailableError("disk gone"));
  status = Record(assignment, "r-2", stored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "disk gone");
  EXPECT_EQ(CompletionsOf(assignment), 1);
  EXPECT_EQ(LoggedCalls("CreateCompletion"), 2);
}

// A retry of a completion that committed finds its key recorded: the deferred commit writes
// nothing, and the run on the pool replays the first answer.
TEST_P(CompletionsFromCacheRpcTest, ARetryOfACommittedCompletionReplaysTheFirstAnswer) {
  const std::string assignment = ActiveAssignmentOfAna();
  v1::Completion first;
  ASSERT_TRUE(Record(assignment, "r-1", first).ok());
  v1::Completion again;
  grpc::Status status = Record(assignment, "r-1", again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(again.etag(), first.etag());
  EXPECT_EQ(CompletionsOf(assignment), 1);
}

}  // namespace
}  // namespace therapy::homework
