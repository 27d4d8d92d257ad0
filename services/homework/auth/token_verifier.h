#ifndef SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_
#define SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/homework/auth/jwks.h"
#include "services/homework/core/model/caller.h"

namespace therapy::homework {

struct TokenVerifierOptions {
  std::string jwks_path;                      // a JWK Set file (RFC 7517), read once by Create
  std::string issuer;                         // the `iss` every token must carry
  std::string audience;                       // must be `aud`, or one element of an `aud` array
  absl::Duration leeway = absl::Seconds(60);  // clock skew allowed for `exp` and `nbf`
  // How many verified tokens to remember (0: none). A token's signature and claims are checked
  // once; later calls with the same token only re-check `exp` and `nbf` against the clock. A
  // platform page or backend sends the same token on every call until it expires, and checking
  // an RS256 signature costs more than the rest of a read.
  size_t cache_capacity = 10000;
};

// Verifies the bearer tokens of incoming calls: an RS256 or ES256 JWS whose key is in the JWKS
// (chosen by the header `kid`), with `iss`, `aud`, `exp` (required), `nbf` (if present), and the
// claims `sub`, `practice` and `role` that make a Caller.
//
// Thread-safe: Verify may run concurrently; the keys never change after Create. To rotate keys,
// create a new verifier (its cache starts empty). Only tokens that verified are remembered, by
// their SHA-256, so a caller cannot fill the cache with garbage.
class TokenVerifier {
 public:
  // Reads the JWKS at `options.jwks_path`. Errors: NOT_FOUND when the file cannot be read,
  // INVALID_ARGUMENT for a bad document or empty issuer/audience or negative leeway; messages
  // name the path and the offending key or field.
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(const TokenVerifierOptions& options);

  // Same, with keys already parsed (for tests and for callers that load the JWKS themselves).
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(VerificationKeys keys,
                                                               const TokenVerifierOptions& options);

  // Verifies `bearer_token` (the compact JWS alone, without the "Bearer " prefix) at time `now`.
  // Returns the caller with `subject`, `practice` and `role` set and `call_id` empty. Every
  // failure is UNAUTHENTICATED with a message for a developer ("token expired", "token audience
  // does not match", ...); messages never contain the token.
  absl::StatusOr<Caller> Verify(absl::string_view bearer_token, absl::Time now) const;

 private:
  // A token whose signature and claims verified, with the times that bound its use.
  struct Verified {
    Caller caller;
    absl::Time expires;
    std::optional<absl::Time> not_before;
  };

  TokenVerifier(VerificationKeys keys, const TokenVerifierOptions& options);

  // Everything Verify checks, without the cache.
  absl::StatusOr<Verified> VerifyToken(absl::string_view bearer_token, absl::Time now) const;
  // `exp` and `nbf` against `now`, with the leeway.
  absl::Status CheckValidity(const Verified& token, absl::Time now) const;

  const VerificationKeys keys_;
  const std::string issuer_;
  const std::string audience_;
  const absl::Duration leeway_;
  const size_t cache_capacity_;

  mutable absl::Mutex cache_mutex_;
  // SHA-256 of the token -> what it verified to.
  mutable absl::flat_hash_map<std::string, Verified> cache_ ABSL_GUARDED_BY(cache_mutex_);
};

// The token of an `authorization` metadata value "Bearer <token>" (scheme case-insensitive,
// RFC 6750). UNAUTHENTICATED when the value is empty or uses another scheme.
absl::StatusOr<absl::string_view> BearerToken(absl::string_view authorization);

// Where a call's credential came from, as its errors name it.
struct CredentialSource {
  absl::string_view what;    // "authorization metadata"
  absl::string_view header;  // "authorization"
};
inline constexpr CredentialSource kGrpcMetadata = {"authorization metadata", "authorization"};
inline constexpr CredentialSource kHttpHeader = {"Authorization header", "Authorization"};

// The authenticated caller of a call, for every edge (gRPC and the browser listener): its
// `authorization` values must be exactly one "Bearer <JWT>" that `verifier` accepts at `now`.
// UNAUTHENTICATED naming `source` otherwise: none (or one empty value), more than one (which
// credential the call acts as would be left open), another scheme, a token refused.
absl::StatusOr<Caller> AuthenticateBearer(absl::Span<const absl::string_view> authorization,
                                          const CredentialSource& source,
                                          const TokenVerifier& verifier, absl::Time now);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_
