#include "plugin/session/session_engine.h"

#include "plugin/janus/service_bridge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "testing/status_matchers.h"

namespace therapy::homework::janus_plugin {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;

// Collects what the plugin pushes, per handle.
class RecordingSink : public EventSink {
 public:
  void Push(HandleId handle, const std::string& text) override {
    absl::MutexLock lock(&mutex_);
    pushed_[handle].push_back(json::parse(text));
  }

  // The first event pushed to `handle`, waiting for it up to 5 seconds.
  json First(HandleId handle) {
    absl::MutexLock lock(&mutex_);
    auto arrived = [this, handle]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return !pushed_[handle].empty(); };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(5))) return json();
    return pushed_[handle].front();
  }

 private:
  absl::Mutex mutex_;
  std::map<HandleId, std::vector<json>> pushed_ ABSL_GUARDED_BY(mutex_);
};

// The engine without Janus and without a service (nothing listens at the address): what it
// answers before any call to the service is needed.
class SessionEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginOptions options{
        .service_address = "127.0.0.1:1", .call_deadline = absl::Milliseconds(500), .workers = 2};
    absl::StatusOr<std::unique_ptr<ServiceBridge>> service = ServiceBridge::Open(options);
    ASSERT_THAT(service, IsOk());
    plugin_ = std::make_unique<SessionEngine>(EngineOptionsOf(options), *std::move(service), &sink_,
                                              [this](absl::string_view line) {
                                                absl::MutexLock lock(&log_mutex_);
                                                log_.emplace_back(line);
                                              });
  }

  std::vector<std::string> Log() {
    absl::MutexLock lock(&log_mutex_);
    return log_;
  }

  absl::Mutex log_mutex_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mutex_);
  RecordingSink sink_;  // outlives the plugin
  std::unique_ptr<SessionEngine> plugin_;
};

TEST_F(SessionEngineTest, AnUnparsableRequestIsAnsweredWithItsIdAndTheField) {
  plugin_->HandleMessage(1, R"({"request":"join","id":"j1","session":"tele-1"})");
  json answer = sink_.First(1);
  EXPECT_EQ(answer["homework"], "error");
  EXPECT_EQ(answer["id"], "j1");
  EXPECT_EQ(answer["code"], "invalid_argument");
  EXPECT_THAT(answer["message"].get<std::string>(), HasSubstr("session"));
}

TEST_F(SessionEngineTest, RequestsBeforeAJoinFailPrecondition) {
  plugin_->HandleMessage(2, R"({"request":"call","id":"c","method":"GetClient",
                                "body":{"name":"practices/p/clients/c"}})");
  json answer = sink_.First(2);
  EXPECT_EQ(answer["id"], "c");
  EXPECT_EQ(answer["code"], "failed_precondition");
}

TEST_F(SessionEngineTest, TheDraftRequestsAreGone) {
  // Drafts are Assignments in STATE_DRAFT in the service, changed through `call`.
  plugin_->HandleMessage(5, R"({"request":"draft","id":"d","draft":{"assignment":{}}})");
  json answer = sink_.First(5);
  EXPECT_EQ(answer["id"], "d");
  EXPECT_EQ(answer["code"], "invalid_argument");
  EXPECT_THAT(answer["message"].get<std::string>(), HasSubstr("request:"));
}

TEST_F(SessionEngineTest, AnUnreachableServiceIsUnavailable) {
  plugin_->HandleMessage(3, R"({"request":"join","id":"j","session":"practices/p/sessions/tele-1",
                                "client":"practices/p/clients/c","token":"t"})");
  json answer = sink_.First(3);
  EXPECT_EQ(answer["id"], "j");
  EXPECT_THAT(answer["code"].get<std::string>(),
              ::testing::AnyOf("unavailable", "deadline_exceeded"));
}

TEST_F(SessionEngineTest, TheLogNamesKindsAndCodesNeverWhatThePageSent) {
  // A page that puts words in every field: none of them reaches the log.
  plugin_->HandleMessage(6, R"({"request":"call","id":"c","method":"Alex feels hopeless",
                                "body":{"name":"practices/p/clients/alex"}})");
  ASSERT_EQ(sink_.First(6)["code"], "failed_precondition");
  plugin_->HandleMessage(7, R"({"request":"join","id":"j","session":"practices/p/sessions/s",
                                "client":"practices/p/clients/alex","token":"t",
                                "display":"Alex feels hopeless"})");
  ASSERT_FALSE(sink_.First(7).is_null());  // logged before it is answered
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], "handle 6: call -> FAILED_PRECONDITION");
  EXPECT_THAT(log[1], ::testing::StartsWith("handle 7: join -> "));
  for (const std::string& line : log) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("hopeless")));
    EXPECT_THAT(line, ::testing::Not(HasSubstr("alex")));
  }
}

TEST_F(SessionEngineTest, LeaveIsAcknowledgedEvenOutsideASession) {
  plugin_->HandleMessage(4, R"({"request":"leave","id":"l"})");
  json answer = sink_.First(4);
  EXPECT_EQ(answer["homework"], "ack");
  EXPECT_EQ(answer["id"], "l");
}

}  // namespace
}  // namespace therapy::homework::janus_plugin
