// SAML Response validation: one positive and one or more negative tests per rule of
// DESIGN.md §6. Responses are built and signed here with throw-away keys.
#include "saml/response.h"

#include <gtest/gtest.h>

#include "saml/decrypt.h"
#include "saml/signature.h"
#include "support/saml_fixtures.h"

namespace {

using namespace saml_test;
using sso::saml::Assertion;

sso_status Check(const std::string &xml, const sso::saml::IdentityProvider &idp = Idp(),
                 const sso::saml::ServiceProvider &sp = Sp(),
                 const sso::saml::Expectation &expect = Solicited(), Assertion *out = nullptr) {
  Assertion assertion;
  sso_status s = sso::saml::ValidateResponse(Base64(xml), idp, sp, expect, assertion);
  if (out) *out = assertion;
  return s;
}

// ---- accepted ----

TEST(SamlResponse, SignedAssertionIsAcceptedAndRead) {
  Assertion a;
  ASSERT_EQ(Check(SignedAssertion(), Idp(), Sp(), Solicited(), &a), SSO_OK);
  EXPECT_EQ(a.name_id, "new.hire@corp.example");
  EXPECT_EQ(a.name_id_format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
  EXPECT_EQ(a.issuer, kIdp);
  EXPECT_EQ(a.assertion_id, "_assert1");
  EXPECT_EQ(a.session_index, "_sess1");
  EXPECT_EQ(a.attributes.at("memberOf"), (std::vector<std::string>{"engineering", "staff"}));
  EXPECT_GE(a.replay_until_ms, kNow + 300'000) << "replay cache must outlive the assertion";
}

TEST(SamlResponse, SignedResponseIsAccepted) {
  ResponseSpec spec;
  EXPECT_EQ(Check(Sign(BuildResponse(spec), spec.response_id)), SSO_OK);
}

TEST(SamlResponse, BothSignedIsAccepted) {
  ResponseSpec spec;
  EXPECT_EQ(Check(Sign(SignedAssertion(spec), spec.response_id)), SSO_OK);
}

TEST(SamlResponse, CertificateRolloverAcceptsEitherPinnedKey) {
  EXPECT_EQ(Check(SignedAssertion(), Idp({"idp2", "idp"})), SSO_OK);
  EXPECT_EQ(Check(SignedAssertion({}, {.key = "idp2"}), Idp({"idp2", "idp"})), SSO_OK);
}

TEST(SamlResponse, EcdsaIsAccepted) {
  EXPECT_EQ(Check(SignedAssertion({}, {.key = "idp-ec", .signature_method = "ecdsa-sha256"}),
                  Idp({"idp-ec"})),
            SSO_OK);
}

TEST(SamlResponse, IdpInitiatedOnlyWhenEnabled) {
  ResponseSpec spec;
  spec.in_response_to.reset();
  spec.confirmation_in_response_to.reset();
  std::string xml = SignedAssertion(spec);
  sso::saml::Expectation unsolicited{std::nullopt, kNow};
  EXPECT_EQ(Check(xml, Idp(), Sp(), unsolicited), SSO_SAML_UNSOLICITED);
  auto sp = Sp();
  sp.allow_unsolicited = true;
  EXPECT_EQ(Check(xml, Idp(), sp, unsolicited), SSO_OK);
}

// ---- parsing: size, encoding, DTD ----

TEST(SamlResponse, SizeIsCappedBeforeDecoding) {
  Assertion a;
  std::string huge(sso::saml::kMaxResponseBase64 + 4, 'A');
  EXPECT_EQ(sso::saml::ValidateResponse(huge, Idp(), Sp(), Solicited(), a),
            SSO_SAML_RESPONSE_TOO_LARGE);
}

TEST(SamlResponse, BadBase64IsRefused) {
  Assertion a;
  EXPECT_EQ(sso::saml::ValidateResponse("not base64!!", Idp(), Sp(), Solicited(), a),
            SSO_SAML_BAD_ENCODING);
}

TEST(SamlResponse, AnyDtdIsRefused) {
  std::string signed_xml = SignedAssertion();
  std::string with_dtd =
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"new.hire@corp.example\">]>" +
      signed_xml.substr(signed_xml.find("<samlp:Response"));
  EXPECT_EQ(Check(with_dtd), SSO_SAML_DTD_FORBIDDEN);
  std::string external = "<!doctype r SYSTEM \"http://127.0.0.1:1/evil.dtd\">" +
                         signed_xml.substr(signed_xml.find("<samlp:Response"));
  EXPECT_EQ(Check(external), SSO_SAML_DTD_FORBIDDEN);
}

TEST(SamlResponse, MalformedXmlAndOtherDocumentsAreRefused) {
  EXPECT_EQ(Check("<samlp:Response"), SSO_SAML_XML_MALFORMED);
  EXPECT_EQ(Check("<x xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"), SSO_SAML_NOT_A_RESPONSE);
}

// ---- signatures: pinned key, algorithms, references ----

TEST(SamlResponse, UnsignedIsRefused) { EXPECT_EQ(Check(BuildResponse({})), SSO_SAML_NOT_SIGNED); }

TEST(SamlResponse, KeyInfoNeverSuppliesTheKey) {
  // Signed by an attacker who puts its own certificate in <KeyInfo>.
  EXPECT_EQ(Check(SignedAssertion({}, {.key = "attacker"})), SSO_SAML_SIGNATURE_INVALID);
}

TEST(SamlResponse, TamperingAfterSigningIsDetected) {
  std::string xml = SignedAssertion();
  size_t at = xml.find("new.hire@corp.example");
  xml.replace(at, 3, "ceo");
  EXPECT_EQ(Check(xml), SSO_SAML_SIGNATURE_INVALID);
}

TEST(SamlResponse, FlippingSignatureBitsIsDetected) {
  std::string xml = SignedAssertion();
  size_t start = xml.find("<ds:SignatureValue>");
  if (start == std::string::npos) start = xml.find("SignatureValue>");
  ASSERT_NE(start, std::string::npos);
  start = xml.find('>', start) + 1;
  for (size_t i = 0; i < 40; i += 7) {
    std::string flipped = xml;
    char &c = flipped[start + i];
    c = (c == 'A') ? 'B' : 'A';
    EXPECT_NE(Check(flipped), SSO_OK) << "flipped character " << i;
  }
}

TEST(SamlResponse, Sha1IsRefused) {
  EXPECT_EQ(Check(SignedAssertion({}, {.signature_method = "rsa-sha1"})),
            SSO_SAML_SIGNATURE_ALGORITHM);
  EXPECT_EQ(Check(SignedAssertion({}, {.digest = "sha1"})), SSO_SAML_SIGNATURE_ALGORITHM);
}

TEST(SamlResponse, SymmetricSignaturesAreRefused) {
  EXPECT_EQ(Check(SignedAssertion(
                {}, {.signature_method = "hmac-sha256", .key_info_certificate = false})),
            SSO_SAML_SIGNATURE_ALGORITHM);
}

TEST(SamlResponse, OnlyExclusiveC14NIsAllowed) {
  EXPECT_EQ(Check(SignedAssertion({}, {.exclusive_c14n = false})), SSO_SAML_SIGNATURE_ALGORITHM);
}

TEST(SamlResponse, ExactlyOneReferenceToTheSignedElement) {
  EXPECT_EQ(Check(SignedAssertion({}, {.second_reference = true})), SSO_SAML_SIGNATURE_REFERENCE);
  // A signature inside the assertion that covers the Response instead.
  EXPECT_EQ(Check(SignedAssertion({}, {.reference_uri = "#_resp1"})), SSO_SAML_SIGNATURE_REFERENCE);
  // Nothing outside the document is ever fetched.
  std::string external = SignedAssertion();
  const std::string local = "URI=\"#_assert1\"";
  size_t uri = external.find(local);
  ASSERT_NE(uri, std::string::npos);
  external.replace(uri, local.size(), "URI=\"http://127.0.0.1:1/assertion.xml\"");
  EXPECT_EQ(Check(external), SSO_SAML_SIGNATURE_REFERENCE);
}

TEST(SamlResponse, SignatureWrappingIsRefused) {
  // The attacker keeps the IdP's signed assertion but hides it and adds its own.
  std::string signed_xml = SignedAssertion();
  size_t begin = signed_xml.find("<saml:Assertion");
  size_t end = signed_xml.find("</saml:Assertion>") + 17;
  std::string original = signed_xml.substr(begin, end - begin);
  ResponseSpec evil;
  evil.assertion_id = "_evil";
  evil.name_id_xml = "ceo@corp.example";
  std::string evil_xml = BuildResponse(evil);
  std::string wrapped = evil_xml;
  wrapped.insert(wrapped.find("</samlp:Response>"),
                 "<samlp:Extensions>" + original + "</samlp:Extensions>");
  EXPECT_EQ(Check(wrapped), SSO_SAML_ASSERTION_COUNT);
  // Or two assertions side by side, one of them signed.
  std::string two = signed_xml;
  two.insert(
      two.find("</samlp:Response>"),
      evil_xml.substr(evil_xml.find("<saml:Assertion"),
                      evil_xml.find("</saml:Assertion>") + 17 - evil_xml.find("<saml:Assertion")));
  EXPECT_EQ(Check(two), SSO_SAML_ASSERTION_COUNT);
}

TEST(SamlResponse, DuplicateIdsAreRefused) {
  ResponseSpec spec;
  spec.assertion_id = spec.response_id;
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_DUPLICATE_ID);
}

// ---- what the assertion says ----

TEST(SamlResponse, IssuerMustBeTheIdp) {
  ResponseSpec spec;
  spec.assertion_issuer = "https://evil.test.invalid";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_ISSUER_MISMATCH);
  ResponseSpec outer;
  outer.response_issuer = "https://evil.test.invalid";
  EXPECT_EQ(Check(SignedAssertion(outer)), SSO_SAML_ISSUER_MISMATCH);
}

TEST(SamlResponse, AudienceMustBeUs) {
  ResponseSpec spec;
  spec.audience = "https://other-app.test.invalid";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_AUDIENCE_MISMATCH);
  ResponseSpec none;
  none.conditions = false;
  EXPECT_EQ(Check(SignedAssertion(none)), SSO_SAML_AUDIENCE_MISMATCH);
}

