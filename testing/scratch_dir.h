#ifndef TESTING_SCRATCH_DIR_H_
#define TESTING_SCRATCH_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace therapy::homework::testing {

// A fresh folder under $TEST_TMPDIR (or the system temp folder), removed with everything in it
// when this object goes away, unless the current test failed: then it is kept, and its path
// printed, for a look at what the binaries left there.
class ScratchDir {
 public:
  // `prefix` starts the folder's name, for example "homework-it".
  static absl::StatusOr<ScratchDir> Make(const std::string& prefix);

  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace therapy::homework::testing

#endif  // TESTING_SCRATCH_DIR_H_
