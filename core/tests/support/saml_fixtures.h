// Builds SAML responses for the tests and signs them with the throw-away keys that
// scripts/gen-test-keys makes (SSO_TEST_KEYS_DIR), using xmlsec the way an IdP would.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "saml/response.h"

namespace saml_test {

inline constexpr const char *kIdp = "https://idp.test.invalid/metadata";
inline constexpr const char *kSp = "https://app.test.invalid/sso/saml";
inline constexpr const char *kAcs = "https://app.test.invalid/sso/saml/acs";
inline constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string KeyPath(const std::string &name);  // "<keys dir>/<name>"
std::string ReadFile(const std::string &path);
std::string Iso(int64_t ms);  // xs:dateTime in UTC

struct ResponseSpec {
  std::string response_id = "_resp1";
  std::string assertion_id = "_assert1";
  std::optional<std::string> destination = kAcs;
  std::optional<std::string> in_response_to = "_req1";
  std::optional<std::string> response_issuer = kIdp;
  std::string assertion_issuer = kIdp;
  std::string status = "urn:oasis:names:tc:SAML:2.0:status:Success";
  std::string name_id_xml = "new.hire@corp.example";  // raw XML inside <NameID>
  std::string recipient = kAcs;
  std::optional<std::string> confirmation_in_response_to = "_req1";
  int64_t not_before = kNow - 60'000;
  int64_t not_on_or_after = kNow + 300'000;
  int64_t confirmation_not_on_or_after = kNow + 300'000;
  std::string audience = kSp;
  bool conditions = true;
  bool authn_statement = true;
  std::map<std::string, std::vector<std::string>> attributes = {
      {"mail", {"new.hire@corp.example"}}, {"memberOf", {"engineering", "staff"}}};
  std::string extra_response_xml;   // appended inside <Response>, after the assertion
  std::string extra_assertion_xml;  // appended inside <Assertion>
};

std::string BuildResponse(const ResponseSpec &spec);

struct SignOptions {
  std::string key = "idp";                      // key file stem in the keys dir
  std::string signature_method = "rsa-sha256";  // rsa-sha1, rsa-sha256, ecdsa-sha256, hmac-sha256
  std::string digest = "sha256";                // sha1, sha256
  bool exclusive_c14n = true;                   // false: inclusive c14n
  bool key_info_certificate = true;             // put the signer's certificate in KeyInfo
  std::string reference_uri;                    // default "#<id of the signed element>"
  bool second_reference = false;
};

// Signs the element with that ID (the Assertion, or the Response) in `xml`.
std::string Sign(const std::string &xml, const std::string &id, const SignOptions &options = {});

std::string Base64(const std::string &data);

struct EncryptOptions {
  std::string content = "aes128-gcm";      // aes256-gcm, aes128-cbc, tripledes-cbc
  std::string key_transport = "rsa-oaep";  // rsa-1_5
  std::string recipient = "sp";            // certificate the session key is encrypted to
  bool key_as_sibling = false;             // EncryptedKey next to EncryptedData
};

// Replaces the Assertion with that ID by an EncryptedAssertion, as an IdP would.
std::string EncryptAssertion(const std::string &xml, const std::string &assertion_id,
                             const EncryptOptions &options = {});

// A response whose assertion is signed by `o.key`.
inline std::string SignedAssertion(const ResponseSpec &spec = {}, const SignOptions &o = {}) {
  return Sign(BuildResponse(spec), spec.assertion_id, o);
}

// The IdP as the SP trusts it: pinned certificates by key file stem.
sso::saml::IdentityProvider Idp(const std::vector<std::string> &certs = {"idp"});
sso::saml::ServiceProvider Sp();
sso::saml::Expectation Solicited(const std::string &request_id = "_req1", int64_t now = kNow);

}  // namespace saml_test
