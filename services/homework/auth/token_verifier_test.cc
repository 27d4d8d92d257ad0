#include "services/homework/auth/token_verifier.h"

#include <jwt.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/auth/jwks.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;
using Json = nlohmann::json;

constexpr char kIssuer[] = "homework-dev";
constexpr char kAudience[] = "therapy-homework";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Per process: ctest runs each test in its own process, several at once.
std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/token_verifier_test.", ::getpid(), ".", name);
  std::ofstream(path, std::ios::trunc) << contents;
  return path;
}

// The claims of a valid therapist token at kNow; tests change or erase one claim.
Json ValidClaims() {
  return Json{{"sub", "therapist-7"}, {"practice", "acme-health"}, {"role", "therapist"},
              {"iss", kIssuer},       {"aud", kAudience},          {"iat", 1'700'000'000},
              {"exp", 1'700'003'600}};
}

// A header.payload.signature built by hand, for tokens libjwt would refuse to produce.
std::string UnsignedToken(const Json& header, const Json& claims, absl::string_view signature) {
  return absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                      absl::WebSafeBase64Escape(claims.dump()), ".", signature);
}

// Keys are made once per process (RSA generation is slow) and a verifier per test.
class VerifierTestBase : public ::testing::Test {
 protected:
  static const SigningKey& EsKey() {
    static const SigningKey* const key = new SigningKey(*GenerateSigningKey("es-1"));
    return *key;
  }
  static const SigningKey& OtherEsKey() {
    static const SigningKey* const key = new SigningKey(*GenerateSigningKey("es-2"));
    return *key;
  }
  static const SigningKey& RsKey() {
    static const SigningKey* const key = new SigningKey(*GenerateRsaSigningKey("rs-1"));
    return *key;
  }

  // Makes verifier_ trust exactly `keys`, read from a JWKS file as the server does.
  void TrustKeys(std::initializer_list<SigningKey> keys) {
    const absl::StatusOr<std::string> jwks = PublicJwks(std::vector<SigningKey>(keys));
    ASSERT_THAT(jwks, IsOk());
    absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
        TokenVerifier::Create({.jwks_path = WriteFile("trusted.jwks.json", *jwks),
                               .issuer = kIssuer,
                               .audience = kAudience});
    ASSERT_THAT(verifier, IsOk());
    verifier_ = *std::move(verifier);
  }

  static std::string Sign(const SigningKey& key, const Json& claims) {
    absl::StatusOr<std::string> token = SignClaimsJson(key, claims.dump());
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
  }

  // Asserts that `token` fails UNAUTHENTICATED with `message_part`, without echoing the token.
  void ExpectRejected(const std::string& token, absl::string_view message_part) {
    const absl::StatusOr<Caller> caller = verifier_->Verify(token, kNow);
    ASSERT_FALSE(caller.ok()) << "token was accepted";
    EXPECT_THAT(caller, StatusIs(absl::StatusCode::kUnauthenticated));
    EXPECT_THAT(caller.status().ToString(), HasSubstr(message_part));
    if (token.size() > 8) {
      EXPECT_THAT(caller.status().ToString(), Not(HasSubstr(token)));
    }
  }

  std::unique_ptr<TokenVerifier> verifier_;
};

// A JWKS of two ES256 keys.
class TokenVerifierTest : public VerifierTestBase {
 protected:
  void SetUp() override { TrustKeys({EsKey(), OtherEsKey()}); }
};

// A JWKS of an ES256 and an RS256 key.
class MixedKeysTokenVerifierTest : public VerifierTestBase {
 protected:
  void SetUp() override { TrustKeys({EsKey(), RsKey()}); }
};

TEST_F(TokenVerifierTest, ValidEs256TokenVerifiesToCaller) {
  const absl::StatusOr<std::string> token = MintToken(
      EsKey(), {.subject = "therapist-7", .practice = "acme-health", .role = "therapist"}, kNow);
  ASSERT_THAT(token, IsOk());

  const absl::StatusOr<Caller> caller = verifier_->Verify(*token, kNow + absl::Hours(1));

  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->subject, "therapist-7");
  EXPECT_EQ(caller->practice, "acme-health");
  EXPECT_EQ(caller->role, Role::kTherapist);
  EXPECT_EQ(caller->call_id, "");
}

TEST_F(MixedKeysTokenVerifierTest, ValidRs256TokenVerifiesToCaller) {
  const absl::StatusOr<std::string> token = MintToken(
      RsKey(), {.subject = "billing", .practice = "acme-health", .role = "service"}, kNow);
  ASSERT_THAT(token, IsOk());

  const absl::StatusOr<Caller> caller = verifier_->Verify(*token, kNow);

  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->subject, "billing");
  EXPECT_EQ(caller->practice, "acme-health");
  EXPECT_EQ(caller->role, Role::kService);
}

