// WatchEvents over real gRPC against the real composition root (Server, in-memory store): the
// callback reactor fed by the event hub (docs/decisions/0011-watch-fan-out.md). They pin what
// the reactor adds: the start cursor in initial metadata, resuming from a cursor without gaps or
// duplicates, the end of a therapist's watch when taken off the care team, cancellation, and a
// prompt shutdown with many streams open.

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/client/call.h"
#include "services/homework/rpc/in_process_server_test.h"
#include "services/homework/server.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

// One open stream and the context it needs.
struct Stream {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader;

  // The x-watch-cursor the server sent; waits for the initial metadata.
  std::string StartCursor() {
    reader->WaitForInitialMetadata();
    auto it = context->GetServerInitialMetadata().find("x-watch-cursor");
    if (it == context->GetServerInitialMetadata().end()) return "";
    return std::string(it->second.data(), it->second.size());
  }
  // The cursors of the next `count` events (fewer if the stream ends first).
  std::vector<std::string> Read(size_t count) {
    std::vector<std::string> cursors;
    v1::Event event;
    while (cursors.size() < count && reader->Read(&event)) cursors.push_back(event.cursor());
    return cursors;
  }
};

class WatchEventsRpcTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    if (HasFatalFailure()) return;

    v1::CreateClientRequest create;
    create.set_parent("practices/sunrise");
    create.set_client_id("ana");
    create.mutable_client()->set_display_name("Ana");
    create.mutable_client()->set_time_zone("UTC");
    create.mutable_client()->add_care_team("dr-lee");
    v1::Client client;
    grpc::Status created = stub_->CreateClient(As("platform", "service").get(), create, &client);
    ASSERT_TRUE(created.ok()) << created.error_message();
  }

  Stream Watch(const std::string& subject, const std::string& role, const std::string& client,
               const std::string& after_cursor = "") {
    v1::WatchEventsRequest request;
    request.set_parent("practices/sunrise");
    if (!client.empty()) request.set_client("practices/sunrise/clients/" + client);
    request.set_after_cursor(after_cursor);
    Stream stream{.context = As(subject, role)};
    stream.context->set_deadline(client::DeadlineAfter(absl::Seconds(30)));
    stream.reader = stub_->WatchEvents(stream.context.get(), request);
    return stream;
  }

  // An assignment for ana by an admin: one TYPE_ASSIGNMENT_CREATED event.
  void Assign() {
    v1::CreateAssignmentRequest request;
    request.set_parent("practices/sunrise/clients/ana");
    v1::Assignment* a = request.mutable_assignment();
    a->set_title("Mood check");
    a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
    a->mutable_schedule()->set_target_count(1);
    a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    a->mutable_schedule()->set_start_date("2026-01-01");
    a->mutable_schedule()->set_minimum_version("One word for the mood");
    v1::Assignment created;
    grpc::Status status = stub_->CreateAssignment(As("admin-1", "admin").get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
};

TEST_F(WatchEventsRpcTest, StreamsInLogOrderAndResumesFromACursorWithoutGapsOrDuplicates) {
  Stream live = Watch("dr-lee", "therapist", "");
  const std::string start = live.StartCursor();
  ASSERT_FALSE(start.empty());
  for (int i = 0; i < 3; ++i) Assign();
  const std::vector<std::string> first = live.Read(3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_LT(std::stoll(start), std::stoll(first[0]));
  EXPECT_LT(std::stoll(first[0]), std::stoll(first[1]));
  EXPECT_LT(std::stoll(first[1]), std::stoll(first[2]));

  // Resumed after the first: the two after it from the log, then live ones, each once.
  Stream resumed = Watch("dr-lee", "therapist", "ana", first[0]);
  EXPECT_EQ(resumed.StartCursor(), first[0]);
  Assign();
  const std::vector<std::string> from_live = live.Read(1);
  ASSERT_EQ(from_live.size(), 1u);
  EXPECT_EQ(resumed.Read(3), (std::vector<std::string>{first[1], first[2], from_live[0]}));
  resumed.context->TryCancel();
  live.context->TryCancel();
}

// An event is serialised once for every stream it goes to: each of several streams still gets
// every event, each with its own content, in log order.
TEST_F(WatchEventsRpcTest, StreamsOfTheSameEventsEachGetEveryEventWhole) {
  std::vector<Stream> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(Watch("dr-lee", "therapist", i % 2 == 0 ? "ana" : ""));
    ASSERT_FALSE(streams.back().StartCursor().empty());
  }
  for (int i = 0; i < 5; ++i) Assign();
  std::vector<std::vector<v1::Event>> received(streams.size());
  for (size_t s = 0; s < streams.size(); ++s) {
    v1::Event event;
    while (received[s].size() < 5 && streams[s].reader->Read(&event)) received[s].push_back(event);
    ASSERT_EQ(received[s].size(), 5u) << "stream " << s;
  }
  for (size_t e = 0; e < 5; ++e) {
    const v1::Event& first = received[0][e];
    EXPECT_EQ(first.type(), v1::Event::TYPE_ASSIGNMENT_CREATED);
    EXPECT_EQ(first.client(), "practices/sunrise/clients/ana");
    if (e > 0) {
      EXPECT_LT(std::stoll(received[0][e - 1].cursor()), std::stoll(first.cursor()));
    }
    for (size_t s = 1; s < streams.size(); ++s) {
      EXPECT_EQ(received[s][e].SerializeAsString(), first.SerializeAsString())
          << "stream " << s << ", event " << e;
    }
  }
  for (Stream& stream : streams) stream.context->TryCancel();
}

TEST_F(WatchEventsRpcTest, ATherapistTakenOffTheCareTeamIsCutOffWithPermissionDenied) {
  Stream stream = Watch("dr-lee", "therapist", "ana");
  stream.StartCursor();
  Assign();
  ASSERT_EQ(stream.Read(1).size(), 1u);

  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("practices/sunrise/clients/ana");
  update.mutable_client()->add_care_team("dr-kim");
  update.mutable_update_mask()->add_paths("care_team");
  v1::Client updated;
  ASSERT_TRUE(stub_->UpdateClient(As("platform", "service").get(), update, &updated).ok());
  Assign();
  EXPECT_TRUE(stream.Read(1).empty());
  grpc::Status status = stream.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("care team"), std::string::npos) << status.error_message();
}

