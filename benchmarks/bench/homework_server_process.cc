#include "benchmarks/bench/homework_server_process.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace therapy::bench {
namespace {

absl::StatusOr<std::string> Bearer(const homework::SigningKey& key, const std::string& subject,
                                   const std::string& role) {
  // Long enough for the longest bounded seed (see seed.h).
  absl::StatusOr<std::string> token = homework::MintToken(
      key,
      homework::TokenClaims{
          .subject = subject, .practice = kPractice, .role = role, .ttl = absl::Hours(30)},
      absl::Now());
  if (!token.ok()) return token.status();
  return absl::StrCat("Bearer ", *token);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HomeworkServerProcess>> HomeworkServerProcess::Start(
    const HomeworkServerOptions& options) {
  std::unique_ptr<HomeworkServerProcess> process(new HomeworkServerProcess());
  absl::StatusOr<homework::SigningKey> key = homework::GenerateSigningKey("homework-bench-1");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> jwks = homework::PublicJwks(*key);
  if (!jwks.ok()) return jwks.status();
  const std::string jwks_path = options.work_dir + "/jwks.json";
  {
    std::ofstream out(jwks_path, std::ios::trunc);
    out << *jwks;
    if (!out.good()) return absl::UnavailableError(absl::StrCat("cannot write ", jwks_path));
  }
  for (auto [bearer, subject, role] :
       {std::tuple{&process->bearers_.service, "platform", "service"},
        std::tuple{&process->bearers_.therapist, kTherapist, "therapist"}}) {
    absl::StatusOr<std::string> value = Bearer(*key, subject, role);
    if (!value.ok()) return value.status();
    *bearer = *std::move(value);
  }

  process->log_path_ = options.work_dir + "/server.log";
  absl::StatusOr<std::unique_ptr<ServedProcess>> served = ServedProcess::Start(
      ServedProcessOptions{.argv = {options.server_path, "--listen=127.0.0.1:0",
                                    absl::StrCat("--data_dir=", options.data_dir),
                                    absl::StrCat("--store=", options.store_uri),
                                    absl::StrCat("--jwks=", jwks_path), "--shutdown_grace=2s"},
                           .port_file = options.work_dir + "/server.port",
                           .output_path = process->log_path_});
  if (!served.ok()) return served.status();
  process->served_ = *std::move(served);
  return process;
}

}  // namespace therapy::bench
