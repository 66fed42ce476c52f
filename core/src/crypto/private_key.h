// Our own private keys (SAML request signing, private_key_jwt), loaded from PEM.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string_view>

namespace sso {

struct PkeyFree {
  void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using PrivateKey = std::shared_ptr<EVP_PKEY>;

// An RSA (>= 2048 bits) or EC (>= 256 bits) private key from PEM; nullptr if unusable.
PrivateKey LoadPrivateKey(std::string_view pem);

}  // namespace sso
