#ifndef SERVICES_HOMEWORK_CTL_COMMANDS_H_
#define SERVICES_HOMEWORK_CTL_COMMANDS_H_

// The subcommands of homework-ctl, each taking an options struct that main.cc fills from the
// command line. They print nothing themselves: they return the text to print.

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/auth/dev_keys.h"

namespace therapy::homework::ctl {

inline constexpr char kSigningKeyFile[] = "signing-key.pem";
inline constexpr char kJwksFile[] = "jwks.json";

struct KeygenOptions {
  std::string out_dir;  // created (mode 0700) when missing
  std::string kid = "dev-1";
};

// Writes a new ES256 key to `out_dir`/signing-key.pem (mode 0600) and its public JWKS to
// `out_dir`/jwks.json; returns lines naming both files. Refuses to overwrite an existing key
// (ALREADY_EXISTS); file errors are FAILED_PRECONDITION naming the path.
absl::StatusOr<std::string> Keygen(const KeygenOptions& options);

struct TokenOptions {
  std::string key_path;  // a PEM private key, as keygen writes
  std::string kid = "dev-1";
  TokenClaims claims;
};

// A development token signed with the key at `key_path`, followed by a newline.
absl::StatusOr<std::string> Token(const TokenOptions& options, absl::Time now);

struct CallOptions {
  std::string method;  // "CreateClient", as client/methods.h FindMethod takes it
  std::string address = "127.0.0.1:50051";
  std::string token;         // sent as `authorization: Bearer <token>` when not empty
  std::string request_json;  // protobuf JSON of the request; empty means `{}`
  absl::Duration deadline = absl::Seconds(10);
  bool use_tls = false;      // TLS instead of plaintext
  std::string ca_cert_path;  // PEM roots for TLS; empty means the system's
};

// What the server answered: OK with the response as pretty JSON, or an error status.
struct CallResult {
  absl::Status status;  // the service's answer, with its details (client/rpc_status.h)
  std::string response_json;
};

// Calls `options.method` once. The returned status is about making the call (unknown method,
// bad request JSON, unreadable CA file); what the server answered is in CallResult::status.
absl::StatusOr<CallResult> Call(const CallOptions& options);

// "error: " and the service's answer as client::Describe words it (the code, the message, then
// one line per detail: "  client.display_name: must not be empty"). Ends in a newline.
std::string DescribeRpcError(const absl::Status& status);

struct ExportOptions {
  std::string client;                    // practices/{practice}/clients/{client}
  std::optional<absl::Time> start_time;  // only completions at or after
  std::optional<absl::Time> end_time;    // only completions before
  std::string address = "127.0.0.1:50051";
  std::string token;  // sent as `authorization: Bearer <token>` when not empty
  absl::Duration deadline = absl::Seconds(30);
  bool use_tls = false;
  std::string ca_cert_path;  // PEM roots for TLS; empty means the system's
};

// What ExportClientRecord answered: OK with the bundle as pretty JSON (2-space indent, the
// server's key order, ending in a newline) and the counts per resource type, or an error status.
struct ExportResult {
  absl::Status status;  // the service's answer, with its details (client/rpc_status.h)
  std::string bundle_json;
  std::map<std::string, int> resource_counts;
};

// Calls ExportClientRecord once. The returned status is about making the call (an empty client,
// an unreadable CA file); what the server answered is in ExportResult::status. A bundle that is
// not JSON is an INTERNAL ExportResult::status.
absl::StatusOr<ExportResult> ExportFhir(const ExportOptions& options);

// `json` re-indented with 2 spaces, keys in their order, ending in a newline. INVALID_ARGUMENT
// when it is not JSON.
absl::StatusOr<std::string> PrettyJson(absl::string_view json);

// "CarePlan 1\nGoal 2\n...": one "Type count" line per resource type, in name order.
std::string DescribeResourceCounts(const std::map<std::string, int>& counts);

// Writes `contents` to `path` with mode 0600, replacing the file if it exists: an export is
// protected health information. FAILED_PRECONDITION naming the path on a file error.
absl::Status WriteExportFile(const std::string& path, absl::string_view contents);

}  // namespace therapy::homework::ctl

#endif  // SERVICES_HOMEWORK_CTL_COMMANDS_H_