TEST_F(TokenVerifierTest, Es256SignatureIsRawRAndSNotDer) {
  // RFC 7518 section 3.4: 64 bytes R || S, i.e. 86 base64url characters.
  const std::vector<std::string> parts = absl::StrSplit(Sign(EsKey(), ValidClaims()), '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].size(), 86u);
}

TEST_F(TokenVerifierTest, ExpiredTokenIsRejected) {
  Json claims = ValidClaims();
  claims["exp"] = 1'700'000'000 - 61;  // one second past the 60 s leeway
  ExpectRejected(Sign(EsKey(), claims), "token expired");
}

TEST_F(TokenVerifierTest, TokenExpiredWithinLeewayIsAccepted) {
  Json claims = ValidClaims();
  claims["exp"] = 1'700'000'000 - 30;
  EXPECT_THAT(verifier_->Verify(Sign(EsKey(), claims), kNow), IsOk());
}

TEST_F(TokenVerifierTest, RememberedTokenStillExpires) {
  Json claims = ValidClaims();
  claims["exp"] = 1'700'000'000 + 10;
  const std::string token = Sign(EsKey(), claims);
  ASSERT_THAT(verifier_->Verify(token, kNow), IsOk());  // verified and remembered

  const absl::StatusOr<Caller> later = verifier_->Verify(token, kNow + absl::Seconds(71));

  ASSERT_FALSE(later.ok()) << "an expired token was accepted from the cache";
  EXPECT_THAT(later.status().ToString(), HasSubstr("token expired"));
}

TEST_F(TokenVerifierTest, RememberedTokenDoesNotVouchForATamperedCopy) {
  const std::string token = Sign(EsKey(), ValidClaims());
  ASSERT_THAT(verifier_->Verify(token, kNow), IsOk());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  Json claims = ValidClaims();
  claims["role"] = "admin";
  std::string payload;
  absl::WebSafeBase64Escape(claims.dump(), &payload);

  ExpectRejected(absl::StrCat(parts[0], ".", payload, ".", parts[2]), "signature does not verify");
}

TEST_F(VerifierTestBase, CacheStaysWithinItsCapacityAndKeepsVerifying) {
  const absl::StatusOr<std::string> jwks = PublicJwks(std::vector<SigningKey>{EsKey()});
  ASSERT_THAT(jwks, IsOk());
  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create({.jwks_path = WriteFile("small-cache.jwks.json", *jwks),
                             .issuer = kIssuer,
                             .audience = kAudience,
                             .cache_capacity = 2});
  ASSERT_THAT(verifier, IsOk());
  for (int i = 0; i < 5; ++i) {
    Json claims = ValidClaims();
    claims["sub"] = absl::StrCat("client-", i);
    const std::string token = Sign(EsKey(), claims);
    for (int repeat = 0; repeat < 2; ++repeat) {
      const absl::StatusOr<Caller> caller = (*verifier)->Verify(token, kNow);
      ASSERT_THAT(caller, IsOk());
      EXPECT_EQ(caller->subject, absl::StrCat("client-", i));
    }
  }
}

TEST_F(TokenVerifierTest, TokenWithoutExpIsRejected) {
  Json claims = ValidClaims();
  claims.erase("exp");
  ExpectRejected(Sign(EsKey(), claims), "token has no `exp` claim");
}

TEST_F(TokenVerifierTest, NotBeforeInFutureIsRejected) {
  Json claims = ValidClaims();
  claims["nbf"] = 1'700'000'000 + 120;
  ExpectRejected(Sign(EsKey(), claims), "token is not valid yet");
}

TEST_F(TokenVerifierTest, NotBeforeWithinLeewayIsAccepted) {
  Json claims = ValidClaims();
  claims["nbf"] = 1'700'000'000 + 30;
  EXPECT_THAT(verifier_->Verify(Sign(EsKey(), claims), kNow), IsOk());
}

TEST_F(TokenVerifierTest, WrongIssuerIsRejected) {
  Json claims = ValidClaims();
  claims["iss"] = "someone-else";
  ExpectRejected(Sign(EsKey(), claims), "token issuer does not match");
}

TEST_F(TokenVerifierTest, WrongAudienceIsRejected) {
  Json claims = ValidClaims();
  claims["aud"] = "another-service";
  ExpectRejected(Sign(EsKey(), claims), "token audience does not match");
}

TEST_F(TokenVerifierTest, AudienceArrayWithoutOursIsRejected) {
  Json claims = ValidClaims();
  claims["aud"] = Json::array({"a", "b"});
  ExpectRejected(Sign(EsKey(), claims), "token audience does not match");
}

TEST_F(TokenVerifierTest, AudienceArrayContainingOursIsAccepted) {
  Json claims = ValidClaims();
  claims["aud"] = Json::array({"another-service", kAudience});
  const absl::StatusOr<Caller> caller = verifier_->Verify(Sign(EsKey(), claims), kNow);
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->subject, "therapist-7");
}

