// SAML flows through the C interface, the way the module drives them: login (RelayState in
// the store, redirect to the IdP), ACS (RelayState single use, validation, replay cache,
// session), metadata in and out.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <map>

#include "engine/store_keys.h"
#include "saml/authn_request.h"
#include "saml/metadata.h"
#include "session/session_id.h"
#include "support/saml_fixtures.h"
#include "support/test_support.h"
#include "text/http_text.h"
#include "text/views.h"

namespace {

using namespace saml_test;
using namespace sso_test;

std::string IdpMetadata(const std::vector<std::string> &certs, bool redirect = true) {
  std::string x =
      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
      std::string(kIdp) +
      "\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:"
      "protocol\">";
  for (const auto &c : certs)
    x += "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         sso::saml::PemBody(ReadFile(KeyPath(c + ".crt"))) +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  x += "<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
       sso::saml::PemBody(ReadFile(KeyPath("attacker.crt"))) +
       "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  if (redirect)
    x += "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\""
         " Location=\"https://idp.test.invalid/sso\"/>";
  x += "</md:IDPSSODescriptor></md:EntityDescriptor>";
  return x;
}

struct Provider {
  std::string name = "corp";
  std::string metadata = IdpMetadata({"idp"});
  bool idp_initiated = false;
  bool sign = false;
  std::string sp_key, sp_cert;
  std::vector<std::string> domains;
};

EnginePtr EngineWith(const std::vector<Provider> &providers) {
  auto engine = MakeEngine();
  for (const auto &p : providers) {
    std::array<sso_attribute, 1> map{{{S("department"), S("dept")}}};
    sso_saml_provider_config c{};
    c.name = S(p.name);
    c.idp_metadata_xml = S(p.metadata);
    c.sp_entity_id = S(kSp);
    c.acs_url = S(kAcs);
    c.sp_key_pem = S(p.sp_key);
    c.sp_certificate_pem = S(p.sp_cert);
    c.sign_requests = p.sign ? 1 : -1;
    c.allow_idp_initiated = p.idp_initiated;
    c.clock_skew_ms = 120000;
    c.attribute_map = map.data();
    c.attribute_map_count = map.size();
    std::vector<sso_str> domains;
    for (const auto &d : p.domains) domains.push_back(S(d));
    c.email_domains = domains.data();
    c.email_domains_count = domains.size();
    EXPECT_EQ(sso_engine_add_saml_provider(engine.get(), &c), SSO_OK) << p.name;
  }
  return engine;
}

std::array<uint8_t, 32> Random(uint8_t seed) {
  std::array<uint8_t, 32> r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(seed + i * 13);
  return r;
}

sso_store_reply Ok() { return {SSO_REPLY_STATUS, S("OK"), 0, SSO_OK}; }
sso_store_reply Nil() { return {SSO_REPLY_NIL, S(""), 0, SSO_OK}; }
sso_store_reply Bulk(const std::string &s) { return {SSO_REPLY_STRING, S(s), 0, SSO_OK}; }

std::map<std::string, std::string> Query(const std::string &url) {
  auto form = sso::ParseForm(url.substr(url.find('?') + 1));
  return form ? *form : std::map<std::string, std::string>{};
}

struct Login {
  std::string relay_state, request_id, relay_record, redirect;
};

Login StartLogin(sso_engine *engine, const std::string &provider = "corp",
                 const std::string &return_to = "/reports?q=1") {
  auto txn = MakeTxn(engine);
  auto random = Random(1);
  std::string query = "provider=" + provider + "&return_to=" + sso::UrlEncode(return_to);
  sso_login_request req{S(query), kNow, random.data(), random.size()};
  sso_step step;
  EXPECT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_STORE);
  Login login;
  if (step.kind != SSO_STEP_STORE) return login;
  auto set = Args(step.commands[0]);
  EXPECT_EQ(set[0], "SET");
  EXPECT_EQ(set[1].rfind("sso:rs:", 0), 0u);
  EXPECT_EQ(set[3], "PX");
  login.relay_record = set[2];
  std::array<sso_store_reply, 1> ok{Ok()};
  EXPECT_EQ(sso_flow_resume(txn.get(), ok.data(), 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.http_status, 302);
  login.redirect = Str(step.location);
  auto q = Query(login.redirect);
  login.relay_state = q["RelayState"];
  auto xml = sso::saml::Inflate(
      [&] {
        std::string b64 = q["SAMLRequest"];
        std::string out(b64.size(), '\0');
        int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                reinterpret_cast<const unsigned char *>(b64.data()),
                                static_cast<int>(b64.size()));
        out.resize(n > 0 ? static_cast<size_t>(n) : 0);
        return out;
      }(),
      1 << 20);
  EXPECT_TRUE(xml);
  if (xml) {
    size_t at = xml->find("ID=\"") + 4;
    login.request_id = xml->substr(at, xml->find('"', at) - at);
    EXPECT_NE(xml->find("AssertionConsumerServiceURL=\"" + std::string(kAcs) + "\""),
              std::string::npos);
    EXPECT_NE(xml->find("<saml:Issuer>" + std::string(kSp) + "</saml:Issuer>"), std::string::npos);
  }
  return login;
}

