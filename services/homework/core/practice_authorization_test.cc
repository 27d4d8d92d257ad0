// Homework::AuthorizePractice through the use cases that authorise on a whole practice: a
// refusal is returned and audited once under the practice; a grant adds no record of its own.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }

class PracticeAuthorizationTest : public ::testing::Test {
 protected:
  PracticeAuthorizationTest()
      : homework_(store_,
                  HomeworkOptions{.now = [] { return kNow; },
                                  .new_id = [this] { return absl::StrCat("id", ++ids_); }}) {}

  // "action actor role outcome resource" of every audit record of practice sunrise, in order.
  std::vector<std::string> AuditLines() {
    std::vector<std::string> lines;
    absl::StatusOr<std::vector<AuditRecord>> audit = store_.ListAudit("practices/sunrise", 100);
    EXPECT_THAT(audit, IsOk());
    if (!audit.ok()) return lines;
    for (const AuditRecord& record : *audit) {
      lines.push_back(absl::StrCat(record.action, " ", record.actor, " ", record.role, " ",
                                   record.outcome, " ", record.resource));
    }
    return lines;
  }

  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(PracticeAuthorizationTest, RefusalIsReturnedAndAuditedUnderThePractice) {
  v1::ListClientsRequest request;
  request.set_parent("practices/sunrise");
  absl::StatusOr<v1::ListClientsResponse> by_client =
      homework_.ListClients(Caller{"ana", "sunrise", Role::kClient, "call-2"}, request);
  EXPECT_THAT(by_client, StatusIs(absl::StatusCode::kPermissionDenied));
  absl::StatusOr<v1::ListClientsResponse> by_stranger =
      homework_.ListClients(Caller{"dr-x", "moonrise", Role::kTherapist, "call-3"}, request);
  EXPECT_THAT(by_stranger, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(AuditLines(),
              ElementsAre("ListClients ana client PERMISSION_DENIED practices/sunrise",
                          "ListClients dr-x therapist PERMISSION_DENIED practices/sunrise"));
}

TEST_F(PracticeAuthorizationTest, GrantAddsNoAuditRecordOfItsOwn) {
  v1::CreateClientRequest create;
  create.set_parent("practices/sunrise");
  create.set_client_id("ana");
  create.mutable_client()->set_display_name("Ana");
  create.mutable_client()->set_time_zone("Europe/Berlin");
  ASSERT_THAT(homework_.CreateClient(Service(), create), IsOk());
  v1::ListClientsRequest list;
  list.set_parent("practices/sunrise");
  ASSERT_THAT(homework_.ListClients(Service(), list), IsOk());
  // The create's record is committed with it; the list's is its read's.
  EXPECT_THAT(AuditLines(),
              ElementsAre("CreateClient platform-backend service OK practices/sunrise/clients/ana",
                          "ListClients platform-backend service OK practices/sunrise"));
}

}  // namespace
}  // namespace therapy::homework
