#ifndef SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_
#define SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/homework/auth/jwks.h"
#include "services/homework/core/caller.h"

namespace therapy::homework {

struct TokenVerifierOptions {
  std::string jwks_path;  // a JWK Set file (RFC 7517), read once by Create
  std::string issuer;     // the `iss` every token must carry
  std::string audience;   // must be `aud`, or one element of an `aud` array
  absl::Duration leeway = absl::Seconds(60);  // clock skew allowed for `exp` and `nbf`
};

// Verifies the bearer tokens of incoming calls: an RS256 or ES256 JWS whose key is in the JWKS
// (chosen by the header `kid`), with `iss`, `aud`, `exp` (required), `nbf` (if present), and the
// claims `sub`, `practice` and `role` that make a Caller.
//
// Thread-safe: Verify may run concurrently; the keys never change after Create. To rotate keys,
// create a new verifier.
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
  TokenVerifier(VerificationKeys keys, const TokenVerifierOptions& options);

  const VerificationKeys keys_;
  const std::string issuer_;
  const std::string audience_;
  const absl::Duration leeway_;
};

// The token of an `authorization` metadata value "Bearer <token>" (scheme case-insensitive,
// RFC 6750). UNAUTHENTICATED when the value is empty or uses another scheme.
absl::StatusOr<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_AUTH_TOKEN_VERIFIER_H_