TEST(SamlResponse, RecipientMustBeOurAcs) {
  ResponseSpec spec;
  spec.recipient = "https://other-app.test.invalid/acs";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_RECIPIENT_MISMATCH);
}

TEST(SamlResponse, DestinationMustBeOurAcs) {
  ResponseSpec spec;
  spec.destination = "https://other-app.test.invalid/acs";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_DESTINATION_MISMATCH);
  ResponseSpec missing;
  missing.destination.reset();
  EXPECT_EQ(Check(Sign(BuildResponse(missing), missing.response_id)), SSO_SAML_DESTINATION_MISMATCH)
      << "a signed Response must say where it is going";
}

TEST(SamlResponse, InResponseToMustMatchOurRequest) {
  EXPECT_EQ(Check(SignedAssertion(), Idp(), Sp(), Solicited("_other")),
            SSO_SAML_IN_RESPONSE_TO_MISMATCH);
  ResponseSpec spec;
  spec.confirmation_in_response_to = "_other";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_IN_RESPONSE_TO_MISMATCH);
}

TEST(SamlResponse, TimeWindowWithSkew) {
  auto sp = Sp();  // 2 minutes of skew
  ResponseSpec early;
  early.not_before = kNow + 60'000;
  EXPECT_EQ(Check(SignedAssertion(early), Idp(), sp), SSO_OK) << "within the skew";
  early.not_before = kNow + 180'000;
  EXPECT_EQ(Check(SignedAssertion(early), Idp(), sp), SSO_SAML_NOT_YET_VALID);

  ResponseSpec late;
  late.not_on_or_after = kNow - 180'000;
  EXPECT_EQ(Check(SignedAssertion(late), Idp(), sp), SSO_SAML_EXPIRED);
  ResponseSpec confirmation_late;
  confirmation_late.confirmation_not_on_or_after = kNow - 180'000;
  EXPECT_EQ(Check(SignedAssertion(confirmation_late), Idp(), sp), SSO_SAML_EXPIRED);
  EXPECT_EQ(Check(SignedAssertion(), Idp(), sp, Solicited("_req1", kNow + 3600'000)),
            SSO_SAML_EXPIRED);
}

TEST(SamlResponse, StatusMustBeSuccess) {
  ResponseSpec spec;
  spec.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_STATUS_NOT_SUCCESS);
}

TEST(SamlResponse, CommentsCannotTruncateTheNameId) {
  ResponseSpec spec;
  spec.name_id_xml = "user@corp.example<!-- -->.evil.example";
  Assertion a;
  ASSERT_EQ(Check(SignedAssertion(spec), Idp(), Sp(), Solicited(), &a), SSO_OK);
  EXPECT_EQ(a.name_id, "user@corp.example.evil.example");
  // A comment added after signing changes nothing (comments are not signed) and still
  // cannot cut the value short.
  std::string xml = SignedAssertion();
  xml.insert(xml.find("@corp.example</saml:NameID>"), "<!---->");
  ASSERT_EQ(Check(xml, Idp(), Sp(), Solicited(), &a), SSO_OK);
  EXPECT_EQ(a.name_id, "new.hire@corp.example");
}

TEST(SamlResponse, MissingNameIdIsRefused) {
  ResponseSpec spec;
  spec.name_id_xml = "";
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_MISSING_NAMEID);
}