TEST_F(WatchEventsRpcTest, AWatchRefusedAtTheStartFailsWithoutMetadataOrEvents) {
  Stream stream = Watch("dr-kim", "therapist", "ana");
  EXPECT_TRUE(stream.Read(1).empty());
  EXPECT_EQ(stream.reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  Stream invalid = Watch("platform", "service", "", "not-a-cursor");
  EXPECT_TRUE(invalid.Read(1).empty());
  grpc::Status status = invalid.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("after_cursor"), std::string::npos);
}

TEST_F(WatchEventsRpcTest, ACancelledWatchEndsAndIsLoggedOnce) {
  Stream stream = Watch("platform", "service", "");
  stream.StartCursor();
  stream.context->TryCancel();
  EXPECT_EQ(stream.reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server logs the call once it is done with it.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (LogText().find(R"("method":"WatchEvents")") == std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const std::string log = LogText();
  EXPECT_NE(log.find(R"("code":"CANCELLED")"), std::string::npos) << log;
  // Events written afterwards go nowhere and break nothing.
  Assign();
}

TEST_F(WatchEventsRpcTest, ShutdownEndsHundredsOfOpenStreamsAtOnce) {
  std::vector<Stream> streams;
  for (int i = 0; i < 300; ++i) {
    streams.push_back(Watch("platform", "service", ""));
    ASSERT_FALSE(streams.back().StartCursor().empty());
  }
  Assign();
  for (Stream& stream : streams) ASSERT_EQ(stream.Read(1).size(), 1u);

  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(20));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "the grace period was not needed";
  for (Stream& stream : streams) {
    EXPECT_TRUE(stream.Read(1).empty());
    EXPECT_TRUE(stream.reader->Finish().ok());
  }
}

}  // namespace
}  // namespace therapy::homework
