#include "services/homework/auth/dev_keys.h"

#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/homework/auth/openssl_handles.h"
#include "services/homework/core/model/caller.h"

namespace therapy::homework {
namespace {

using Json = nlohmann::json;

constexpr int kRsaBits = 2048;
constexpr int kP256CoordinateBytes = 32;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct MallocDeleter {
  void operator()(char* p) const { std::free(p); }
};

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, " (", openssl::TakeError(), ")"));
}

// A password callback that declines, so an encrypted PEM fails instead of prompting on a tty.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key) {
  openssl::Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("cannot encode private key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) return OpenSslError("cannot encode private key as PEM");
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<openssl::PKey> ParsePrivateKey(absl::string_view pem) {
  openssl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("cannot read private key");
  openssl::PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an unencrypted PEM private key (", openssl::TakeError(), ")"));
  }
  return key;
}

// The algorithm `key` signs with: ES256 for P-256, RS256 for RSA of at least 2048 bits.
absl::StatusOr<JwsAlgorithm> AlgorithmOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t group_length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &group_length) != 1 ||
        absl::string_view(group, group_length) != "prime256v1") {
      return absl::InvalidArgumentError("EC key is not on curve P-256 (ES256 needs P-256)");
    }
    return JwsAlgorithm::kEs256;
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < kRsaBits) {
      return absl::InvalidArgumentError(absl::StrCat("RSA key has ", EVP_PKEY_get_bits(key),
                                                     " bits; at least ", kRsaBits, " required"));
    }
    return JwsAlgorithm::kRs256;
  }
  return absl::InvalidArgumentError("key is neither EC P-256 nor RSA");
}

// Unsigned big-endian bytes of a BIGNUM parameter, left-padded to `width` when width > 0.
absl::StatusOr<std::string> BigNumParam(EVP_PKEY* key, const char* name, int width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return OpenSslError(absl::StrCat("cannot read key parameter ", name));
  }
  openssl::BigNum value(raw);
  const int size = width > 0 ? width : BN_num_bytes(value.get());
  std::string bytes(static_cast<size_t>(size), '\0');
  if (BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(bytes.data()), size) != size) {
    return OpenSslError(absl::StrCat("cannot encode key parameter ", name));
  }
  return bytes;
}

absl::StatusOr<Json> PublicJwk(const SigningKey& signing_key) {
  absl::StatusOr<openssl::PKey> key = ParsePrivateKey(signing_key.private_pem);
  if (!key.ok()) return key.status();
  Json jwk = Json::object();
  jwk["kid"] = signing_key.kid;
  jwk["use"] = "sig";
  jwk["alg"] = std::string(JwsAlgorithmName(signing_key.algorithm));
  switch (signing_key.algorithm) {
    case JwsAlgorithm::kEs256: {
      absl::StatusOr<std::string> x =
          BigNumParam(key->get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
      if (!x.ok()) return x.status();
      absl::StatusOr<std::string> y =
          BigNumParam(key->get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
      if (!y.ok()) return y.status();
      jwk["kty"] = "EC";
      jwk["crv"] = "P-256";
      jwk["x"] = absl::WebSafeBase64Escape(*x);
      jwk["y"] = absl::WebSafeBase64Escape(*y);
      break;
    }
    case JwsAlgorithm::kRs256: {
      absl::StatusOr<std::string> n = BigNumParam(key->get(), OSSL_PKEY_PARAM_RSA_N, 0);
      if (!n.ok()) return n.status();
      absl::StatusOr<std::string> e = BigNumParam(key->get(), OSSL_PKEY_PARAM_RSA_E, 0);
      if (!e.ok()) return e.status();
      jwk["kty"] = "RSA";
      jwk["n"] = absl::WebSafeBase64Escape(*n);
      jwk["e"] = absl::WebSafeBase64Escape(*e);
      break;
    }
  }
  return jwk;
}

absl::StatusOr<SigningKey> Generate(absl::string_view kid, JwsAlgorithm algorithm) {
  if (kid.empty()) return absl::InvalidArgumentError("signing key needs a non-empty kid");
  const bool is_ec = algorithm == JwsAlgorithm::kEs256;
  openssl::PKeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, is_ec ? "EC" : "RSA", nullptr));
  if (context == nullptr || EVP_PKEY_keygen_init(context.get()) != 1) {
    return OpenSslError("cannot start key generation");
  }
  if (is_ec ? EVP_PKEY_CTX_set_group_name(context.get(), "P-256") != 1
            : EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), kRsaBits) != 1) {
    return OpenSslError("cannot configure key generation");
  }
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_generate(context.get(), &raw_key) != 1) return OpenSslError("cannot generate key");
  openssl::PKey key(raw_key);
  absl::StatusOr<std::string> pem = PrivateKeyPem(key.get());
  if (!pem.ok()) return pem.status();
  return SigningKey{
      .kid = std::string(kid), .algorithm = algorithm, .private_pem = *std::move(pem)};
}

}  // namespace

