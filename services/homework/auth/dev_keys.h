#ifndef SERVICES_HOMEWORK_AUTH_DEV_KEYS_H_
#define SERVICES_HOMEWORK_AUTH_DEV_KEYS_H_

// Development signing keys and tokens, for homework-ctl, tests and examples. Production tokens
// are minted by the platform's identity provider; the service itself only verifies
// (token_verifier.h).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/homework/auth/jwks.h"

namespace therapy::homework {

// A private key that signs tokens.
struct SigningKey {
  std::string kid;
  JwsAlgorithm algorithm = JwsAlgorithm::kEs256;
  std::string private_pem;  // PEM private key (PKCS#8 when generated here)
};

// A new ES256 (P-256) key. INVALID_ARGUMENT for an empty `kid`; INTERNAL if OpenSSL fails.
absl::StatusOr<SigningKey> GenerateSigningKey(absl::string_view kid);

// A new RS256 key of 2048 bits, so tests cover both accepted algorithms. Slow-ish (~100 ms).
absl::StatusOr<SigningKey> GenerateRsaSigningKey(absl::string_view kid);

// Reads a PEM private key from `pem_path`: P-256 EC becomes ES256, RSA (>= 2048 bits) RS256.
// NOT_FOUND when the file cannot be read; INVALID_ARGUMENT for another kind of key. Messages
// name the path, never the key material.
absl::StatusOr<SigningKey> LoadSigningKey(const std::string& pem_path, absl::string_view kid);

// A JWK Set (RFC 7517) with the public half of each key, `"use": "sig"` and its `alg`, pretty
// printed. The verifier's ParseJwks reads it back.
absl::StatusOr<std::string> PublicJwks(absl::Span<const SigningKey> keys);
absl::StatusOr<std::string> PublicJwks(const SigningKey& key);

// The claims of a development token.
struct TokenClaims {
  std::string subject;   // `sub`
  std::string practice;  // `practice`
  std::string role;      // `role`: therapist, client, service or admin
  std::string issuer = "homework-dev";
  std::string audience = "therapy-homework";
  absl::Duration ttl = absl::Hours(12);  // `exp` = now + ttl
};

// A signed compact JWS with header `kid` and claims `sub`, `practice`, `role`, `iss`, `aud`,
// `iat` (now) and `exp`. INVALID_ARGUMENT for an empty subject, practice, issuer or audience,
// an unknown role, or a ttl that is not positive.
absl::StatusOr<std::string> MintToken(const SigningKey& key, const TokenClaims& claims,
                                      absl::Time now);

// Signs `claims_json` (a JSON object) exactly as given, with header `kid`; no claim is checked
// or added. For tests that need hostile or incomplete tokens.
absl::StatusOr<std::string> SignClaimsJson(const SigningKey& key, absl::string_view claims_json);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_AUTH_DEV_KEYS_H_
