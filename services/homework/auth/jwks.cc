#include "services/homework/auth/jwks.h"

#include <openssl/core_names.h>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/homework/auth/openssl_handles.h"

namespace therapy::homework {
namespace {

using Json = nlohmann::json;

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateBytes = 32;

// Members that only a private JWK has (RFC 7518 sections 6.2.2, 6.3.2, 6.4).
constexpr absl::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// How an error names a key: by kid when it has one, else by its place in "keys".
std::string KeyLabel(const Json& jwk, size_t index) {
  const auto kid = jwk.find("kid");
  if (kid != jwk.end() && kid->is_string() && !kid->get_ref<const std::string&>().empty()) {
    return absl::StrCat("JWKS key \"", kid->get_ref<const std::string&>(), "\"");
  }
  return absl::StrCat("JWKS key #", index);
}

// A required base64url member of `jwk`, decoded.
absl::StatusOr<std::string> DecodedMember(const Json& jwk, const std::string& label,
                                          const char* member) {
  const auto it = jwk.find(member);
  if (it == jwk.end()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": missing `", member, "`"));
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": `", member, "` must be a string"));
  }
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(it->get_ref<const std::string&>(), &bytes) || bytes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": `", member, "` is not non-empty base64url"));
  }
  return bytes;
}

// Builds a public EVP_PKEY of `key_type` ("RSA" or "EC") from `params`, checks it, and returns
// its PEM.
absl::StatusOr<std::string> PublicPemFromParams(const char* key_type, OSSL_PARAM_BLD* builder,
                                                const std::string& label) {
  openssl::Params params(OSSL_PARAM_BLD_to_param(builder));
  openssl::PKeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": not a valid ", key_type,
                                                   " public key (", openssl::TakeError(), ")"));
  }
  openssl::PKey key(raw_key);
  openssl::PKeyContext check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": ", key_type, " public key fails validation (", openssl::TakeError(), ")"));
  }
  if (absl::string_view(key_type) == "RSA" && EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": RSA key has ",
                                                   EVP_PKEY_get_bits(key.get()), " bits; at least ",
                                                   kMinRsaBits, " required"));
  }
  std::string pem = openssl::PublicKeyPem(key.get());
  if (pem.empty()) {
    return absl::InternalError(
        absl::StrCat(label, ": cannot encode public key as PEM (", openssl::TakeError(), ")"));
  }
  return pem;
}

absl::StatusOr<std::string> RsaPublicPem(const Json& jwk, const std::string& label) {
  absl::StatusOr<std::string> n = DecodedMember(jwk, label, "n");
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = DecodedMember(jwk, label, "e");
  if (!e.ok()) return e.status();
  openssl::BigNum modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                    static_cast<int>(n->size()), nullptr));
  openssl::BigNum exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                     static_cast<int>(e->size()), nullptr));
  openssl::ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (modulus == nullptr || exponent == nullptr || builder == nullptr ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return absl::InternalError(
        absl::StrCat(label, ": cannot build RSA parameters (", openssl::TakeError(), ")"));
  }
  return PublicPemFromParams("RSA", builder.get(), label);
}

absl::StatusOr<std::string> EcP256PublicPem(const Json& jwk, const std::string& label) {
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": missing string `crv`"));
  }
  if (crv->get_ref<const std::string&>() != "P-256") {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": `crv` \"", crv->get_ref<const std::string&>(), "\" is not supported; use P-256"));
  }
  absl::StatusOr<std::string> x = DecodedMember(jwk, label, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = DecodedMember(jwk, label, "y");
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": `x` and `y` must each be 32 bytes for P-256"));
  }
  // SEC 1 uncompressed point: 0x04 || x || y.
  const std::string point = absl::StrCat("\x04", *x, *y);
  openssl::ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError(
        absl::StrCat(label, ": cannot build EC parameters (", openssl::TakeError(), ")"));
  }
  return PublicPemFromParams("EC", builder.get(), label);
}