TEST(SamlResponse, AuthnStatementIsRequired) {
  ResponseSpec spec;
  spec.authn_statement = false;
  EXPECT_EQ(Check(SignedAssertion(spec)), SSO_SAML_SUBJECT_CONFIRMATION);
}

// ---- encrypted assertions ----

sso::saml::ServiceProvider SpWithKey(const std::string &key = "sp") {
  auto sp = Sp();
  EXPECT_EQ(sso::saml::LoadDecryptionKey(ReadFile(KeyPath(key + ".key")), sp.decryption_key),
            SSO_OK);
  return sp;
}

TEST(SamlEncrypted, SignedThenEncryptedAssertionIsDecryptedAndRead) {
  ResponseSpec spec;
  for (std::string content : {"aes128-gcm", "aes256-gcm"}) {
    std::string xml =
        EncryptAssertion(SignedAssertion(spec), spec.assertion_id, {.content = content});
    ASSERT_NE(xml.find("EncryptedAssertion"), std::string::npos);
    ASSERT_EQ(xml.find("new.hire"), std::string::npos) << "the NameID is not readable";
    Assertion a;
    ASSERT_EQ(Check(xml, Idp(), SpWithKey(), Solicited(), &a), SSO_OK) << content;
    EXPECT_EQ(a.name_id, "new.hire@corp.example");
  }
}