TEST_F(TokenVerifierTest, UnknownKidIsRejected) {
  SigningKey unknown = EsKey();
  unknown.kid = "retired-3";
  ExpectRejected(Sign(unknown, ValidClaims()), "token key id \"retired-3\" is not in the JWKS");
}

TEST_F(TokenVerifierTest, TamperedSignatureIsRejected) {
  std::string token = Sign(EsKey(), ValidClaims());
  const size_t signature_middle = token.rfind('.') + 20;
  token[signature_middle] = token[signature_middle] == 'A' ? 'B' : 'A';
  ExpectRejected(token, "token signature does not verify with key \"es-1\"");
}

TEST_F(TokenVerifierTest, TamperedPayloadIsRejected) {
  const std::vector<std::string> parts = absl::StrSplit(Sign(EsKey(), ValidClaims()), '.');
  Json claims = ValidClaims();
  claims["role"] = "admin";
  const std::string token =
      absl::StrCat(parts[0], ".", absl::WebSafeBase64Escape(claims.dump()), ".", parts[2]);
  ExpectRejected(token, "token signature does not verify");
}

TEST_F(TokenVerifierTest, TokenFromAnotherKeyWithSameKidIsRejected) {
  const absl::StatusOr<SigningKey> impostor = GenerateSigningKey("es-1");
  ASSERT_THAT(impostor, IsOk());
  ExpectRejected(Sign(*impostor, ValidClaims()), "token signature does not verify");
}

TEST_F(TokenVerifierTest, AlgNoneUnsignedTokenIsRejected) {
  ExpectRejected(UnsignedToken({{"alg", "none"}, {"kid", "es-1"}}, ValidClaims(), ""),
                 "token is unsigned");
}

TEST_F(TokenVerifierTest, AlgNoneWithSignatureIsRejected) {
  ExpectRejected(UnsignedToken({{"alg", "none"}, {"kid", "es-1"}}, ValidClaims(), "c2ln"),
                 "token is unsigned");
}

