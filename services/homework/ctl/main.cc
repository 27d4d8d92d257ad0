// homework-ctl: keys, tokens and calls for operators and backend developers.
//
// This file only turns the command line (and HOMEWORK_TOKEN, stdin) into the options structs of
// commands.h, runs one command, prints what it returns and picks the exit code:
//   0 success, 1 the command or the RPC failed, 2 usage error (bad flags, method or JSON).

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/homework/ctl/commands.h"

namespace therapy::homework::ctl {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(usage: homework-ctl <command> [flags]

Commands:
  keygen   write a development ES256 signing key and its public JWKS
  token    print a development token signed with a key from keygen
  call     call a therapy.homework.v1.HomeworkService method with JSON
  export   export a client's record (`export fhir`: an HL7 FHIR R4 Bundle)

Run `homework-ctl <command> --help` for a command's flags.
Exit codes: 0 success, 1 the command or the RPC failed, 2 usage error.
)";

constexpr char kKeygenUsage[] = R"(usage: homework-ctl keygen --out_dir DIR [--kid dev-1]

Writes DIR/signing-key.pem (ES256 private key, mode 0600; never overwritten) and DIR/jwks.json
(its public JWKS, for homework-server). Creates DIR when missing.

Flags:
  --out_dir DIR   directory to write to (required)
  --kid ID        key id put in the JWKS and in tokens' `kid` header (default dev-1)
)";

constexpr char kTokenUsage[] =
    R"(usage: homework-ctl token --key DIR/signing-key.pem --sub ID --role ROLE --practice ID
                          [--kid dev-1] [--issuer homework-dev] [--audience therapy-homework]
                          [--ttl 12h]

Prints a development token (a signed JWT) for `authorization: Bearer <token>`.

Flags:
  --key PATH        PEM private key from keygen (required)
  --sub ID          the `sub` claim: who the caller is (required)
  --role ROLE       therapist, client, service or admin (required)
  --practice ID     the `practice` claim, 1-63 characters of [a-z0-9-] (required)
  --kid ID          the key id, as given to keygen (default dev-1)
  --issuer ISS      the `iss` claim (default homework-dev)
  --audience AUD    the `aud` claim (default therapy-homework)
  --ttl DURATION    lifetime, e.g. 30m, 12h (default 12h)
)";

constexpr char kCallUsage[] =
    R"(usage: homework-ctl call METHOD [--address 127.0.0.1:50051] [--token T] [--json '{...}']
                         [--deadline 10s] [--tls] [--ca_cert PATH]

Calls a therapy.homework.v1.HomeworkService method (e.g. CreateClient) with a request in
protobuf JSON and prints the response as JSON. On an error prints `error: CODE: message` and
each field violation, and exits 1.

Flags:
  --address HOST:PORT   server address (default 127.0.0.1:50051)
  --token T             bearer token (default: the HOMEWORK_TOKEN environment variable)
  --json JSON           the request; without it the request is read from stdin, or is {} when
                        stdin is a terminal
  --deadline DURATION   deadline of the call (default 10s)
  --tls                 use TLS instead of plaintext
  --ca_cert PATH        PEM root certificates for --tls (default: the system's)

Example:
  homework-ctl call CreateClient --json '{"parent": "practices/acme",
      "client": {"displayName": "A. Client", "timeZone": "Europe/Berlin"}}'
)";

constexpr char kExportUsage[] =
    R"(usage: homework-ctl export fhir --client practices/P/clients/C [--start RFC3339]
                               [--end RFC3339] [--out FILE] [--address 127.0.0.1:50051]
                               [--token T] [--deadline 30s] [--tls] [--ca_cert PATH]

Calls ExportClientRecord and writes the client's record as a FHIR R4 Bundle (type collection,
application/fhir+json, pretty-printed) to stdout or FILE; the count of each resource type goes to
stderr. The mapping is in docs/fhir-mapping.md. A repeated export of the same data is identical.
The bundle is protected health information: FILE is created with mode 0600.

Flags:
  --client NAME         the client, practices/{practice}/clients/{client} (required)
  --start TIME          only completions at or after TIME, e.g. 2026-01-01T00:00:00Z
  --end TIME            only completions before TIME
  --out FILE            write the bundle to FILE instead of stdout (replaced if it exists)
  --address HOST:PORT   server address (default 127.0.0.1:50051)
  --token T             bearer token (default: the HOMEWORK_TOKEN environment variable)
  --deadline DURATION   deadline of the call (default 30s)
  --tls                 use TLS instead of plaintext
  --ca_cert PATH        PEM root certificates for --tls (default: the system's)
)";