std::string FormFor(const std::string &response_xml, const std::string &relay_state) {
  std::string body = "SAMLResponse=" + sso::UrlEncode(Base64(response_xml));
  for (size_t i = 0; (i = body.find('/', i)) != std::string::npos;) body.replace(i, 1, "%2F");
  if (!relay_state.empty()) body += "&RelayState=" + relay_state;
  return body;
}

TEST(SamlMetadataIn, ReadsEntitySsoUrlAndEverySigningCertificate) {
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(IdpMetadata({"idp", "idp2"}), m), SSO_OK);
  EXPECT_EQ(m.idp.entity_id, kIdp);
  EXPECT_EQ(m.idp.sso_url, "https://idp.test.invalid/sso");
  EXPECT_EQ(m.idp.signing_keys.size(), 2u) << "encryption-only keys are not signing keys";
  // what is missing is left empty: explicit lines may complete it (MakeSamlProvider checks)
  ASSERT_EQ(sso::saml::ParseIdpMetadata(IdpMetadata({"idp"}, false), m), SSO_OK);
  EXPECT_EQ(m.idp.sso_url, "");
  ASSERT_EQ(sso::saml::ParseIdpMetadata(IdpMetadata({}), m), SSO_OK);
  EXPECT_TRUE(m.idp.signing_keys.empty());
  EXPECT_EQ(sso::saml::ParseIdpMetadata("<!DOCTYPE x><x/>", m), SSO_SAML_METADATA_INVALID);
}

TEST(SamlMetadataIn, ReadsTheSingleLogoutServicesItOffers) {
  std::string xml = IdpMetadata({"idp"});
  std::string slo =
      "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
      "Location=\"https://idp.test.invalid/slo-post\"/>"
      "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" "
      "Location=\"https://idp.test.invalid/slo-soap\"/>"
      "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
      "Location=\"http://evil.example/slo\"/>"
      "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
      "Location=\"https://idp.test.invalid/slo\" "
      "ResponseLocation=\"https://idp.test.invalid/slo-done\"/>";
  xml.insert(xml.find("<md:SingleSignOnService"), slo);
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(xml, m), SSO_OK);
  EXPECT_EQ(m.idp.slo_redirect_url, "https://idp.test.invalid/slo")
      << "a plain-http endpoint off loopback is passed over";
  EXPECT_EQ(m.idp.slo_redirect_response_url, "https://idp.test.invalid/slo-done");
  EXPECT_EQ(m.idp.slo_post_url, "https://idp.test.invalid/slo-post");
  EXPECT_EQ(m.idp.slo_post_response_url, "https://idp.test.invalid/slo-post")
      << "no ResponseLocation: the Location";
  ASSERT_EQ(sso::saml::ParseIdpMetadata(IdpMetadata({"idp"}), m), SSO_OK);
  EXPECT_EQ(m.idp.slo_redirect_url, "") << "none offered: none";
}

