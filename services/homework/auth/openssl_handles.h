#ifndef SERVICES_HOMEWORK_AUTH_OPENSSL_HANDLES_H_
#define SERVICES_HOMEWORK_AUTH_OPENSSL_HANDLES_H_

// Owning handles for the OpenSSL 3 objects the auth library uses, and the one way it turns an
// OpenSSL failure into a message. Internal to services/homework/auth.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace therapy::homework::openssl {

template <auto kFree>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BigNum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PKeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

// The oldest error on this thread's OpenSSL error queue (or "no detail"), clearing the queue so
// a later failure does not report a stale reason.
inline std::string TakeError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// The PEM text of `key`'s SubjectPublicKeyInfo, or "" on failure.
inline std::string PublicKeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace therapy::homework::openssl

#endif  // SERVICES_HOMEWORK_AUTH_OPENSSL_HANDLES_H_
