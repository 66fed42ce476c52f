// The HTTP-Redirect binding: what we send round-trips, and a received message is taken only
// with a signature by a pinned key over exactly the bytes that came.
#include "saml/redirect_binding.h"

#include <gtest/gtest.h>

#include "support/saml_fixtures.h"
#include "text/http_text.h"

namespace {

using namespace saml_test;
using sso::saml::MessageParameter;
using sso::saml::ReadRedirectMessage;
using sso::saml::RedirectBindingUrl;
using sso::saml::RedirectMessage;

const std::string kXml =
    "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_lr1\"/>";

sso::saml::PrivateKey Key(const std::string &name) {
  return sso::saml::LoadPrivateKey(ReadFile(KeyPath(name + ".key")));
}

std::string QueryOf(const std::string &url) { return url.substr(url.find('?') + 1); }

std::string Signed(const std::string &relay_state = "rs-1", const std::string &key = "idp",
                   MessageParameter parameter = MessageParameter::kRequest) {
  return QueryOf(
      *RedirectBindingUrl("https://sp.example/slo", parameter, kXml, relay_state, Key(key)));
}

sso_status Read(const std::string &query, RedirectMessage &out,
                MessageParameter parameter = MessageParameter::kRequest) {
  auto idp = Idp();
  return ReadRedirectMessage(query, parameter, idp.signing_keys, out);
}

TEST(RedirectBinding, ASignedMessageRoundTrips) {
  RedirectMessage out;
  ASSERT_EQ(Read(Signed(), out), SSO_OK);
  EXPECT_EQ(out.xml, kXml);
  EXPECT_EQ(out.relay_state, "rs-1");
  ASSERT_EQ(Read(Signed(""), out), SSO_OK) << "without a RelayState";
  EXPECT_EQ(out.relay_state, "");
  ASSERT_EQ(Read(Signed("a b&c=/d"), out), SSO_OK) << "a RelayState that needs encoding";
  EXPECT_EQ(out.relay_state, "a b&c=/d");
  ASSERT_EQ(Read(Signed("", "idp", MessageParameter::kResponse), out, MessageParameter::kResponse),
            SSO_OK);
}

TEST(RedirectBinding, TheSignatureIsRequiredAndChecked) {
  RedirectMessage out;
  std::string query = Signed();
  std::string unsigned_query = query.substr(0, query.find("&SigAlg="));
  EXPECT_EQ(Read(unsigned_query, out), SSO_SAML_NOT_SIGNED);
  EXPECT_EQ(Read(query.substr(0, query.find("&Signature=")), out), SSO_SAML_NOT_SIGNED);
  EXPECT_EQ(Read(Signed("rs-1", "attacker"), out), SSO_SAML_SIGNATURE_INVALID)
      << "signed by a key we do not pin";

  std::string other_relay = query;
  other_relay.replace(other_relay.find("RelayState=rs-1"), 15, "RelayState=rs-2");
  EXPECT_EQ(Read(other_relay, out), SSO_SAML_SIGNATURE_INVALID) << "RelayState is signed";

  std::string sha1 = query;
  size_t at = sha1.find("rsa-sha256");
  sha1.replace(at, 10, "rsa-sha1");
  EXPECT_EQ(Read(sha1, out), SSO_SAML_SIGNATURE_ALGORITHM);

  std::string hmac = query;
  hmac.replace(hmac.find("xmldsig-more%23rsa-sha256"), 25, "xmldsig%23hmac-sha1");
  EXPECT_EQ(Read(hmac, out), SSO_SAML_SIGNATURE_ALGORITHM);

  std::string dropped_relay = query;
  dropped_relay.erase(dropped_relay.find("&RelayState=rs-1"), 16);
  EXPECT_EQ(Read(dropped_relay, out), SSO_SAML_SIGNATURE_INVALID) << "nor can it be dropped";

  std::string wrong_type = Signed();
  EXPECT_EQ(Read(wrong_type, out, MessageParameter::kResponse), SSO_SAML_BAD_ENCODING)
      << "a request is not a response";
}

TEST(RedirectBinding, EcdsaKeysSignAndVerifyToo) {
  RedirectMessage out;
  auto idp = Idp({"idp-ec"});
  EXPECT_EQ(ReadRedirectMessage(Signed("rs", "idp-ec"), MessageParameter::kRequest,
                                idp.signing_keys, out),
            SSO_OK);
  EXPECT_EQ(
      ReadRedirectMessage(Signed("rs", "idp"), MessageParameter::kRequest, idp.signing_keys, out),
      SSO_SAML_SIGNATURE_INVALID)
      << "an RSA signature is not checked with an EC key";
}

TEST(RedirectBinding, RepeatedParametersAreRefused) {
  RedirectMessage out;
  std::string query = Signed();
  EXPECT_EQ(Read(query + "&RelayState=other", out), SSO_SAML_BAD_ENCODING);
  EXPECT_EQ(Read(query + "&SAMLRequest=AAAA", out), SSO_SAML_BAD_ENCODING);
  EXPECT_EQ(Read(query + "&Signature=AAAA", out), SSO_SAML_BAD_ENCODING);
  EXPECT_EQ(Read(query + "&unrelated=1", out), SSO_OK) << "other parameters are not ours";
}

TEST(RedirectBinding, GarbageIsABadEncodingNotACrash) {
  RedirectMessage out;
  for (std::string query :
       {"", "SAMLRequest=", "SAMLRequest=%zz", "SAMLRequest=!!!", "&&&", "SAMLRequest"}) {
    EXPECT_NE(Read(query, out), SSO_OK) << query;
  }
  auto key = Key("idp");
  // signed, but not deflated XML
  std::string url = *RedirectBindingUrl("https://x/", MessageParameter::kRequest, "", "", key);
  EXPECT_EQ(Read(QueryOf(url), out), SSO_OK) << "an empty message inflates to empty";
}

TEST(RedirectBinding, TheUrlKeepsTheDestinationsQuery) {
  auto url = RedirectBindingUrl("https://idp.example/slo?tenant=a", MessageParameter::kRequest,
                                kXml, "", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->rfind("https://idp.example/slo?tenant=a&SAMLRequest=", 0), 0u);
  EXPECT_EQ(url->find("Signature="), std::string::npos) << "no key, no signature";
}

}  // namespace