TEST(SamlMetadataOut, DescribesOurAcsAndCertificate) {
  Provider p;
  p.sp_key = ReadFile(KeyPath("sp.key"));
  p.sp_cert = ReadFile(KeyPath("sp.crt"));
  auto engine = EngineWith({p});
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_saml_metadata(txn.get(), S("corp"), &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  std::string xml = Str(step.body);
  EXPECT_NE(xml.find("entityID=\"" + std::string(kSp) + "\""), std::string::npos);
  EXPECT_NE(xml.find("Location=\"" + std::string(kAcs) + "\""), std::string::npos);
  EXPECT_NE(xml.find(sso::saml::PemBody(p.sp_cert)), std::string::npos);
  EXPECT_EQ(Str(step.content_type), "application/samlmetadata+xml");
  ASSERT_EQ(sso_saml_metadata(txn.get(), S("nope"), &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
}

TEST(SamlLogin, RedirectsWithAnOpaqueRelayStateStoredForTenMinutes) {
  auto engine = EngineWith({Provider{}});
  Login login = StartLogin(engine.get());
  EXPECT_EQ(login.redirect.rfind("https://idp.test.invalid/sso?SAMLRequest=", 0), 0u);
  EXPECT_EQ(login.relay_state.size(), 22u);
  EXPECT_EQ(login.redirect.find("reports"), std::string::npos) << "the return URL stays here";
  EXPECT_NE(login.relay_record.find("\"to\":\"/reports?q=1\""), std::string::npos);
  EXPECT_NE(login.relay_record.find(login.request_id), std::string::npos);
  EXPECT_EQ(Query(login.redirect).count("Signature"), 0u);
}

TEST(SamlLogin, TakesOnlyTheStoreRepliesItAskedFor) {
  auto engine = EngineWith({Provider{}});
  auto txn = MakeTxn(engine.get());
  auto random = Random(1);
  sso_login_request req{S("provider=corp"), kNow, random.data(), random.size()};
  sso_step step;
  ASSERT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  sso_store_reply nil = Nil();
  EXPECT_EQ(sso_flow_resume_http(txn.get(), 200, S("{}"), kNow, &step), SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_flow_resume_wait(txn.get(), kNow, &step), SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_gate_resume_read(txn.get(), &step), SSO_ERR_BAD_STATE);

  std::array<sso_store_reply, 1> ok{Ok()};
  ASSERT_EQ(sso_flow_resume(txn.get(), ok.data(), 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(sso_flow_resume(txn.get(), ok.data(), 1, kNow, &step), SSO_ERR_BAD_STATE);
}

TEST(SamlLogin, SignsTheRedirectWhenConfigured) {
  Provider p;
  p.sign = true;
  p.sp_key = ReadFile(KeyPath("sp.key"));
  auto engine = EngineWith({p});
  Login login = StartLogin(engine.get());
  auto q = Query(login.redirect);
  ASSERT_EQ(q["SigAlg"], "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  // Verify over the exact query bytes, as an IdP does.
  std::string query = login.redirect.substr(login.redirect.find('?') + 1);
  std::string signed_part = query.substr(0, query.find("&Signature="));
  std::string b64 = q["Signature"];
  std::string sig(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(sig.data()),
                          reinterpret_cast<const unsigned char *>(b64.data()),
                          static_cast<int>(b64.size()));
  sig.resize(static_cast<size_t>(n) - (b64.back() == '=') - (b64[b64.size() - 2] == '='));
  std::string cert_pem = ReadFile(KeyPath("sp.crt"));
  BIO *bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509 *cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  EVP_PKEY *key = X509_get_pubkey(cert);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char *>(signed_part.data()),
                             signed_part.size()),
            1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(cert);
  BIO_free(bio);
}

TEST(SamlLogin, ProviderChoice) {
  auto none = MakeEngine();
  auto txn = MakeTxn(none.get());
  auto random = Random(2);
  sso_login_request req{S("return_to=%2F"), kNow, random.data(), random.size()};
  sso_step step;
  ASSERT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
  EXPECT_EQ(step.reason, SSO_LOGIN_NO_PROVIDER);

  Provider a, b;
  b.name = "partner";
  auto two = EngineWith({a, b});
  auto txn2 = MakeTxn(two.get());
  ASSERT_EQ(sso_login_begin(txn2.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_NE(Str(step.body).find("provider=partner"), std::string::npos);
  sso_login_request unknown{S("provider=nope"), kNow, random.data(), random.size()};
  ASSERT_EQ(sso_login_begin(txn2.get(), &unknown, &step), SSO_OK);
  EXPECT_EQ(step.reason, SSO_LOGIN_UNKNOWN_PROVIDER);
}

TEST(SamlLogin, HomeRealmDiscoveryByEmailDomain) {
  Provider corp, partner;
  corp.domains = {"corp.example"};
  partner.name = "partner";
  partner.domains = {"partner.example"};
  auto engine = EngineWith({corp, partner});
  auto random = Random(4);
  auto login = [&](const std::string &query) {
    auto txn = MakeTxn(engine.get());
    sso_login_request req{S(query), kNow, random.data(), random.size()};
    sso_step step;
    EXPECT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
    std::string what = step.kind == SSO_STEP_STORE ? Args(step.commands[0])[2] : Str(step.body);
    return std::make_pair(step.kind, what);
  };
  auto [kind, record] = login("email=New.Hire%40ENG.partner.example&return_to=%2Fx");
  EXPECT_EQ(kind, SSO_STEP_STORE);
  EXPECT_NE(record.find("\"p\":\"partner\""), std::string::npos);
  std::tie(kind, record) = login("email=a%40corp.example");
  EXPECT_NE(record.find("\"p\":\"corp\""), std::string::npos);
  for (const char *bad : {"email=a%40corp.example.evil.example",
                          "email=a%40evil.example%40corp.example", "email=a%40notcorp.example"}) {
    std::tie(kind, record) = login(bad);
    EXPECT_EQ(kind, SSO_STEP_PAGE) << bad;
    EXPECT_NE(record.find("No sign-in is set up for that email address."), std::string::npos);
  }
  std::tie(kind, record) = login("return_to=%2Fx");
  EXPECT_NE(record.find("name=\"email\""), std::string::npos) << "the chooser asks for an email";
}

class Acs : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = EngineWith({provider_}); }

  // Runs the ACS; `relay` answers the GETDEL, `replay` the SET NX.
  sso_step Post(const std::string &form, std::optional<std::string> relay,
                sso_store_reply replay = Ok()) {
    txn_ = MakeTxn(engine_.get());
    auto random = Random(9);
    sso_acs_request req{S(form), kNow, random.data(), random.size()};
    sso_step step;
    EXPECT_EQ(sso_acs_begin(txn_.get(), &req, &step), SSO_OK);
    if (step.kind != SSO_STEP_STORE) return step;
    if (Args(step.commands[0])[0] == "GETDEL") {
      std::array<sso_store_reply, 1> r{relay ? Bulk(*relay) : Nil()};
      EXPECT_EQ(sso_flow_resume(txn_.get(), r.data(), 1, kNow, &step), SSO_OK);
      if (step.kind != SSO_STEP_STORE) return step;
    }
    auto set = Args(step.commands[0]);
    EXPECT_EQ(set.back(), "NX");
    EXPECT_EQ(set[1].rfind("sso:rp:", 0), 0u);
    std::array<sso_store_reply, 1> r{replay};
    EXPECT_EQ(sso_flow_resume(txn_.get(), r.data(), 1, kNow, &step), SSO_OK);
    if (step.kind != SSO_STEP_STORE) return step;
    session_commands_.clear();
    for (size_t i = 0; i < step.commands_count; ++i)
      session_commands_.push_back(Args(step.commands[i]));
    std::vector<sso_store_reply> oks(step.commands_count, Ok());
    EXPECT_EQ(sso_flow_resume(txn_.get(), oks.data(), oks.size(), kNow, &step), SSO_OK);
    return step;
  }

  Provider provider_;
  EnginePtr engine_;
  TxnPtr txn_;
  std::vector<std::vector<std::string>> session_commands_;
};

TEST_F(Acs, SpInitiatedLoginEndsWithANewSessionAndTheReturnUrl) {
  Login login = StartLogin(engine_.get());
  ResponseSpec spec;
  spec.in_response_to = spec.confirmation_in_response_to = login.request_id;
  spec.attributes["dept"] = {"R&amp;D"};
  spec.attributes["displayName"] = {"New Hire"};
  sso_step step = Post(FormFor(SignedAssertion(spec), login.relay_state), login.relay_record);
  ASSERT_EQ(step.kind, SSO_STEP_REDIRECT) << sso_status_name(step.reason);
  EXPECT_EQ(step.http_status, 303);
  EXPECT_EQ(Str(step.location), "/reports?q=1");
  EXPECT_EQ(Str(step.set_cookie).rfind("__Host-sso=", 0), 0u);
  EXPECT_EQ(Str(step.notice).rfind("login succeeded, provider \"", 0), 0u) << Str(step.notice);
  EXPECT_NE(Str(step.notice).find("\", new session, request_id: "), std::string::npos);
  // the record, then the subject's index and the SessionIndex's (a LogoutRequest names either),
  // then the user id's and the email's (sso-admin names people by them)
  ASSERT_EQ(session_commands_.size(), 13u);
  EXPECT_EQ(session_commands_[7][1], sso::UserIndexKey("sso:", "new.hire@corp.example"));
  EXPECT_EQ(session_commands_[10][1], sso::EmailIndexKey("sso:", "new.hire@corp.example"));
  EXPECT_EQ(session_commands_[1][1].rfind("sso:u:", 0), 0u);
  EXPECT_EQ(session_commands_[4][0], "SADD");
  EXPECT_EQ(session_commands_[4][1],
            "sso:si:" + sso::Sha256Hex(std::string("corp") + '\0' + "_sess1"));
  EXPECT_EQ(session_commands_[5], (std::vector<std::string>{"PEXPIRE", session_commands_[4][1],
                                                            session_commands_[5][2], "NX"}));
  std::string record = session_commands_[0][2];
  EXPECT_NE(record.find("\"lo\":{"), std::string::npos) << "what a LogoutRequest needs, kept";
  EXPECT_NE(record.find("\"si\":\"_sess1\""), std::string::npos);
  EXPECT_NE(record.find("\"subject\":\"new.hire@corp.example\""), std::string::npos);
  EXPECT_NE(record.find("\"email\":\"new.hire@corp.example\""), std::string::npos);
  EXPECT_NE(record.find("\"name\":\"New Hire\""), std::string::npos);
  EXPECT_NE(record.find("\"groups\":[\"engineering\",\"staff\"]"), std::string::npos);
  EXPECT_NE(record.find("\"department\":\"R&D\""), std::string::npos);
  EXPECT_NE(record.find("\"issuer\":\"" + std::string(kIdp) + "\""), std::string::npos);
}

TEST_F(Acs, AReplayedAssertionIsRefused) {
  Login login = StartLogin(engine_.get());
  ResponseSpec spec;
  spec.in_response_to = spec.confirmation_in_response_to = login.request_id;
  sso_step step =
      Post(FormFor(SignedAssertion(spec), login.relay_state), login.relay_record, Nil());
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_SAML_REPLAY);
}

TEST_F(Acs, AnUnknownOrUsedRelayStateIsRefused) {
  Login login = StartLogin(engine_.get());
  ResponseSpec spec;
  spec.in_response_to = spec.confirmation_in_response_to = login.request_id;
  sso_step step = Post(FormFor(SignedAssertion(spec), login.relay_state), std::nullopt);
  EXPECT_EQ(step.reason, SSO_LOGIN_STATE_SPENT) << "a reload, or a login older than its state";
  EXPECT_EQ(step.http_status, 400);
  std::string page(step.body.data, step.body.len);
  EXPECT_NE(page.find("This sign-in link was already used"), std::string::npos) << page;
}

TEST_F(Acs, AResponseToAnotherRequestIsRefused) {
  Login login = StartLogin(engine_.get());
  sso_step step = Post(FormFor(SignedAssertion(), login.relay_state), login.relay_record);
  EXPECT_EQ(step.reason, SSO_SAML_IN_RESPONSE_TO_MISMATCH);
}

TEST_F(Acs, IdpInitiatedIsOffByDefault) {
  ResponseSpec spec;
  spec.in_response_to.reset();
  spec.confirmation_in_response_to.reset();
  sso_step step = Post(FormFor(SignedAssertion(spec), ""), std::nullopt);
  EXPECT_EQ(step.reason, SSO_SAML_UNSOLICITED);
}

TEST(AcsIdpInitiated, WorksWhenEnabledAndOnlyToSameOriginPaths) {
  Provider p;
  p.idp_initiated = true;
  auto engine = EngineWith({p});
  ResponseSpec spec;
  spec.in_response_to.reset();
  spec.confirmation_in_response_to.reset();
  std::string xml = SignedAssertion(spec);
  for (auto [relay, expected] : std::initializer_list<std::pair<const char *, const char *>>{
           {"", "/"}, {"%2Fdocs", "/docs"}, {"https%3A%2F%2Fevil.example%2F", "/"}}) {
    auto txn = MakeTxn(engine.get());
    auto random = Random(3);
    std::string form = FormFor(xml, "") + (*relay ? std::string("&RelayState=") + relay : "");
    sso_acs_request req{S(form), kNow, random.data(), random.size()};
    sso_step step;
    ASSERT_EQ(sso_acs_begin(txn.get(), &req, &step), SSO_OK);
    ASSERT_EQ(step.kind, SSO_STEP_STORE) << sso_status_name(step.reason);
    std::array<sso_store_reply, 1> ok{Ok()};
    ASSERT_EQ(sso_flow_resume(txn.get(), ok.data(), 1, kNow, &step), SSO_OK);
    std::vector<sso_store_reply> oks(step.commands_count, Ok());
    ASSERT_EQ(sso_flow_resume(txn.get(), oks.data(), oks.size(), kNow, &step), SSO_OK);
    EXPECT_EQ(Str(step.location), expected) << relay;
  }
}

TEST_F(Acs, StoreFailuresAndBadFormsAreClearErrors) {
  sso_step step = Post("RelayState=abc", std::nullopt);
  EXPECT_EQ(step.reason, SSO_ACS_BAD_REQUEST);
  step = Post("SAMLResponse=%zz", std::nullopt);
  EXPECT_EQ(step.reason, SSO_ACS_BAD_REQUEST);
  Login login = StartLogin(engine_.get());
  ResponseSpec spec;
  spec.in_response_to = spec.confirmation_in_response_to = login.request_id;
  step = Post(FormFor(SignedAssertion(spec), login.relay_state), login.relay_record,
              {SSO_REPLY_FAILED, S(""), 0, SSO_STORE_TIMEOUT});
  EXPECT_EQ(step.reason, SSO_STORE_TIMEOUT);
}

// SAML Single Logout over SOAP through the C interface: the answers a SOAP IdP gets when its
// valid request meets a replay or a store failure (t/saml-soap-logout.t drives the rest).
TEST(SamlSoapLogout, AReplayIsAFaultAndAStoreFailureAResponderStatusInA200) {
  Provider p;
  p.sp_key = ReadFile(KeyPath("sp.key"));
  p.sp_cert = ReadFile(KeyPath("sp.crt"));
  auto engine = EngineWith({p});
  std::string request =
      "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_soap1\" Version=\"2.0\" "
      "IssueInstant=\"" +
      Iso(kNow - 1000) + "\" Destination=\"https://app.test.invalid/sso/saml/slo\"><saml:Issuer>" +
      kIdp + "</saml:Issuer><saml:NameID>a@corp.example</saml:NameID></samlp:LogoutRequest>";
  std::string soap =
      Sign("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>" + request +
               "</s:Body></s:Envelope>",
           "_soap1");
  struct Case {
    sso_store_reply reply;
    int http_status;
    sso_status reason;
    std::vector<std::string> has;
  };
  sso_store_reply nil{};
  nil.type = SSO_REPLY_NIL;
  for (const Case &c :
       {Case{nil, 403, SSO_SAML_REPLAY, {"<faultcode>soap11:Client</faultcode>", "SAML_REPLAY: "}},
        Case{FailedReply(SSO_STORE_TIMEOUT),
             200,
             SSO_OK,
             {"<samlp:LogoutResponse", "InResponseTo=\"_soap1\"", "status:Responder",
              "<SignatureValue>"}}}) {
    auto txn = MakeTxn(engine.get());
    sso_step step;
    ASSERT_EQ(BeginEndpoint(txn.get(),
                            {.method = "POST", .path = "/sso/saml/slo", .content_type = "text/xml"},
                            &step),
              SSO_OK);
    ASSERT_EQ(step.kind, SSO_STEP_READ_BODY);
    ASSERT_EQ(sso_endpoint_resume_body(txn.get(), S(soap), kNow, &step), SSO_OK);
    ASSERT_EQ(step.kind, SSO_STEP_STORE) << sso::View(step.warning);
    ASSERT_EQ(sso_flow_resume(txn.get(), &c.reply, 1, kNow, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_PAGE);
    EXPECT_EQ(step.http_status, c.http_status);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_EQ(sso::View(step.content_type), "text/xml; charset=utf-8");
    EXPECT_EQ(step.set_cookie.len, 0u);
    std::string body(sso::View(step.body));
    for (const auto &part : c.has) EXPECT_NE(body.find(part), std::string::npos) << part << body;
    EXPECT_EQ(body.find("Destination="), std::string::npos) << "no Destination in SOAP";
  }
}

}  // namespace