TEST(SamlEncrypted, EncryptedKeyNextToTheDataWorksToo) {
  ResponseSpec spec;
  std::string xml =
      EncryptAssertion(SignedAssertion(spec), spec.assertion_id, {.key_as_sibling = true});
  EXPECT_EQ(Check(xml, Idp(), SpWithKey()), SSO_OK);
}

TEST(SamlEncrypted, SignedResponseOverEncryptedAssertion) {
  ResponseSpec spec;
  std::string encrypted = EncryptAssertion(BuildResponse(spec), spec.assertion_id);
  EXPECT_EQ(Check(Sign(encrypted, spec.response_id), Idp(), SpWithKey()), SSO_OK);
  EXPECT_EQ(Check(encrypted, Idp(), SpWithKey()), SSO_SAML_NOT_SIGNED)
      << "encryption is not authentication";
}

TEST(SamlEncrypted, UnsafeAlgorithmsAreRefused) {
  ResponseSpec spec;
  std::string signed_xml = SignedAssertion(spec);
  EXPECT_EQ(Check(EncryptAssertion(signed_xml, spec.assertion_id, {.content = "aes128-cbc"}), Idp(),
                  SpWithKey()),
            SSO_SAML_ENCRYPTION_ALGORITHM);
  EXPECT_EQ(Check(EncryptAssertion(signed_xml, spec.assertion_id, {.content = "tripledes-cbc"}),
                  Idp(), SpWithKey()),
            SSO_SAML_ENCRYPTION_ALGORITHM);
  EXPECT_EQ(Check(EncryptAssertion(signed_xml, spec.assertion_id, {.key_transport = "rsa-1_5"}),
                  Idp(), SpWithKey()),
            SSO_SAML_ENCRYPTION_ALGORITHM);
}

TEST(SamlEncrypted, WrongKeyOrNoKeyFailsClosed) {
  ResponseSpec spec;
  std::string xml =
      EncryptAssertion(SignedAssertion(spec), spec.assertion_id, {.recipient = "attacker"});
  EXPECT_EQ(Check(xml, Idp(), SpWithKey()), SSO_SAML_DECRYPTION_FAILED);
  EXPECT_EQ(Check(EncryptAssertion(SignedAssertion(spec), spec.assertion_id), Idp(), Sp()),
            SSO_SAML_ENCRYPTED_UNSUPPORTED);
}

TEST(SamlEncrypted, AnEncryptedAndAPlainAssertionTogetherAreRefused) {
  ResponseSpec spec;
  std::string xml = EncryptAssertion(SignedAssertion(spec), spec.assertion_id);
  ResponseSpec plain;
  plain.assertion_id = "_plain";
  std::string other = BuildResponse(plain);
  size_t b = other.find("<saml:Assertion"), e = other.find("</saml:Assertion>") + 17;
  xml.insert(xml.find("</samlp:Response>"), other.substr(b, e - b));
  EXPECT_EQ(Check(xml, Idp(), SpWithKey()), SSO_SAML_ASSERTION_COUNT);
}

TEST(SamlKeys, WeakOrBrokenCertificatesAreRefused) {
  sso::saml::SharedKey key;
  EXPECT_EQ(sso::saml::LoadCertificateKey("not a certificate", key), SSO_SAML_KEY_INVALID);
  EXPECT_EQ(sso::saml::LoadCertificateKey("-----BEGIN CERTIFICATE-----\nAAAA\n", key),
            SSO_SAML_KEY_INVALID);
  // The base64 DER form used inside metadata works like PEM.
  std::string pem = ReadFile(KeyPath("idp.crt"));
  std::string body = pem.substr(pem.find('\n') + 1);
  body = body.substr(0, body.find("-----END"));
  EXPECT_EQ(sso::saml::LoadCertificateKey(body, key), SSO_OK);
}

}  // namespace
