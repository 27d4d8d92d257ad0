// The audit journal on real files: what Read gives back after appends, switches between its two
// files, torn and corrupt frames, and releases.

#include "services/homework/storage/sqlite/audit/audit_journal.h"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "testing/scratch_dir.h"

namespace therapy::homework::sqlite {
namespace {

using ::therapy::homework::testing::ScratchDir;

AuditRecord Read(int n) {
  return AuditRecord{.actor = absl::StrCat("dr-", n),
                     .role = "therapist",
                     .practice = "sunrise",
                     .action = "GetAssignment",
                     .resource = absl::StrCat("practices/sunrise/clients/c", n),
                     .call_id = absl::StrCat("call-", n),
                     .time = absl::FromUnixMicros(1'700'000'000'000'000 + n),
                     .outcome = n % 3 == 0 ? "PERMISSION_DENIED" : "OK"};
}

std::vector<std::pair<int64_t, AuditRecord>> Numbered(int64_t first_id, int first, int count) {
  std::vector<std::pair<int64_t, AuditRecord>> records;
  for (int i = 0; i < count; ++i) records.emplace_back(first_id + i, Read(first + i));
  return records;
}

std::vector<std::pair<int64_t, AuditRecord>> ReadBack(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<AuditJournal>> journal = AuditJournal::Open(prefix);
  EXPECT_TRUE(journal.ok()) << journal.status();
  if (!journal.ok()) return {};
  absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> records = (*journal)->Read();
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<std::pair<int64_t, AuditRecord>>{};
}

uintmax_t Size(const std::string& path) { return std::filesystem::file_size(path); }

class AuditJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ScratchDir> folder = ScratchDir::Make("audit_journal_test");
    ASSERT_TRUE(folder.ok()) << folder.status();
    folder_.emplace(*std::move(folder));
    prefix_ = folder_->path() + "/store-audit-journal";
  }

  std::optional<ScratchDir> folder_;
  std::string prefix_;
};

// Records come back whole and in id order, from both files, through another open of the files
// (what the next process does after a crash), appended alone or several in one write.
TEST_F(AuditJournalTest, AppendedRecordsAreReadBackWholeInIdOrderFromBothFiles) {
  absl::StatusOr<std::unique_ptr<AuditJournal>> journal =
      AuditJournal::Open(prefix_, /*switch_bytes=*/300);
  ASSERT_TRUE(journal.ok()) << journal.status();
  std::vector<AuditRecord> batch;
  for (int n = 1; n <= 3; ++n) batch.push_back(Read(n));
  ASSERT_TRUE((*journal)->Append(1, batch).ok());  // past 300 bytes: the next goes to file 1
  ASSERT_TRUE((*journal)->Append(4, {Read(4)}).ok());
  ASSERT_TRUE((*journal)->Append(5, {Read(5)}).ok());  // file 0 is not empty: stays on file 1

  EXPECT_GT(Size(prefix_ + "-0"), 0u);
  EXPECT_GT(Size(prefix_ + "-1"), 0u);
  EXPECT_EQ(ReadBack(prefix_), Numbered(1, 1, 5));
}

// A frame cut short (the machine stopped mid-write) or with a flipped byte ends what is read of
// its file; the frames before it, and the other file's, still come back.
TEST_F(AuditJournalTest, ATornOrCorruptFrameEndsWhatIsReadOfItsFile) {
  {
    absl::StatusOr<std::unique_ptr<AuditJournal>> journal =
        AuditJournal::Open(prefix_, /*switch_bytes=*/1);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append(1, {Read(1), Read(2), Read(3)}).ok());  // file 0
    ASSERT_TRUE((*journal)->Append(4, {Read(4), Read(5)}).ok());           // file 1
  }
  std::filesystem::resize_file(prefix_ + "-0", Size(prefix_ + "-0") - 5);
  EXPECT_EQ(ReadBack(prefix_), (std::vector<std::pair<int64_t, AuditRecord>>{
                                   {1, Read(1)}, {2, Read(2)}, {4, Read(4)}, {5, Read(5)}}));

  {
    std::fstream file(prefix_ + "-1", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(20);  // inside the first frame's payload
    file.put('\x7f');
  }
  EXPECT_EQ(ReadBack(prefix_), Numbered(1, 1, 2));
}

// Release empties the file not in use once every record it holds is committed, never the one in
// use, and never a file holding a record after `through`; Clear empties both.
TEST_F(AuditJournalTest, ReleaseEmptiesOnlyTheIdleFileOnceAllItHoldsIsCommitted) {
  absl::StatusOr<std::unique_ptr<AuditJournal>> journal =
      AuditJournal::Open(prefix_, /*switch_bytes=*/1);
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE((*journal)->Append(1, {Read(1), Read(2)}).ok());  // file 0
  ASSERT_TRUE((*journal)->Append(3, {Read(3)}).ok());           // file 1, now in use

  ASSERT_TRUE((*journal)->Release(1).ok());  // record 2 is not committed yet
  EXPECT_GT(Size(prefix_ + "-0"), 0u);
  ASSERT_TRUE((*journal)->Release(3).ok());
  EXPECT_EQ(Size(prefix_ + "-0"), 0u);
  EXPECT_GT(Size(prefix_ + "-1"), 0u);  // in use
  EXPECT_EQ(ReadBack(prefix_), Numbered(3, 3, 1));

  ASSERT_TRUE((*journal)->Append(4, {Read(4)}).ok());  // file 1 is full: back to file 0
  ASSERT_TRUE((*journal)->Release(3).ok());            // file 1 holds only 3: emptied
  EXPECT_EQ(Size(prefix_ + "-1"), 0u);
  EXPECT_EQ(ReadBack(prefix_), Numbered(4, 4, 1));

  ASSERT_TRUE((*journal)->Clear().ok());
  EXPECT_TRUE(ReadBack(prefix_).empty());
}

}  // namespace
}  // namespace therapy::homework::sqlite
