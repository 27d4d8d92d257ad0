#include "testing/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace therapy::homework::testing {

absl::StatusOr<ScratchDir> ScratchDir::Make(const std::string& prefix) {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr && *base != '\0'
                                         ? std::string(base)
                                         : std::filesystem::temp_directory_path().string(),
                                     "/", prefix, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno)));
  }
  return ScratchDir(std::move(pattern));
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::cerr << "[ScratchDir] test failed: keeping " << path_ << "\n";
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace therapy::homework::testing
