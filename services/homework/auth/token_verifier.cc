#include "services/homework/auth/token_verifier.h"

#include <jwt.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

using Json = nlohmann::json;

// Far beyond any token this service issues or accepts; bounds the work an attacker can cause.
constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr size_t kMaxPracticeLength = 63;
// At most this much of a header or claim value is quoted back in a message.
constexpr size_t kMaxQuotedLength = 64;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtHandle = std::unique_ptr<jwt_t, JwtDeleter>;

struct MallocDeleter {
  void operator()(char* p) const { std::free(p); }
};

absl::Status Unauthenticated(absl::string_view message) {
  return absl::UnauthenticatedError(message);
}

// A header or claim value made safe to quote in a message: bounded, printable ASCII only.
std::string Quoted(absl::string_view value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxQuotedLength; ++i) {
    const char c = value[i];
    out.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) && c != '"' ? c : '?');
  }
  if (value.size() > kMaxQuotedLength) out += "...";
  out += "\"";
  return out;
}

bool IsBase64UrlSegment(absl::string_view segment) {
  for (char c : segment) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool IsValidPractice(absl::string_view practice) {
  if (practice.empty() || practice.size() > kMaxPracticeLength) return false;
  for (char c : practice) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

// A JSON object from a base64url segment, or nullopt.
std::optional<Json> DecodeJsonObject(absl::string_view segment) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(segment, &bytes)) return std::nullopt;
  Json value = Json::parse(bytes, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

// A NumericDate claim (RFC 7519 section 2) as a time; nullopt when it is not a number.
std::optional<absl::Time> NumericDate(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return absl::FromUnixSeconds(value.get<int64_t>());
  }
  if (value.is_number_unsigned()) {
    const uint64_t seconds = value.get<uint64_t>();
    if (seconds <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
    }
    return absl::InfiniteFuture();
  }
  if (value.is_number_float()) return absl::UnixEpoch() + absl::Seconds(value.get<double>());
  return std::nullopt;
}

// The non-empty string claim `name`, or an error naming it.
absl::StatusOr<std::string> RequiredString(const Json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return Unauthenticated(absl::StrCat("token has no `", name, "` claim"));
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Unauthenticated(absl::StrCat("token `", name, "` claim must be a non-empty string"));
  }
  return it->get<std::string>();
}

// SHA-256, fetched from OpenSSL's providers once: `EVP_sha256()` makes OpenSSL 3 look the
// implementation up again on every digest, under its locks (about two fifths of the digest's cost
// in a loaded server's profile; OpenSSL's guide, "Explicit fetching"). Kept for the process's life.
const EVP_MD* Sha256() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

// The cache key of a token: its SHA-256, so the cache holds no tokens.
std::string TokenDigest(absl::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &size, Sha256(), nullptr) != 1) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(
    const TokenVerifierOptions& options) {
  if (options.jwks_path.empty()) {
    return absl::InvalidArgumentError("token verifier needs a JWKS file path");
  }
  absl::StatusOr<VerificationKeys> keys = ReadJwksFile(options.jwks_path);
  if (!keys.ok()) return keys.status();
  return Create(*std::move(keys), options);
}

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(
    VerificationKeys keys, const TokenVerifierOptions& options) {
  if (keys.empty()) return absl::InvalidArgumentError("token verifier needs at least one key");
  if (options.issuer.empty()) return absl::InvalidArgumentError("token verifier needs an issuer");
  if (options.audience.empty()) {
    return absl::InvalidArgumentError("token verifier needs an audience");
  }
  if (options.leeway < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("token verifier leeway must not be negative");
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(keys), options));
}

TokenVerifier::TokenVerifier(VerificationKeys keys, const TokenVerifierOptions& options)
    : keys_(std::move(keys)),
      issuer_(options.issuer),
      audience_(options.audience),
      leeway_(options.leeway),
      cache_capacity_(options.cache_capacity) {}

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view bearer_token, absl::Time now) const {
  const std::string digest = cache_capacity_ > 0 && bearer_token.size() <= kMaxTokenBytes
                                 ? TokenDigest(bearer_token)
                                 : std::string();
  if (!digest.empty()) {
    absl::MutexLock lock(&cache_mutex_);
    if (const auto found = cache_.find(digest); found != cache_.end()) {
      if (absl::Status valid = CheckValidity(found->second, now); !valid.ok()) {
        cache_.erase(found);
        return valid;
      }
      return found->second.caller;
    }
  }

  absl::StatusOr<Verified> verified = VerifyToken(bearer_token, now);
  if (!verified.ok()) return verified.status();
  if (!digest.empty()) {
    absl::MutexLock lock(&cache_mutex_);
    if (cache_.size() >= cache_capacity_) {
      // Bounded: drop what has expired; if that frees nothing, start over.
      absl::erase_if(cache_,
                     [&](const auto& entry) { return !CheckValidity(entry.second, now).ok(); });
      if (cache_.size() >= cache_capacity_) cache_.clear();
    }
    cache_.insert_or_assign(digest, *verified);
  }
  return verified->caller;
}

