// IdP metadata as the world ships it: the public corpus in t/saml/metadata-corpus (Okta,
// Entra ID, AD FS, Google Workspace, Keycloak, Shibboleth, OneLogin, federation aggregates),
// the entity of an aggregate chosen by saml_idp_entity_id, precise errors, explicit lines
// completing or overriding the metadata, and the AuthnRequest over HTTP-POST for an IdP that
// offers no HTTP-Redirect endpoint.
#include "saml/metadata.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <array>
#include <fstream>
#include <sstream>

#include "saml/post_form.h"
#include "saml/signature.h"
#include "saml/xml_util.h"
#include "support/saml_fixtures.h"
#include "support/test_support.h"
#include "text/encoding.h"
#include "text/http_text.h"

namespace {

using namespace saml_test;
using namespace sso_test;

std::string Corpus(const std::string &file) {
  std::ifstream in(std::string(SSO_SOURCE_DIR) + "/t/saml/metadata-corpus/" + file,
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A provider as nginx would configure it from these lines.
struct Lines {
  std::string metadata;
  std::string entity_id;                  // saml_idp_entity_id
  std::string sso_url;                    // saml_idp_sso_url
  std::vector<std::string> certificates;  // saml_idp_certificate (PEM)
  std::string sp_key;                     // saml_sp_key (PEM)
  int sign_requests = -1;
};

struct Added {
  sso_status status;
  std::string error;
  std::vector<std::string> warnings;
};

Added Add(sso_engine *engine, const Lines &l, const std::string &name = "corp") {
  std::vector<sso_str> certs;
  for (const auto &c : l.certificates) certs.push_back(S(c));
  sso_saml_provider_config c{};
  c.name = S(name);
  c.idp_metadata_xml = S(l.metadata);
  c.idp_entity_id = S(l.entity_id);
  c.idp_sso_url = S(l.sso_url);
  c.idp_certificates = certs.data();
  c.idp_certificates_count = certs.size();
  c.sp_entity_id = S(kSp);
  c.acs_url = S(kAcs);
  c.sp_key_pem = S(l.sp_key);
  c.sign_requests = l.sign_requests;
  c.clock_skew_ms = 120000;
  Added out{
      sso_engine_add_saml_provider(engine, &c), Str(sso_engine_config_error(engine).message), {}};
  for (size_t i = 0; i < sso_engine_warnings_count(engine); ++i)
    out.warnings.push_back(Str(sso_engine_warning(engine, i)));
  return out;
}

std::string Joined(const std::vector<std::string> &lines) {
  std::string out;
  for (const auto &l : lines) out += l + "\n";
  return out;
}

// One file of the corpus and what becomes of it. "Loads" means: nginx -t accepts the
// provider (entity ID, an SSO endpoint in a binding we speak, at least one usable signing
// key); which binding the AuthnRequest takes; how many signing keys are pinned.
struct CorpusCase {
  const char *file;
  const char *entity_id;  // saml_idp_entity_id, for a file with several IdPs
  sso_status status;
  const char *binding;  // "redirect", "post", or the text the error must contain
  size_t keys;
  const char *warning = "";  // text one of the warnings must contain
};

const CorpusCase kCorpus[] = {
    {"okta.xml", "", SSO_OK, "redirect", 1},
    {"onelogin.xml", "", SSO_OK, "post", 1},
    {"onelogin-sign-and-encrypt-certs.xml", "", SSO_OK, "redirect", 1},
    {"google-workspace.xml", "", SSO_OK, "post", 1},
    {"entra-id-common.xml", "https://sts.windows.net/00000000-0000-0000-0000-000000000001/", SSO_OK,
     "redirect", 3},
    {"adfs-2.0.xml", "", SSO_OK, "redirect", 1},
    {"adfs-3.0.xml", "", SSO_OK, "redirect", 1},
    {"adfs-4.0.xml", "", SSO_OK, "redirect", 1},
    {"adfs-sustainsys.xml", "", SSO_OK, "redirect", 1},
    {"keycloak.xml", "", SSO_CONFIG_SP_KEY_REQUIRED, "set saml_sp_key", 0},
    {"shibboleth-idp-msidlab.xml", "", SSO_OK, "redirect", 1},
    {"shibboleth-idp-ruby-saml.xml", "", SSO_SAML_METADATA_INVALID,
     "none of its 1 metadata signing certificates is usable", 0,
     "holds a base64-encoded PEM certificate"},
    {"samltest-id-shibboleth.xml", "", SSO_OK, "redirect", 2},
    {"testshib-providers.xml", "", SSO_OK, "redirect", 1},
    {"simplesamlphp-umu.xml", "", SSO_SAML_METADATA_INVALID,
     "has no SingleSignOnService at an https URL (http only on loopback) in its metadata "
     "(skipped: HTTP-Redirect \"http://xenosmilus.umdc.umu.se/",
     0},
    {"multi-signing-certs.xml", "", SSO_OK, "redirect", 1, "RSA modulus is shorter than 2048 bits"},
    {"secureworks.xml", "", SSO_OK, "post", 1},
    {"several-idps.xml", "", SSO_SAML_METADATA_INVALID, "choose one with saml_idp_entity_id", 0},
    {"several-idps.xml", "https://bar.example.com/access/saml/idp.xml", SSO_SAML_METADATA_INVALID,
     "IdP \"https://bar.example.com/access/saml/idp.xml\": none of its 1 metadata signing "
     "certificates is usable",
     0, "holds a base64-encoded PEM certificate"},
    {"swamid-1.0-aggregate.xml", "", SSO_SAML_METADATA_INVALID, "describes 36 IdPs", 0},
    {"swamid-1.0-aggregate.xml", "https://idp.hig.se/idp/shibboleth", SSO_OK, "redirect", 1},
    {"switch-aaitest-aggregate.xml", "https://aai-demo-idp.switch.ch/idp/shibboleth", SSO_OK,
     "redirect", 1},
    {"microsoft-online-sp-only.xml", "", SSO_SAML_METADATA_INVALID, "describes no SAML 2.0 IdP", 0},
};

TEST(MetadataCorpus, EachFileLoadsOrFailsNamingWhy) {
  for (const auto &c : kCorpus) {
    SCOPED_TRACE(std::string(c.file) + " " + c.entity_id);
    std::string xml = Corpus(c.file);
    ASSERT_FALSE(xml.empty());
    auto engine = MakeEngine();
    Added a = Add(engine.get(), {xml, c.entity_id});
    EXPECT_EQ(a.status, c.status) << sso_status_name(a.status) << ": " << a.error << "\n"
                                  << Joined(a.warnings);
    if (*c.warning)
      EXPECT_NE(Joined(a.warnings).find(c.warning), std::string::npos) << Joined(a.warnings);
    if (c.status != SSO_OK) {
      EXPECT_NE(a.error.find(c.binding), std::string::npos) << a.error;
      continue;
    }
    sso::saml::IdpMetadata m;
    ASSERT_EQ(sso::saml::ParseIdpMetadata(xml, m, c.entity_id), SSO_OK) << m.error;
    EXPECT_EQ(m.idp.signing_keys.size(), c.keys) << Joined(m.warnings);
    EXPECT_EQ(m.idp.sso_url.empty() ? "post" : "redirect", std::string(c.binding));
    if (*c.entity_id) EXPECT_EQ(m.idp.entity_id, c.entity_id);
  }
}

TEST(MetadataCorpus, KeycloakLoadsWithAnSpKeyAndSignsItsRequests) {
  auto engine = MakeEngine();
  Added a = Add(engine.get(), {Corpus("keycloak.xml"), "", "", {}, ReadFile(KeyPath("sp.key"))});
  EXPECT_EQ(a.status, SSO_OK) << a.error;
}

TEST(MetadataErrors, WantAuthnRequestsSignedWithoutAnSpKeySaysSoAndTheFix) {
  auto engine = MakeEngine();
  Added a = Add(engine.get(), {Corpus("keycloak.xml")});
  ASSERT_EQ(a.status, SSO_CONFIG_SP_KEY_REQUIRED);
  EXPECT_NE(a.error.find("\"http://localhost:8080/realms/firezone\" wants signed AuthnRequests"),
            std::string::npos)
      << a.error;
  EXPECT_NE(a.error.find("WantAuthnRequestsSigned"), std::string::npos) << a.error;
  EXPECT_NE(a.error.find("set saml_sp_key"), std::string::npos) << a.error;
  EXPECT_EQ(std::string(sso_status_message(a.status)).find("IdP certificate"), std::string::npos);
  // the operator's own "saml_sign_requests on" without a key: the same status, its own words
  Added on = Add(engine.get(), {Corpus("okta.xml"), "", "", {}, "", 1});
  ASSERT_EQ(on.status, SSO_CONFIG_SP_KEY_REQUIRED);
  EXPECT_NE(on.error.find("saml_sign_requests is on"), std::string::npos) << on.error;
  // and saml_sign_requests off is the operator's call
  EXPECT_EQ(Add(engine.get(), {Corpus("keycloak.xml"), "", "", {}, "", 0}).status, SSO_OK);
}

TEST(MetadataErrors, AnAggregateNamesItsIdpsAndTheLineThatChooses) {
  auto engine = MakeEngine();
  std::string xml = Corpus("several-idps.xml");
  Added a = Add(engine.get(), {xml});
  ASSERT_EQ(a.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(a.error.find("describes 2 IdPs (\"https://foo.example.com/access/saml/idp.xml\", "
                         "\"https://bar.example.com/access/saml/idp.xml\")"),
            std::string::npos)
      << a.error;
  Added wrong = Add(engine.get(), {xml, "https://nobody.example/idp"});
  ASSERT_EQ(wrong.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(wrong.error.find("saml_idp_entity_id \"https://nobody.example/idp\" is none of the 2 "
                             "IdPs"),
            std::string::npos)
      << wrong.error;
  // an SP of the aggregate is not an IdP, even when named
  Added sp = Add(engine.get(),
                 {Corpus("testshib-providers.xml"), "https://sp.testshib.org/shibboleth-sp"});
  ASSERT_EQ(sp.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(sp.error.find("entity \"https://sp.testshib.org/shibboleth-sp\" of the IdP metadata "
                          "is not a SAML 2.0 IdP"),
            std::string::npos)
      << sp.error;
}

TEST(MetadataErrors, MalformedOrDoctypeSaySo) {
  auto engine = MakeEngine();
  Added a = Add(engine.get(), {"<md:EntityDescriptor"});
  EXPECT_EQ(a.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(a.error.find("not well-formed XML"), std::string::npos) << a.error;
  Added d = Add(engine.get(), {"<!DOCTYPE x><x/>"});
  EXPECT_NE(d.error.find("DOCTYPE"), std::string::npos) << d.error;
  Added r = Add(engine.get(), {"<x/>"});
  EXPECT_NE(r.error.find("no EntityDescriptor (its root element is <x>)"), std::string::npos)
      << r.error;
}

// The Okta file with its SingleSignOnService elements replaced by `sso`.
std::string OktaWith(const std::string &sso) {
  std::string xml = Corpus("okta.xml");
  size_t first = xml.find("<md:SingleSignOnService");
  size_t end = xml.rfind("</md:IDPSSODescriptor>");
  return xml.substr(0, first) + sso + xml.substr(end);
}

TEST(MetadataErrors, NoHttpSsoEndpointNamesTheBindingsListedAndTheFix) {
  auto engine = MakeEngine();
  std::string soap = OktaWith(
      "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" "
      "Location=\"https://idp.example/soap\"/>"
      "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\" "
      "Location=\"https://idp.example/artifact\"/>");
  Added a = Add(engine.get(), {soap});
  ASSERT_EQ(a.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(a.error.find("IdP \"http://www.okta.com/exkppsa1qwuFV4D7z0h7\" has no "
                         "SingleSignOnService with the HTTP-Redirect or HTTP-POST binding in its "
                         "metadata (it lists SOAP, HTTP-Artifact): set saml_idp_sso_url"),
            std::string::npos)
      << a.error;
  // the explicit line completes the metadata
  Added rescued = Add(engine.get(), {soap, "", "https://idp.example/sso"});
  EXPECT_EQ(rescued.status, SSO_OK) << rescued.error;
  // and is held to the same rule as the metadata's endpoints
  Added plain = Add(engine.get(), {soap, "", "http://idp.example/sso"}, "plain");
  ASSERT_EQ(plain.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(plain.error.find("saml_idp_sso_url \"http://idp.example/sso\" is not an https URL"),
            std::string::npos)
      << plain.error;

  // an endpoint in plain http off loopback is skipped, and the message says so
  Added http = Add(engine.get(),
                   {OktaWith("<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:"
                             "bindings:HTTP-Redirect\" Location=\"http://idp.example/plain\"/>")},
                   "http");
  ASSERT_EQ(http.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(http.error.find("has no SingleSignOnService at an https URL (http only on loopback) "
                            "in its metadata (skipped: HTTP-Redirect \"http://idp.example/plain\")"
                            ": set saml_idp_sso_url"),
            std::string::npos)
      << http.error;
  ASSERT_EQ(http.warnings.size(), 1u);
  EXPECT_NE(
      http.warnings[0].find("SingleSignOnService (HTTP-Redirect) \"http://idp.example/plain\" "
                            "skipped: not an https URL"),
      std::string::npos)
      << http.warnings[0];
}

TEST(MetadataErrors, WeakCertificatesAreSkippedWhileAUsableOneIsLeft) {
  // the corpus file's certificate, then two weak ones
  std::string xml = Corpus("okta.xml");
  std::string weak;
  for (const char *name : {"weak-1024", "weak-e3"})
    weak +=
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>" +
        sso::saml::PemBody(ReadFile(KeyPath(std::string(name) + ".crt"))) +
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  weak +=
      "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>"
      "bm90IGEgY2VydGlmaWNhdGU=</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
      "</md:KeyDescriptor>";
  size_t at = xml.find("<md:SingleSignOnService");
  auto engine = MakeEngine();
  Added a = Add(engine.get(), {xml.substr(0, at) + weak + xml.substr(at)});
  ASSERT_EQ(a.status, SSO_OK) << a.error;
  ASSERT_EQ(a.warnings.size(), 3u) << Joined(a.warnings);
  EXPECT_NE(a.warnings[0].find("IdP \"http://www.okta.com/exkppsa1qwuFV4D7z0h7\": metadata signing "
                               "certificate 2 skipped: subject CN=weak-1024"),
            std::string::npos)
      << a.warnings[0];
  EXPECT_NE(a.warnings[0].find("shorter than 2048 bits"), std::string::npos) << a.warnings[0];
  EXPECT_NE(a.warnings[1].find("certificate 3 skipped"), std::string::npos) << a.warnings[1];
  EXPECT_NE(a.warnings[2].find("certificate 4 skipped: not a readable X.509 certificate"),
            std::string::npos)
      << a.warnings[2];

  // none usable left: fails, naming the IdP, and an explicit certificate rescues it
  std::string only_weak = xml.substr(0, xml.find("<md:KeyDescriptor")) + weak + xml.substr(at);
  Added none = Add(engine.get(), {only_weak});
  ASSERT_EQ(none.status, SSO_KEY_REFUSED);
  EXPECT_NE(none.error.find("none of its 3 metadata signing certificates is usable"),
            std::string::npos)
      << none.error;
  EXPECT_NE(none.error.find("set saml_idp_certificate"), std::string::npos) << none.error;
  EXPECT_EQ(
      Add(engine.get(), {only_weak, "", "", {ReadFile(KeyPath("idp.crt"))}}, "rescued").status,
      SSO_OK);
}

TEST(MetadataIn, ASingleIdpFileTakesTheEntityIdLineAsAnOverride) {
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(Corpus("entra-id-common.xml"), m,
                                        "https://sts.windows.net/tenant/"),
            SSO_OK)
      << m.error;
  EXPECT_EQ(m.idp.entity_id, "https://sts.windows.net/tenant/");
  EXPECT_EQ(m.idp.sso_url, "https://login.microsoftonline.com/common/saml2");
}

TEST(MetadataIn, ASameCertificateListedTwiceIsPinnedOnce) {
  std::string xml = Corpus("okta.xml");
  size_t begin = xml.find("<md:KeyDescriptor"), end = xml.find("</md:KeyDescriptor>") + 19;
  std::string descriptor = xml.substr(begin, end - begin);
  xml.insert(end, descriptor);
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(xml, m), SSO_OK);
  EXPECT_EQ(m.idp.signing_keys.size(), 1u);
}

// ---- HTTP-POST binding for the AuthnRequest ----

std::array<uint8_t, 32> Random() {
  std::array<uint8_t, 32> r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(7 + i * 13);
  return r;
}

std::string Attr(const std::string &html, const std::string &name) {
  std::string key = "name=\"" + name + "\" value=\"";
  size_t at = html.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return html.substr(at, html.find('"', at) - at);
}

struct PostLogin {
  sso_step step{};
  std::string body, policy, xml;
};

PostLogin StartPostLogin(sso_engine *engine) {
  auto txn = MakeTxn(engine);
  auto random = Random();
  std::string query = "provider=corp&return_to=%2F";
  sso_login_request req{S(query), kNow, random.data(), random.size()};
  PostLogin out;
  EXPECT_EQ(sso_login_begin(txn.get(), &req, &out.step), SSO_OK);
  EXPECT_EQ(out.step.kind, SSO_STEP_STORE);
  sso_store_reply ok{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
  EXPECT_EQ(sso_flow_resume(txn.get(), &ok, 1, kNow, &out.step), SSO_OK);
  out.body = Str(out.step.body);
  out.policy = Str(out.step.content_security_policy);
  auto decoded = sso::Base64Decode(Attr(out.body, "SAMLRequest"));
  if (decoded) out.xml = *decoded;
  return out;
}

TEST(AuthnRequestPost, APostOnlyIdpGetsAnAutoPostingPageUnderAStrictPolicy) {
  auto engine = MakeEngine();
  ASSERT_EQ(Add(engine.get(), {Corpus("google-workspace.xml")}).status, SSO_OK);
  PostLogin login = StartPostLogin(engine.get());
  ASSERT_EQ(login.step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(login.step.http_status, 200);
  EXPECT_NE(login.body.find("<form method=\"post\" action=\"https://accounts.google.com/o/saml2/"
                            "idp?idpid=C02dfl1r1\">"),
            std::string::npos)
      << login.body;
  EXPECT_EQ(Attr(login.body, "RelayState").size(), 22u);
  EXPECT_NE(login.xml.find("Destination=\"https://accounts.google.com/o/saml2/idp?idpid="
                           "C02dfl1r1\""),
            std::string::npos)
      << login.xml;
  EXPECT_EQ(login.xml.find("Signature"), std::string::npos) << "no key: unsigned";
  EXPECT_EQ(login.body.find("onload"), std::string::npos) << "no inline handler";
  EXPECT_NE(login.body.find("<noscript>"), std::string::npos);

  // the policy allows exactly the page's script, by its hash
  size_t open = login.body.find("<script>") + 8;
  std::string script = login.body.substr(open, login.body.find("</script>") - open);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(script.data()), script.size(), digest);
  std::string hash =
      sso::Base64Encode(std::string_view(reinterpret_cast<const char *>(digest), sizeof digest));
  EXPECT_EQ(login.policy, "default-src 'none'; script-src 'sha256-" + hash +
                              "'; base-uri 'none'; frame-ancestors 'none'");
}

TEST(AuthnRequestPost, WithAnSpKeyThePostedRequestIsSignedInsideTheXml) {
  auto engine = MakeEngine();
  ASSERT_EQ(Add(engine.get(), {Corpus("onelogin.xml"), "", "", {}, ReadFile(KeyPath("sp.key")), 1})
                .status,
            SSO_OK);
  PostLogin login = StartPostLogin(engine.get());
  ASSERT_EQ(login.step.kind, SSO_STEP_PAGE);
  ASSERT_NE(login.xml.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"),
            std::string::npos)
      << login.xml;

  // it verifies with the SP certificate, and covers the request by its ID
  bool dtd = false;
  auto doc = sso::saml::ParseUntrusted(login.xml, &dtd);
  ASSERT_TRUE(doc);
  xmlNode *root = xmlDocGetRootElement(doc.get());
  ASSERT_TRUE(sso::saml::RegisterId(doc.get(), root));
  xmlNode *signature = nullptr;
  for (xmlNode *n = root->children; n; n = n->next)
    if (sso::saml::Is(n, sso::saml::kNsDSig, "Signature")) signature = n;
  ASSERT_NE(signature, nullptr);
  sso::saml::SharedKey key;
  ASSERT_EQ(sso::saml::LoadCertificateKey(ReadFile(KeyPath("sp.crt")), key), SSO_OK);
  std::array<sso::saml::SharedKey, 1> keys{key};
  EXPECT_EQ(sso::saml::VerifyEnvelopedSignature(signature, root, keys), SSO_OK);
  sso::saml::SharedKey other;
  ASSERT_EQ(sso::saml::LoadCertificateKey(ReadFile(KeyPath("idp.crt")), other), SSO_OK);
  std::array<sso::saml::SharedKey, 1> wrong{other};
  EXPECT_NE(sso::saml::VerifyEnvelopedSignature(signature, root, wrong), SSO_OK);
}

TEST(AuthnRequestPost, AnIdpWithBothBindingsStillGetsARedirect) {
  auto engine = MakeEngine();
  ASSERT_EQ(Add(engine.get(), {Corpus("okta.xml")}).status, SSO_OK);
  auto txn = MakeTxn(engine.get());
  auto random = Random();
  std::string query = "provider=corp";
  sso_login_request req{S(query), kNow, random.data(), random.size()};
  sso_step step;
  ASSERT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
  sso_store_reply ok{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &ok, 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(Str(step.location).rfind("https://dev-", 0), 0u) << Str(step.location);
  EXPECT_EQ(step.content_security_policy.len, 0u);
}

}  // namespace