absl::StatusOr<SigningKey> GenerateSigningKey(absl::string_view kid) {
  return Generate(kid, JwsAlgorithm::kEs256);
}

absl::StatusOr<SigningKey> GenerateRsaSigningKey(absl::string_view kid) {
  return Generate(kid, JwsAlgorithm::kRs256);
}

absl::StatusOr<SigningKey> LoadSigningKey(const std::string& pem_path, absl::string_view kid) {
  if (kid.empty()) return absl::InvalidArgumentError("signing key needs a non-empty kid");
  std::ifstream file(pem_path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read signing key file \"", pem_path, "\""));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  absl::StatusOr<openssl::PKey> key = ParsePrivateKey(contents.str());
  absl::StatusOr<JwsAlgorithm> algorithm =
      key.ok() ? AlgorithmOf(key->get()) : absl::StatusOr<JwsAlgorithm>(key.status());
  absl::StatusOr<std::string> pem =
      algorithm.ok() ? PrivateKeyPem(key->get()) : absl::StatusOr<std::string>(algorithm.status());
  if (!pem.ok()) {
    return absl::Status(pem.status().code(), absl::StrCat("signing key file \"", pem_path,
                                                          "\": ", pem.status().message()));
  }
  return SigningKey{
      .kid = std::string(kid), .algorithm = *algorithm, .private_pem = *std::move(pem)};
}

absl::StatusOr<std::string> PublicJwks(absl::Span<const SigningKey> keys) {
  Json entries = Json::array();
  for (const SigningKey& key : keys) {
    absl::StatusOr<Json> jwk = PublicJwk(key);
    if (!jwk.ok()) {
      return absl::Status(jwk.status().code(),
                          absl::StrCat("key \"", key.kid, "\": ", jwk.status().message()));
    }
    entries.push_back(*std::move(jwk));
  }
  Json document = Json::object();
  document["keys"] = std::move(entries);
  return document.dump(2) + "\n";
}

absl::StatusOr<std::string> PublicJwks(const SigningKey& key) {
  return PublicJwks(absl::MakeConstSpan(&key, 1));
}

absl::StatusOr<std::string> MintToken(const SigningKey& key, const TokenClaims& claims,
                                      absl::Time now) {
  if (claims.subject.empty()) return absl::InvalidArgumentError("token needs a subject");
  if (claims.practice.empty()) return absl::InvalidArgumentError("token needs a practice");
  if (!ParseRole(claims.role).has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token role \"", claims.role, "\" is not one of therapist, client, service, admin"));
  }
  if (claims.issuer.empty()) return absl::InvalidArgumentError("token needs an issuer");
  if (claims.audience.empty()) return absl::InvalidArgumentError("token needs an audience");
  if (claims.ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("token ttl must be positive");
  }
  Json payload = Json::object();
  payload["sub"] = claims.subject;
  payload["practice"] = claims.practice;
  payload["role"] = claims.role;
  payload["iss"] = claims.issuer;
  payload["aud"] = claims.audience;
  payload["iat"] = absl::ToUnixSeconds(now);
  payload["exp"] = absl::ToUnixSeconds(now + claims.ttl);
  return SignClaimsJson(key, payload.dump());
}

absl::StatusOr<std::string> SignClaimsJson(const SigningKey& key, absl::string_view claims_json) {
  jwt_t* raw_jwt = nullptr;
  if (jwt_new(&raw_jwt) != 0) return absl::InternalError("cannot allocate a JWT");
  const std::unique_ptr<jwt_t, JwtDeleter> jwt(raw_jwt);
  const jwt_alg_t alg = key.algorithm == JwsAlgorithm::kRs256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
  if (jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.private_pem.data()),
                  static_cast<int>(key.private_pem.size())) != 0) {
    return absl::InternalError("cannot set the token signing key");
  }
  if (!key.kid.empty() && jwt_add_header(jwt.get(), "kid", key.kid.c_str()) != 0) {
    return absl::InternalError("cannot set the token header `kid`");
  }
  if (jwt_add_grants_json(jwt.get(), std::string(claims_json).c_str()) != 0) {
    return absl::InvalidArgumentError("token claims must be a JSON object");
  }
  const std::unique_ptr<char, MallocDeleter> token(jwt_encode_str(jwt.get()));
  if (token == nullptr) {
    return absl::InternalError(absl::StrCat("cannot sign the token with key \"", key.kid,
                                            "\" (is it a ", JwsAlgorithmName(key.algorithm),
                                            " private key?)"));
  }
  return std::string(token.get());
}

}  // namespace therapy::homework
