#include "crypto/private_key.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

namespace sso {
namespace {

struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};

}  // namespace

PrivateKey LoadPrivateKey(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return nullptr;
  PrivateKey out(key, PkeyFree{});
  int id = EVP_PKEY_get_base_id(key);
  int bits = EVP_PKEY_get_bits(key);
  if ((id == EVP_PKEY_RSA && bits >= 2048) || (id == EVP_PKEY_EC && bits >= 256)) return out;
  return nullptr;
}

}  // namespace sso
