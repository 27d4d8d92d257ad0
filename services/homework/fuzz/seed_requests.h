#ifndef SERVICES_HOMEWORK_FUZZ_SEED_REQUESTS_H_
#define SERVICES_HOMEWORK_FUZZ_SEED_REQUESTS_H_

// The seed corpus of the request fuzz target (request_fuzz_target.cc), as code: valid requests
// of each fuzzed method in binary and JSON, and a few broken ones. The committed files under
// corpus/ are its output (`homework_request_fuzz_replay --write_seeds DIR`).

#include <string>
#include <utility>
#include <vector>

namespace therapy::homework::fuzz {

// File name -> fuzz input (method byte, flags byte, message bytes).
std::vector<std::pair<std::string, std::string>> SeedRequests();

}  // namespace therapy::homework::fuzz

#endif  // SERVICES_HOMEWORK_FUZZ_SEED_REQUESTS_H_
