// The one check every public key from outside (a provider's JWKS, an IdP certificate, SAML
// metadata) passes before it may verify anything.
#pragma once

#include <openssl/evp.h>

namespace sso {

// Why `key` may not be used, as a short phrase naming the failed check for log lines, or
// nullptr when it may:
//   RSA      65537 <= e < 2^256 and e odd (NIST SP 800-56B), an odd modulus of 2048 to 16384
//            bits;
//   EC       a curve of at least 256 bits, and whatever EVP_PKEY_public_check refuses (a
//            point off the curve, at infinity, or not of the group's order);
//   Ed25519  accepted.
// Other key types are refused.
const char *PublicKeyProblem(EVP_PKEY *key);

}  // namespace sso
