// libFuzzer target for the SAML response parser and validator: arbitrary bytes as the
// decoded document and as the base64 form value. Any crash or sanitizer report is a bug,
// and so is an accepted response: nothing the fuzzer makes is signed by the pinned key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "saml/response.h"
#include "saml/signature.h"

namespace {

const sso::saml::IdentityProvider &Idp() {
  static const sso::saml::IdentityProvider idp = [] {
    sso::saml::IdentityProvider p;
    p.entity_id = "https://idp.test.invalid/metadata";
    p.sso_url = "https://idp.test.invalid/sso";
    // A pinned key, so that the signature code runs; the fuzzer cannot sign with it.
    const char *path = std::getenv("SSO_FUZZ_IDP_CERT");
    std::ifstream in(path ? path : "build/test-keys/idp.crt");
    std::stringstream pem;
    pem << in.rdbuf();
    sso::saml::SharedKey key;
    if (sso::saml::LoadCertificateKey(pem.str(), key) == SSO_OK) p.signing_keys.push_back(key);
    return p;
  }();
  return idp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  sso::saml::ServiceProvider sp;
  sp.entity_id = "https://app.test.invalid/sso/saml";
  sp.acs_url = "https://app.test.invalid/sso/saml/acs";
  sp.allow_unsolicited = true;
  sso::saml::Expectation expect{std::nullopt, 1'767'225'600'000};
  sso::saml::Assertion out;
  if (sso::saml::ValidateResponseXml(input, Idp(), sp, expect, out) == SSO_OK) std::abort();
  if (sso::saml::ValidateResponse(input, Idp(), sp, expect, out) == SSO_OK) std::abort();
  (void)sso::saml::PeekIssuer(input);
  return 0;
}