// The flags and positional arguments after the command name.
struct Arguments {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
  bool help = false;
};

struct UsageError {
  std::string message;
};

// Parses `--name value`, `--name=value`, and the boolean flags in `booleans` (`--tls`).
std::optional<UsageError> ParseArguments(const std::vector<std::string>& args,
                                         const std::set<std::string>& allowed,
                                         const std::set<std::string>& booleans, Arguments* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      out->positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (allowed.count(name) == 0) return UsageError{absl::StrCat("unknown flag --", name)};
    if (!value.has_value()) {
      if (booleans.count(name) > 0) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return UsageError{absl::StrCat("flag --", name, " needs a value")};
      }
    }
    out->flags[name] = *value;
  }
  return std::nullopt;
}

std::string FlagOr(const Arguments& args, const std::string& name, std::string fallback) {
  const auto it = args.flags.find(name);
  return it == args.flags.end() ? fallback : it->second;
}

int Usage(absl::string_view command, absl::string_view message) {
  std::cerr << "error: " << message << "\nrun `homework-ctl " << command << " --help` for usage\n";
  return kExitUsage;
}

// Prints the output of a command, or its error with the exit code the error deserves.
int Finish(const absl::StatusOr<std::string>& output) {
  if (output.ok()) {
    std::cout << *output;
    return kExitOk;
  }
  std::cerr << "error: " << output.status().message() << "\n";
  return output.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

std::optional<absl::Duration> ParseDurationFlag(const std::string& text) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration <= absl::ZeroDuration()) {
    return std::nullopt;
  }
  return duration;
}

int RunKeygen(const std::vector<std::string>& raw) {
  Arguments args;
  if (auto error = ParseArguments(raw, {"out_dir", "kid"}, {}, &args)) {
    return Usage("keygen", error->message);
  }
  if (args.help) {
    std::cout << kKeygenUsage;
    return kExitOk;
  }
  if (!args.positional.empty()) return Usage("keygen", "keygen takes no arguments");
  KeygenOptions options;
  options.out_dir = FlagOr(args, "out_dir", "");
  options.kid = FlagOr(args, "kid", options.kid);
  if (options.out_dir.empty()) return Usage("keygen", "--out_dir is required");
  return Finish(Keygen(options));
}

int RunToken(const std::vector<std::string>& raw) {
  Arguments args;
  if (auto error = ParseArguments(
          raw, {"key", "kid", "sub", "role", "practice", "issuer", "audience", "ttl"}, {}, &args)) {
    return Usage("token", error->message);
  }
  if (args.help) {
    std::cout << kTokenUsage;
    return kExitOk;
  }
  if (!args.positional.empty()) return Usage("token", "token takes no arguments");
  for (const char* required : {"key", "sub", "role", "practice"}) {
    if (FlagOr(args, required, "").empty()) {
      return Usage("token", absl::StrCat("--", required, " is required"));
    }
  }
  TokenOptions options;
  options.key_path = FlagOr(args, "key", "");
  options.kid = FlagOr(args, "kid", options.kid);
  options.claims.subject = FlagOr(args, "sub", "");
  options.claims.role = FlagOr(args, "role", "");
  options.claims.practice = FlagOr(args, "practice", "");
  options.claims.issuer = FlagOr(args, "issuer", options.claims.issuer);
  options.claims.audience = FlagOr(args, "audience", options.claims.audience);
  const std::optional<absl::Duration> ttl = ParseDurationFlag(FlagOr(args, "ttl", "12h"));
  if (!ttl.has_value()) return Usage("token", "--ttl must be a positive duration such as 12h");
  options.claims.ttl = *ttl;
  return Finish(Token(options, absl::Now()));
}