TEST_F(MixedKeysTokenVerifierTest, Hs256KeyedWithPublicPemIsRejected) {
  // The classic algorithm confusion: HMAC keyed with the verifier's public key.
  const VerificationKeys keys = *ParseJwks(*PublicJwks(RsKey()));
  const std::string& public_pem = keys.at("rs-1").public_pem;
  jwt_t* jwt = nullptr;
  ASSERT_EQ(jwt_new(&jwt), 0);
  ASSERT_EQ(
      jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(public_pem.data()),
                  static_cast<int>(public_pem.size())),
      0);
  ASSERT_EQ(jwt_add_header(jwt, "kid", "rs-1"), 0);
  ASSERT_EQ(jwt_add_grants_json(jwt, ValidClaims().dump().c_str()), 0);
  char* encoded = jwt_encode_str(jwt);
  ASSERT_NE(encoded, nullptr);
  const std::string token = encoded;
  std::free(encoded);
  jwt_free(jwt);

  ExpectRejected(token, "token algorithm \"HS256\" is not accepted");
}

TEST_F(MixedKeysTokenVerifierTest, Rs256HeaderOnEcKeyIsRejected) {
  SigningKey rsa_claiming_es_kid = RsKey();
  rsa_claiming_es_kid.kid = "es-1";
  ExpectRejected(Sign(rsa_claiming_es_kid, ValidClaims()),
                 "token algorithm RS256 does not match key \"es-1\", which is ES256");
}

TEST_F(TokenVerifierTest, MissingKidWithSeveralKeysIsRejected) {
  SigningKey no_kid = EsKey();
  no_kid.kid = "";
  ExpectRejected(Sign(no_kid, ValidClaims()), "token header has no `kid`");
}

TEST_F(TokenVerifierTest, MissingKidWithSingleKeyUsesIt) {
  const absl::StatusOr<std::unique_ptr<TokenVerifier>> single =
      TokenVerifier::Create(*ParseJwks(*PublicJwks(EsKey())),
                            {.jwks_path = "", .issuer = kIssuer, .audience = kAudience});
  ASSERT_THAT(single, IsOk());
  SigningKey no_kid = EsKey();
  no_kid.kid = "";
  EXPECT_THAT((*single)->Verify(Sign(no_kid, ValidClaims()), kNow), IsOk());
}

TEST_F(TokenVerifierTest, MissingSubIsRejected) {
  Json claims = ValidClaims();
  claims.erase("sub");
  ExpectRejected(Sign(EsKey(), claims), "token has no `sub` claim");
}

TEST_F(TokenVerifierTest, EmptySubIsRejected) {
  Json claims = ValidClaims();
  claims["sub"] = "";
  ExpectRejected(Sign(EsKey(), claims), "token `sub` claim must be a non-empty string");
}

TEST_F(TokenVerifierTest, MissingPracticeIsRejected) {
  Json claims = ValidClaims();
  claims.erase("practice");
  ExpectRejected(Sign(EsKey(), claims), "token has no `practice` claim");
}

TEST_F(TokenVerifierTest, PracticeOutsideResourceIdAlphabetIsRejected) {
  Json claims = ValidClaims();
  claims["practice"] = "Acme/../x";
  ExpectRejected(Sign(EsKey(), claims), "must be 1-63 characters of [a-z0-9-]");
}

TEST_F(TokenVerifierTest, MissingRoleIsRejected) {
  Json claims = ValidClaims();
  claims.erase("role");
  ExpectRejected(Sign(EsKey(), claims), "token has no `role` claim");
}

TEST_F(TokenVerifierTest, UnknownRoleIsRejected) {
  Json claims = ValidClaims();
  claims["role"] = "superuser";
  ExpectRejected(Sign(EsKey(), claims),
                 "token `role` claim \"superuser\" is not one of therapist, client, service, "
                 "admin");
}