absl::Status TokenVerifier::CheckValidity(const Verified& token, absl::Time now) const {
  if (now > token.expires + leeway_) {
    return Unauthenticated(
        absl::StrCat("token expired at ", absl::FormatTime(token.expires, absl::UTCTimeZone())));
  }
  if (token.not_before.has_value() && *token.not_before > now + leeway_) {
    return Unauthenticated(absl::StrCat("token is not valid yet (`nbf` is ",
                                        absl::FormatTime(*token.not_before, absl::UTCTimeZone()),
                                        ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TokenVerifier::Verified> TokenVerifier::VerifyToken(absl::string_view bearer_token,
                                                                   absl::Time now) const {
  // 1. Shape: three base64url segments, the last (the signature) non-empty.
  if (bearer_token.empty()) return Unauthenticated("token is empty");
  if (bearer_token.size() > kMaxTokenBytes) {
    return Unauthenticated(absl::StrCat("token is longer than ", kMaxTokenBytes, " bytes"));
  }
  const std::vector<absl::string_view> segments = absl::StrSplit(bearer_token, '.');
  if (segments.size() != 3) {
    return Unauthenticated("token is malformed: a JWS has three dot-separated parts");
  }
  for (absl::string_view segment : segments) {
    if (!IsBase64UrlSegment(segment)) {
      return Unauthenticated("token is malformed: parts must be unpadded base64url");
    }
  }
  if (segments[2].empty()) return Unauthenticated("token is unsigned");

  // 2. Header: choose the key and insist the algorithm is the key's own. The header is not yet
  // authenticated; nothing in it is trusted beyond picking which key to verify with.
  const std::optional<Json> header = DecodeJsonObject(segments[0]);
  if (!header.has_value()) {
    return Unauthenticated("token is malformed: header is not a base64url JSON object");
  }
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    return Unauthenticated("token header has no `alg`");
  }
  const std::string& alg_name = alg->get_ref<const std::string&>();
  if (absl::EqualsIgnoreCase(alg_name, "none")) return Unauthenticated("token is unsigned");
  const std::optional<JwsAlgorithm> algorithm = ParseJwsAlgorithm(alg_name);
  if (!algorithm.has_value()) {
    return Unauthenticated(
        absl::StrCat("token algorithm ", Quoted(alg_name), " is not accepted; use RS256 or ES256"));
  }
  if (header->contains("crit")) {
    return Unauthenticated("token header has `crit` extensions, which are not supported");
  }
  const VerificationKey* key = nullptr;
  if (const auto kid = header->find("kid"); kid != header->end()) {
    if (!kid->is_string()) return Unauthenticated("token header `kid` must be a string");
    const auto found = keys_.find(kid->get_ref<const std::string&>());
    if (found == keys_.end()) {
      return Unauthenticated(absl::StrCat(
          "token key id ", Quoted(kid->get_ref<const std::string&>()), " is not in the JWKS"));
    }
    key = &found->second;
  } else if (keys_.size() == 1) {
    key = &keys_.begin()->second;
  } else {
    return Unauthenticated("token header has no `kid` and the JWKS has several keys");
  }
  if (key->algorithm != *algorithm) {
    return Unauthenticated(absl::StrCat("token algorithm ", alg_name, " does not match key ",
                                        Quoted(key->kid), ", which is ",
                                        JwsAlgorithmName(key->algorithm)));
  }

  // 3. Signature, by libjwt with the key's PEM. (libjwt skips verification when given no key, so
  // a key is always passed.)
  jwt_t* raw_jwt = nullptr;
  const std::string token(bearer_token);
  const int decode_error = jwt_decode(
      &raw_jwt, token.c_str(), reinterpret_cast<const unsigned char*>(key->public_pem.data()),
      static_cast<int>(key->public_pem.size()));
  JwtHandle jwt(raw_jwt);
  if (decode_error != 0 || jwt == nullptr) {
    return Unauthenticated(
        absl::StrCat("token signature does not verify with key ", Quoted(key->kid)));
  }
  const jwt_alg_t expected_alg = *algorithm == JwsAlgorithm::kRs256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
  if (jwt_get_alg(jwt.get()) != expected_alg) {
    return Unauthenticated("token algorithm changed during verification");
  }
  const std::unique_ptr<char, MallocDeleter> claims_text(jwt_get_grants_json(jwt.get(), nullptr));
  if (claims_text == nullptr) return Unauthenticated("token payload is not a JSON object");
  const Json claims = Json::parse(claims_text.get(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return Unauthenticated("token payload is not a JSON object");
  }

  // 4. Registered claims.
  const auto iss = claims.find("iss");
  if (iss == claims.end()) return Unauthenticated("token has no `iss` claim");
  if (!iss->is_string() || iss->get_ref<const std::string&>() != issuer_) {
    return Unauthenticated(absl::StrCat("token issuer does not match; expected ", Quoted(issuer_)));
  }
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return Unauthenticated("token has no `aud` claim");
  bool audience_matches = aud->is_string() && aud->get_ref<const std::string&>() == audience_;
  if (aud->is_array()) {
    for (const Json& entry : *aud) {
      if (entry.is_string() && entry.get_ref<const std::string&>() == audience_) {
        audience_matches = true;
      }
    }
  }
  if (!audience_matches) {
    return Unauthenticated(
        absl::StrCat("token audience does not match; expected ", Quoted(audience_)));
  }
  const auto exp = claims.find("exp");
  if (exp == claims.end()) return Unauthenticated("token has no `exp` claim");
  Verified verified;
  const std::optional<absl::Time> expires = NumericDate(*exp);
  if (!expires.has_value()) return Unauthenticated("token `exp` claim must be a number");
  verified.expires = *expires;
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    verified.not_before = NumericDate(*nbf);
    if (!verified.not_before.has_value()) {
      return Unauthenticated("token `nbf` claim must be a number");
    }
  }
  if (absl::Status valid = CheckValidity(verified, now); !valid.ok()) return valid;

  // 5. The service's own claims.
  absl::StatusOr<std::string> subject = RequiredString(claims, "sub");
  if (!subject.ok()) return subject.status();
  absl::StatusOr<std::string> practice = RequiredString(claims, "practice");
  if (!practice.ok()) return practice.status();
  if (!IsValidPractice(*practice)) {
    return Unauthenticated(absl::StrCat("token `practice` claim ", Quoted(*practice),
                                        " must be 1-63 characters of [a-z0-9-]"));
  }
  absl::StatusOr<std::string> role_name = RequiredString(claims, "role");
  if (!role_name.ok()) return role_name.status();
  const std::optional<Role> role = ParseRole(*role_name);
  if (!role.has_value()) {
    return Unauthenticated(absl::StrCat("token `role` claim ", Quoted(*role_name),
                                        " is not one of therapist, client, service, admin"));
  }
  verified.caller.subject = *std::move(subject);
  verified.caller.practice = *std::move(practice);
  verified.caller.role = *role;
  return verified;
}

absl::StatusOr<absl::string_view> BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing `authorization: Bearer <token>` metadata");
  }
  constexpr absl::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme) ||
      !absl::ascii_isspace(static_cast<unsigned char>(authorization[kScheme.size()]))) {
    return absl::UnauthenticatedError("`authorization` metadata must be `Bearer <token>`");
  }
  return absl::StripLeadingAsciiWhitespace(authorization.substr(kScheme.size()));
}

absl::StatusOr<Caller> AuthenticateBearer(absl::Span<const absl::string_view> authorization,
                                          const CredentialSource& source,
                                          const TokenVerifier& verifier, absl::Time now) {
  if (authorization.empty() || (authorization.size() == 1 && authorization[0].empty())) {
    return absl::UnauthenticatedError(
        absl::StrCat("missing ", source.what, ": send \"", source.header, ": Bearer <JWT>\""));
  }
  if (authorization.size() > 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "more than one ", source.what, ": send exactly one \"", source.header, ": Bearer <JWT>\""));
  }
  absl::StatusOr<absl::string_view> token = BearerToken(authorization[0]);
  if (!token.ok()) return token.status();
  return verifier.Verify(*token, now);
}

}  // namespace therapy::homework