int RunCall(const std::vector<std::string>& raw) {
  Arguments args;
  if (auto error = ParseArguments(raw, {"address", "token", "json", "deadline", "tls", "ca_cert"},
                                  {"tls"}, &args)) {
    return Usage("call", error->message);
  }
  if (args.help) {
    std::cout << kCallUsage;
    return kExitOk;
  }
  if (args.positional.size() != 1) return Usage("call", "call takes exactly one METHOD");
  CallOptions options;
  options.method = args.positional[0];
  options.address = FlagOr(args, "address", options.address);
  const char* env_token = std::getenv("HOMEWORK_TOKEN");
  options.token = FlagOr(args, "token", env_token == nullptr ? "" : env_token);
  const std::optional<absl::Duration> deadline = ParseDurationFlag(FlagOr(args, "deadline", "10s"));
  if (!deadline.has_value()) {
    return Usage("call", "--deadline must be a positive duration such as 10s");
  }
  options.deadline = *deadline;
  const std::string tls = FlagOr(args, "tls", "false");
  if (tls != "true" && tls != "false") return Usage("call", "--tls takes no value (or true/false)");
  options.use_tls = tls == "true";
  options.ca_cert_path = FlagOr(args, "ca_cert", "");
  if (!options.ca_cert_path.empty() && !options.use_tls) {
    return Usage("call", "--ca_cert needs --tls");
  }
  if (const auto json = args.flags.find("json"); json != args.flags.end()) {
    options.request_json = json->second;
  } else if (!::isatty(STDIN_FILENO)) {
    options.request_json.assign(std::istreambuf_iterator<char>(std::cin),
                                std::istreambuf_iterator<char>());
  }

  const absl::StatusOr<CallResult> result = Call(options);
  if (!result.ok()) return Usage("call", result.status().message());
  if (!result->status.ok()) {
    std::cerr << DescribeRpcError(result->status);
    return kExitFailed;
  }
  std::cout << result->response_json;
  return kExitOk;
}

std::optional<absl::Time> ParseTimeFlag(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return std::nullopt;
  return time;
}

int RunExport(const std::vector<std::string>& raw) {
  Arguments args;
  if (auto error = ParseArguments(
          raw, {"client", "start", "end", "out", "address", "token", "deadline", "tls", "ca_cert"},
          {"tls"}, &args)) {
    return Usage("export", error->message);
  }
  if (args.help) {
    std::cout << kExportUsage;
    return kExitOk;
  }
  if (args.positional.size() != 1 || args.positional[0] != "fhir") {
    return Usage("export", "export takes the format: `export fhir`");
  }
  ExportOptions options;
  options.client = FlagOr(args, "client", "");
  if (options.client.empty()) return Usage("export", "--client is required");
  for (const char* name : {"start", "end"}) {
    const std::string text = FlagOr(args, name, "");
    if (text.empty()) continue;
    const std::optional<absl::Time> time = ParseTimeFlag(text);
    if (!time.has_value()) {
      return Usage("export", absl::StrCat("--", name,
                                          " must be an RFC 3339 time such as "
                                          "2026-01-01T00:00:00Z"));
    }
    (std::string(name) == "start" ? options.start_time : options.end_time) = *time;
  }
  options.address = FlagOr(args, "address", options.address);
  const char* env_token = std::getenv("HOMEWORK_TOKEN");
  options.token = FlagOr(args, "token", env_token == nullptr ? "" : env_token);
  const std::optional<absl::Duration> deadline = ParseDurationFlag(FlagOr(args, "deadline", "30s"));
  if (!deadline.has_value()) {
    return Usage("export", "--deadline must be a positive duration such as 30s");
  }
  options.deadline = *deadline;
  const std::string tls = FlagOr(args, "tls", "false");
  if (tls != "true" && tls != "false") {
    return Usage("export", "--tls takes no value (or true/false)");
  }
  options.use_tls = tls == "true";
  options.ca_cert_path = FlagOr(args, "ca_cert", "");
  if (!options.ca_cert_path.empty() && !options.use_tls) {
    return Usage("export", "--ca_cert needs --tls");
  }
  const std::string out = FlagOr(args, "out", "");

  const absl::StatusOr<ExportResult> result = ExportFhir(options);
  if (!result.ok()) return Usage("export", result.status().message());
  if (!result->status.ok()) {
    std::cerr << DescribeRpcError(result->status);
    return kExitFailed;
  }
  if (out.empty()) {
    std::cout << result->bundle_json;
  } else if (absl::Status written = WriteExportFile(out, result->bundle_json); !written.ok()) {
    std::cerr << "error: " << written.message() << "\n";
    return kExitFailed;
  } else {
    std::cerr << "wrote " << out << "\n";
  }
  std::cerr << DescribeResourceCounts(result->resource_counts);
  return kExitOk;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "keygen") return RunKeygen(rest);
  if (command == "token") return RunToken(rest);
  if (command == "call") return RunCall(rest);
  if (command == "export") return RunExport(rest);
  std::cerr << "error: unknown command \"" << command << "\"\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace
}  // namespace therapy::homework::ctl

int main(int argc, char** argv) { return therapy::homework::ctl::Main(argc, argv); }