TEST_F(TokenVerifierTest, EmptyTokenIsRejected) { ExpectRejected("", "token is empty"); }

TEST_F(TokenVerifierTest, OnePartTokenIsRejected) {
  ExpectRejected("abc", "token is malformed: a JWS has three dot-separated parts");
}

TEST_F(TokenVerifierTest, TwoPartTokenIsRejected) {
  ExpectRejected("a.b", "token is malformed: a JWS has three dot-separated parts");
}

TEST_F(TokenVerifierTest, NonJsonHeaderIsRejected) {
  ExpectRejected("bm90LWpzb24.e30.c2ln", "header is not a base64url JSON object");
}

TEST_F(TokenVerifierTest, NonBase64UrlPartIsRejected) {
  ExpectRejected("a+b.c/d.e=f", "parts must be unpadded base64url");
}

TEST_F(MixedKeysTokenVerifierTest, ConcurrentVerifyCallsAllSucceed) {
  const std::string es_token = Sign(EsKey(), ValidClaims());
  const std::string rs_token = Sign(RsKey(), ValidClaims());
  std::vector<std::thread> threads;
  std::vector<int> successes(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (verifier_->Verify(t % 2 == 0 ? es_token : rs_token, kNow).ok()) ++successes[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : successes) EXPECT_EQ(count, 25);
}

TEST(TokenVerifierCreateTest, MissingJwksFileNamesPath) {
  const std::string path = ::testing::TempDir() + "/no-such-dir/jwks.json";
  const auto verifier =
      TokenVerifier::Create({.jwks_path = path, .issuer = kIssuer, .audience = kAudience});
  ASSERT_THAT(verifier, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr(path));
}

TEST(TokenVerifierCreateTest, MalformedJwksJsonNamesPath) {
  const std::string path = WriteFile("malformed.jwks.json", "{\"keys\": [");
  const auto verifier =
      TokenVerifier::Create({.jwks_path = path, .issuer = kIssuer, .audience = kAudience});
  ASSERT_THAT(verifier, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr(path));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr("not valid JSON"));
}

TEST(TokenVerifierCreateTest, JwksKeyMissingFieldNamesKeyAndField) {
  const std::string path =
      WriteFile("missing-y.jwks.json",
                R"({"keys": [{"kty": "EC", "kid": "k-1", "crv": "P-256", "x": "AAAA"}]})");
  const auto verifier =
      TokenVerifier::Create({.jwks_path = path, .issuer = kIssuer, .audience = kAudience});
  ASSERT_THAT(verifier, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr(path));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr("JWKS key \"k-1\": missing `y`"));
}

TEST(TokenVerifierCreateTest, EmptyIssuerIsRejected) {
  const absl::StatusOr<SigningKey> key = GenerateSigningKey("k-1");
  ASSERT_THAT(key, IsOk());
  const auto verifier = TokenVerifier::Create(
      *ParseJwks(*PublicJwks(*key)), {.jwks_path = "", .issuer = "", .audience = kAudience});
  ASSERT_THAT(verifier, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(verifier.status().ToString(), HasSubstr("issuer"));
}

TEST(JwksTest, WithoutKeysArrayIsRejected) {
  const auto keys = ParseJwks(R"({"kty": "EC"})");
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().ToString(), HasSubstr("JWKS has no `keys` array"));
}

TEST(JwksTest, PrivateKeyMaterialIsRejected) {
  const auto keys = ParseJwks(
      R"({"keys": [{"kty": "EC", "kid": "k-1", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}]})");
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().ToString(),
              HasSubstr("JWKS key \"k-1\": holds private key member `d`"));
}

TEST(JwksTest, PointNotOnCurveIsRejected) {
  const std::string coordinate = absl::WebSafeBase64Escape(std::string(32, '\x01'));
  const auto keys =
      ParseJwks(absl::StrCat(R"({"keys": [{"kty": "EC", "kid": "k-1", "crv": "P-256", "x": ")",
                             coordinate, R"(", "y": ")", coordinate, R"("}]})"));
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().ToString(), HasSubstr("JWKS key \"k-1\""));
}

