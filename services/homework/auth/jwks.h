#ifndef SERVICES_HOMEWORK_AUTH_JWKS_H_
#define SERVICES_HOMEWORK_AUTH_JWKS_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {

// The token signature algorithms the service accepts (RFC 7518 section 3.1).
enum class JwsAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of at least 2048 bits
  kEs256,  // ECDSA on P-256 with SHA-256
};

// "RS256" or "ES256".
absl::string_view JwsAlgorithmName(JwsAlgorithm algorithm);

// Parses "RS256" or "ES256" (exact case); nullopt for anything else, "none" and HS* included.
std::optional<JwsAlgorithm> ParseJwsAlgorithm(absl::string_view name);

// A public key that verifies token signatures: one entry of a JWKS.
struct VerificationKey {
  std::string kid;
  JwsAlgorithm algorithm = JwsAlgorithm::kEs256;
  std::string public_pem;  // SubjectPublicKeyInfo in PEM, as libjwt takes it
};

// Verification keys by `kid`.
using VerificationKeys = absl::flat_hash_map<std::string, VerificationKey>;

// Parses a JWK Set (RFC 7517 section 5): `{"keys": [...]}`.
//
// Each key needs a unique non-empty `kid` and is either `kty` "RSA" with `n` and `e` (RS256) or
// `kty` "EC" with `crv` "P-256", `x` and `y` (ES256); `alg`, when present, must agree. Keys whose
// `use` is not "sig" are skipped (they are not for signatures). A key holding private material
// (`d`, `p`, ...) is refused: a published JWKS must hold public keys only.
//
// Errors are INVALID_ARGUMENT naming the key (by `kid`, or by index when it has none) and the
// field. Never throws.
absl::StatusOr<VerificationKeys> ParseJwks(absl::string_view json);

// Reads the file at `path` and parses it with ParseJwks. A file that cannot be read is
// NOT_FOUND; a bad document INVALID_ARGUMENT. Either message names `path`.
absl::StatusOr<VerificationKeys> ReadJwksFile(const std::string& path);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_AUTH_JWKS_H_