// Converts one JWK; nullopt for a key that is not for signatures.
absl::StatusOr<std::optional<VerificationKey>> ParseKey(const Json& jwk, size_t index) {
  const std::string label = KeyLabel(jwk, index);
  if (!jwk.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": must be a JSON object"));
  }
  if (const auto use = jwk.find("use"); use != jwk.end()) {
    if (!use->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": `use` must be a string"));
    }
    if (use->get_ref<const std::string&>() != "sig") return std::nullopt;
  }
  for (absl::string_view member : kPrivateMembers) {
    if (jwk.contains(member)) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": holds private key member `", member,
                                                     "`; publish public keys only"));
    }
  }
  const auto kid = jwk.find("kid");
  if (kid == jwk.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": `kid` must be a non-empty string"));
  }
  const auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": missing string `kty`"));
  }
  const std::string& key_type = kty->get_ref<const std::string&>();
  JwsAlgorithm algorithm;
  if (key_type == "RSA") {
    algorithm = JwsAlgorithm::kRs256;
  } else if (key_type == "EC") {
    algorithm = JwsAlgorithm::kEs256;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": `kty` \"", key_type, "\" is not supported; use RSA or EC"));
  }
  if (const auto alg = jwk.find("alg"); alg != jwk.end()) {
    if (!alg->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": `alg` must be a string"));
    }
    const std::optional<JwsAlgorithm> named = ParseJwsAlgorithm(alg->get_ref<const std::string&>());
    if (!named.has_value() || *named != algorithm) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": `alg` \"", alg->get_ref<const std::string&>(), "\" is not supported for `kty` ",
          key_type, "; use ", JwsAlgorithmName(algorithm)));
    }
  }
  absl::StatusOr<std::string> pem =
      algorithm == JwsAlgorithm::kRs256 ? RsaPublicPem(jwk, label) : EcP256PublicPem(jwk, label);
  if (!pem.ok()) return pem.status();
  return VerificationKey{
      .kid = kid->get<std::string>(), .algorithm = algorithm, .public_pem = *std::move(pem)};
}

absl::StatusOr<VerificationKeys> ParseJwksDocument(const Json& document) {
  if (!document.is_object()) {
    return absl::InvalidArgumentError("JWKS must be a JSON object with a `keys` array");
  }
  const auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("JWKS has no `keys` array");
  }
  VerificationKeys result;
  for (size_t i = 0; i < keys->size(); ++i) {
    absl::StatusOr<std::optional<VerificationKey>> key = ParseKey((*keys)[i], i);
    if (!key.ok()) return key.status();
    if (!key->has_value()) continue;
    std::string kid = (*key)->kid;
    if (!result.try_emplace(kid, **std::move(key)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key \"", kid, "\": `kid` appears more than once"));
    }
  }
  if (result.empty()) {
    return absl::InvalidArgumentError("JWKS has no signature keys");
  }
  return result;
}

}  // namespace

absl::string_view JwsAlgorithmName(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
  }
  return "unknown";
}

std::optional<JwsAlgorithm> ParseJwsAlgorithm(absl::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  return std::nullopt;
}

absl::StatusOr<VerificationKeys> ParseJwks(absl::string_view json) {
  // nlohmann-json reports errors by exception; none leaves this function.
  try {
    const Json document = Json::parse(json.begin(), json.end());
    return ParseJwksDocument(document);
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("JWKS is not valid JSON: ", e.what()));
  }
}

absl::StatusOr<VerificationKeys> ReadJwksFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read JWKS file \"", path, "\""));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::NotFoundError(absl::StrCat("cannot read JWKS file \"", path, "\""));
  }
  absl::StatusOr<VerificationKeys> keys = ParseJwks(contents.str());
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat("JWKS file \"", path, "\": ", keys.status().message()));
  }
  return keys;
}

}  // namespace therapy::homework