TEST(JwksTest, UnsupportedKeyTypeIsRejected) {
  const auto keys = ParseJwks(R"({"keys": [{"kty": "oct", "kid": "k-1"}]})");
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().ToString(),
              HasSubstr("JWKS key \"k-1\": `kty` \"oct\" is not supported"));
}

TEST(JwksTest, AlgDisagreeingWithKeyTypeIsRejected) {
  const absl::StatusOr<SigningKey> key = GenerateSigningKey("k-1");
  ASSERT_THAT(key, IsOk());
  Json document = Json::parse(*PublicJwks(*key));
  document["keys"][0]["alg"] = "RS256";
  const auto keys = ParseJwks(document.dump());
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().ToString(), HasSubstr("JWKS key \"k-1\": `alg` \"RS256\""));
}

TEST(JwksTest, DuplicateKidIsRejected) {
  const absl::StatusOr<SigningKey> first = GenerateSigningKey("k-1");
  const absl::StatusOr<SigningKey> second = GenerateSigningKey("k-1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  const SigningKey keys[] = {*first, *second};
  const auto parsed = ParseJwks(*PublicJwks(keys));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().ToString(),
              HasSubstr("JWKS key \"k-1\": `kid` appears more than once"));
}

TEST(JwksTest, EncryptionKeysAreSkipped) {
  const absl::StatusOr<SigningKey> key = GenerateSigningKey("k-1");
  ASSERT_THAT(key, IsOk());
  Json document = Json::parse(*PublicJwks(*key));
  document["keys"].push_back({{"kty", "RSA"}, {"kid", "enc-1"}, {"use", "enc"}});
  const auto keys = ParseJwks(document.dump());
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->contains("k-1"));
}

TEST(DevKeysTest, LoadSigningKeyRoundTripsGeneratedKey) {
  const absl::StatusOr<SigningKey> generated = GenerateSigningKey("dev-1");
  ASSERT_THAT(generated, IsOk());
  const std::string path = WriteFile("signing-key.pem", generated->private_pem);
  const absl::StatusOr<SigningKey> loaded = LoadSigningKey(path, "dev-1");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->algorithm, JwsAlgorithm::kEs256);
  EXPECT_EQ(*PublicJwks(*loaded), *PublicJwks(*generated));
}

TEST(DevKeysTest, LoadSigningKeyOfNonKeyFileNamesPath) {
  const std::string path = WriteFile("not-a-key.pem", "hello");
  const absl::StatusOr<SigningKey> loaded = LoadSigningKey(path, "dev-1");
  ASSERT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(loaded.status().ToString(), HasSubstr(path));
}

TEST(DevKeysTest, MintTokenRejectsUnknownRole) {
  const absl::StatusOr<SigningKey> key = GenerateSigningKey("dev-1");
  ASSERT_THAT(key, IsOk());
  const auto token = MintToken(*key, {.subject = "a", .practice = "p", .role = "root"}, kNow);
  ASSERT_THAT(token, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(token.status().ToString(), HasSubstr("\"root\""));
}

TEST(BearerTokenTest, ExtractsTokenCaseInsensitively) {
  EXPECT_EQ(*BearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(*BearerToken("bearer   abc.def.ghi"), "abc.def.ghi");
}

TEST(BearerTokenTest, RejectsMissingAndOtherSchemes) {
  EXPECT_THAT(BearerToken(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(BearerToken("Basic dXNlcjpwYXNz").status().ToString(),
              HasSubstr("must be `Bearer <token>`"));
  EXPECT_THAT(BearerToken("Bearer").status().ToString(), HasSubstr("must be `Bearer <token>`"));
}

}  // namespace
}  // namespace therapy::homework
