#include "services/homework/core/formats/fhir/resource_ids.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/homework/core/formats/fhir/codes.h"

namespace therapy::homework::fhir {
namespace {

// The namespace for URLs of RFC 9562, Appendix A.
constexpr absl::string_view kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<uint8_t, 16> ParseUuid(absl::string_view text) {
  std::array<uint8_t, 16> bytes{};
  size_t out = 0;
  int high = -1;
  for (char c : text) {
    if (c == '-') continue;
    const int value = HexValue(c);
    if (value < 0 || out >= bytes.size()) return {};
    if (high < 0) {
      high = value;
    } else {
      bytes[out++] = static_cast<uint8_t>(high * 16 + value);
      high = -1;
    }
  }
  if (out != bytes.size() || high >= 0) return {};
  return bytes;
}

}  // namespace

std::string NameBasedUuid(absl::string_view namespace_uuid, absl::string_view name) {
  const std::array<uint8_t, 16> ns = ParseUuid(namespace_uuid);
  std::string input(ns.begin(), ns.end());
  input.append(name.data(), name.size());
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  // SHA-1 of a short in-memory string: fails only when OpenSSL cannot run at all, and then the
  // digest stays zero (the ids would still be stable, just not standard v5 UUIDs).
  EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[digest[i] >> 4]);
    text.push_back(kHex[digest[i] & 0x0f]);
  }
  return text;
}

std::string ResourceId(absl::string_view key) {
  return NameBasedUuid(kUrlNamespace, absl::StrCat(kBaseUrl, "/", key));
}

}  // namespace therapy::homework::fhir
