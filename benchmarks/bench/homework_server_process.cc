#include "benchmarks/bench/homework_server_process.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
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
  const std::string connect_port_file = options.work_dir + "/server.connect_port";
  std::remove(connect_port_file.c_str());
  std::vector<std::string> argv = {options.server_path,
                                   "--listen=127.0.0.1:0",
                                   absl::StrCat("--data_dir=", options.data_dir),
                                   absl::StrCat("--store=", options.store_uri),
                                   absl::StrCat("--jwks=", jwks_path),
                                   "--shutdown_grace=2s",
                                   "--connect_listen=127.0.0.1:0",
                                   absl::StrCat("--connect_port_file=", connect_port_file)};
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  absl::StatusOr<std::unique_ptr<ServedProcess>> served =
      ServedProcess::Start(ServedProcessOptions{.argv = std::move(argv),
                                                .port_file = options.work_dir + "/server.port",
                                                .output_path = process->log_path_});
  if (!served.ok()) return served.status();
  process->served_ = *std::move(served);
  // The Connect port is written once that listener serves, around the time gRPC does.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (process->connect_port_ == 0 && absl::Now() < give_up) {
    std::ifstream in(connect_port_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int port = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0 && port < 65536) {
      process->connect_port_ = port;
    } else {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  if (process->connect_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("homework-server wrote no Connect port to ",
                                               connect_port_file, " within 10 s"));
  }
  return process;
}

}  // namespace therapy::bench
