// IdP metadata from a URL (saml_idp_metadata_url): the document must be signed on its root by
// the pinned key (unsigned, another key, changed after signing, a signature over something
// else, a wrapped document: refused), not expired, and make a usable IdP; then it replaces the
// provider's IdP data, else the data in use is kept and the next try comes sooner.
#include "saml/metadata_feed.h"

#include <gtest/gtest.h>

#include <array>

#include "saml/metadata.h"
#include "saml/signature.h"
#include "saml/signed_metadata.h"
#include "support/saml_fixtures.h"
#include "support/test_support.h"

namespace {

using namespace saml_test;
using namespace sso_test;

constexpr const char *kUrl = "https://127.0.0.1:8443/idp-metadata.xml";

struct Doc {
  std::string id = "_md1";
  std::string signing_cert = "idp";  // the IdP's key for responses, in the metadata
  std::string sso_url = "https://idp.test.invalid/sso";
  std::string valid_until;  // empty: none
  std::string extra;        // inside the root, after the IDPSSODescriptor
  std::string entity_id = kIdp;
};

std::string Cert(const std::string &stem) {
  return sso::saml::PemBody(ReadFile(KeyPath(stem + ".crt")));
}

std::string Metadata(const Doc &d = {}) {
  return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"" +
         d.id + "\" entityID=\"" + d.entity_id + "\"" +
         (d.valid_until.empty() ? "" : " validUntil=\"" + d.valid_until + "\"") +
         "><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:"
         "protocol\"><md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data>"
         "<ds:X509Certificate>" +
         Cert(d.signing_cert) +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
         "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
         "Location=\"" +
         d.sso_url + "\"/></md:IDPSSODescriptor>" + d.extra + "</md:EntityDescriptor>";
}

// Signed on its root by the federation's key ("sp" stands in for it: any key but the IdP's).
std::string Signed(const Doc &d = {}, const SignOptions &o = {.key = "sp"}) {
  return Sign(Metadata(d), d.id, o);
}

sso::MetadataFeed Feed(const std::string &pinned = "sp") {
  sso::MetadataFeed feed;
  feed.provider = "corp";
  feed.url = kUrl;
  feed.interval_ms = 3600 * 1000;
  sso::saml::SharedKey key;
  EXPECT_EQ(sso::saml::LoadCertificateKey(ReadFile(KeyPath(pinned + ".crt")), key), SSO_OK);
  feed.signing_keys.push_back(key);
  return feed;
}

struct Verdict {
  sso_status status;
  std::string why, outcome;
  sso::IdpData data;
};

// The lines of a feed: saml_idp_entity_id is required with a URL.
sso::IdpLines FeedLines() {
  sso::IdpLines lines;
  lines.entity_id = kIdp;
  return lines;
}

Verdict Accept(const std::string &xml, int64_t now = kNow,
               const sso::IdpLines &lines = FeedLines()) {
  Verdict v;
  std::vector<std::string> skipped;
  v.status = sso::AcceptMetadata(Feed(), lines, xml, now, v.data, skipped, v.why, v.outcome);
  return v;
}

TEST(MetadataFeed, AcceptsAPinnedSignatureOnTheRoot) {
  Verdict v = Accept(Signed({.valid_until = Iso(kNow + 86'400'000)}));
  ASSERT_EQ(v.status, SSO_OK) << v.why;
  EXPECT_EQ(v.data.idp.entity_id, kIdp);
  EXPECT_EQ(v.data.idp.sso_url, "https://idp.test.invalid/sso");
  EXPECT_EQ(v.data.idp.signing_keys.size(), 1u);
  EXPECT_EQ(v.data.valid_until_ms, kNow + 86'400'000);
}

TEST(MetadataFeed, RefusesUnsigned) {
  Verdict v = Accept(Metadata());
  EXPECT_EQ(v.status, SSO_SAML_NOT_SIGNED);
  EXPECT_EQ(v.outcome, "unsigned");
  EXPECT_NE(v.why.find("not signed"), std::string::npos) << v.why;
}

TEST(MetadataFeed, RefusesAnotherKey) {
  Verdict v = Accept(Signed({}, {.key = "attacker"}));
  EXPECT_EQ(v.status, SSO_SAML_SIGNATURE_INVALID);
  EXPECT_EQ(v.outcome, "signature");
  EXPECT_NE(v.why.find("pinned signing certificate"), std::string::npos) << v.why;
  // the IdP's own response key is no metadata signing key either
  EXPECT_EQ(Accept(Signed({}, {.key = "idp"})).status, SSO_SAML_SIGNATURE_INVALID);
}

TEST(MetadataFeed, RefusesAChangeAfterSigning) {
  std::string xml = Signed();
  size_t at = xml.find("https://idp.test.invalid/sso");
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, 28, "https://evil.test.invalid/ss");
  EXPECT_EQ(Accept(xml).status, SSO_SAML_SIGNATURE_INVALID);
  // a certificate swapped in: the attacker's key for responses
  std::string swapped = Signed();
  size_t cert = swapped.find(Cert("idp"));
  ASSERT_NE(cert, std::string::npos);
  swapped.replace(cert, Cert("idp").size(), Cert("attacker"));
  EXPECT_EQ(Accept(swapped).status, SSO_SAML_SIGNATURE_INVALID);
}

TEST(MetadataFeed, RefusesASignatureThatDoesNotCoverTheRoot) {
  // a valid signature over another element, moved up onto the root
  Doc d;
  d.extra = "<md:Extensions ID=\"_other\"><md:Note/></md:Extensions>";
  std::string inner = Sign(Metadata(d), "_other", {.key = "sp"});
  EXPECT_EQ(Accept(inner).status, SSO_SAML_NOT_SIGNED);
  size_t sig = inner.find("<Signature");
  size_t end = inner.find("</Signature>") + 12;
  ASSERT_NE(sig, std::string::npos);
  std::string signature = inner.substr(sig, end - sig);
  inner.erase(sig, end - sig);
  size_t root_end = inner.find('>', inner.find("<md:EntityDescriptor"));
  inner.insert(root_end + 1, signature);
  EXPECT_EQ(Accept(inner).status, SSO_SAML_SIGNATURE_REFERENCE);
  // a root without an ID
  Doc no_id;
  no_id.id = "_x";
  std::string xml = Signed(no_id);
  size_t at = xml.find(" ID=\"_x\"");
  ASSERT_NE(at, std::string::npos);
  xml.erase(at, 8);
  EXPECT_NE(Accept(xml).status, SSO_OK);
}

TEST(MetadataFeed, RefusesAWrappedDocument) {
  // the signed EntityDescriptor inside an unsigned aggregate with the attacker's IdP
  std::string signed_entity = Signed();
  signed_entity.erase(0, signed_entity.find("<md:EntityDescriptor"));
  Doc evil;
  evil.id = "_evil";
  evil.signing_cert = "attacker";
  std::string evil_entity = Metadata(evil);
  std::string wrapped =
      "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" ID=\"_agg\">" +
      evil_entity + signed_entity + "</md:EntitiesDescriptor>";
  EXPECT_EQ(Accept(wrapped).status, SSO_SAML_NOT_SIGNED);
  // the same with the inner signature moved up onto the new root
  size_t sig = signed_entity.find("<Signature");
  size_t end = signed_entity.find("</Signature>") + 12;
  ASSERT_NE(sig, std::string::npos);
  std::string signature = signed_entity.substr(sig, end - sig);
  signed_entity.erase(sig, end - sig);
  std::string moved =
      "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" ID=\"_agg\">" +
      signature + evil_entity + signed_entity + "</md:EntitiesDescriptor>";
  EXPECT_EQ(Accept(moved).status, SSO_SAML_SIGNATURE_REFERENCE);
  // and with the root given the signed entity's ID: the digest no longer matches
  std::string same_id = moved;
  same_id.replace(same_id.find("ID=\"_agg\""), 9, "ID=\"_md1\"");
  EXPECT_NE(Accept(same_id).status, SSO_OK);
}

TEST(MetadataFeed, RefusesExpiredOrUnreadableValidUntil) {
  Verdict v = Accept(Signed({.valid_until = Iso(kNow - 1000)}));
  EXPECT_EQ(v.status, SSO_SAML_METADATA_EXPIRED);
  EXPECT_EQ(v.outcome, "expired");
  EXPECT_NE(v.why.find("expired at"), std::string::npos) << v.why;
  Verdict bad = Accept(Signed({.valid_until = "next tuesday"}));
  EXPECT_EQ(bad.status, SSO_SAML_METADATA_INVALID);
  EXPECT_NE(bad.why.find("validUntil"), std::string::npos) << bad.why;
}

TEST(MetadataFeed, ParsesLikeTheFileAndTheLinesStillApply) {
  // signed, but no usable IdP in it
  Verdict none = Accept(Signed({.sso_url = "http://idp.example/sso"}));
  EXPECT_EQ(none.status, SSO_SAML_METADATA_INVALID);
  EXPECT_EQ(none.outcome, "invalid");
  // the same, completed by saml_idp_sso_url
  sso::IdpLines lines = FeedLines();
  lines.sso_url = "https://idp.example/fixed";
  Verdict fixed = Accept(Signed({.sso_url = "http://idp.example/sso"}), kNow, lines);
  ASSERT_EQ(fixed.status, SSO_OK) << fixed.why;
  EXPECT_EQ(fixed.data.idp.sso_url, "https://idp.example/fixed");
}

// Accounts are keyed by the IdP's entity ID: a properly signed document for another entity
// does not change it (nor does an aggregate without it).
TEST(MetadataFeed, RefusesADocumentForAnotherEntity) {
  Verdict other = Accept(Signed({.entity_id = "https://other-idp.test.invalid"}));
  EXPECT_EQ(other.status, SSO_SAML_METADATA_INVALID);
  EXPECT_EQ(other.outcome, "invalid");
  EXPECT_NE(other.why.find("describes the IdP \"https://other-idp.test.invalid\", not \"" +
                           std::string(kIdp) + "\" (saml_idp_entity_id)"),
            std::string::npos)
      << other.why;
  EXPECT_EQ(Accept(Signed()).status, SSO_OK);
}

std::string Dump(const xmlDoc &doc) {
  xmlChar *text = nullptr;
  int len = 0;
  xmlDocDumpMemory(const_cast<xmlDoc *>(&doc), &text, &len);
  std::string out(reinterpret_cast<char *>(text), static_cast<size_t>(len));
  xmlFree(text);
  return out;
}

// The IdP is read from the tree whose signature was verified (no second parse in between):
// verifying hands that tree back, as it was parsed (registering the root's ID changes no
// content), and reading it gives what the bytes give; a document that fails hands none back.
TEST(MetadataFeed, TheTreeReadIsTheTreeVerifiedAsParsed) {
  std::string xml = Signed({.valid_until = Iso(kNow + 86'400'000)});
  sso::MetadataFeed feed = Feed();
  sso::saml::XmlDocPtr verified;
  std::string why;
  ASSERT_EQ(sso::saml::VerifyMetadataSignature(xml, feed.signing_keys, verified, why), SSO_OK)
      << why;
  ASSERT_TRUE(verified);
  sso::saml::XmlDocPtr fresh = sso::saml::ParseMetadataXml(xml, why);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(Dump(*verified), Dump(*fresh));

  sso::saml::IdpMetadata from_tree, from_bytes;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(*verified, from_tree, kIdp), SSO_OK) << from_tree.error;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(xml, from_bytes, kIdp), SSO_OK) << from_bytes.error;
  EXPECT_EQ(from_tree.entity_in_document, from_bytes.entity_in_document);
  EXPECT_EQ(from_tree.idp.sso_url, from_bytes.idp.sso_url);
  EXPECT_EQ(from_tree.valid_until_ms, from_bytes.valid_until_ms);
  EXPECT_EQ(from_tree.idp.signing_keys.size(), 1u);
  EXPECT_EQ(from_bytes.idp.signing_keys.size(), 1u);
  // and reading it again gives the same: reading leaves the tree as it was
  sso::saml::IdpMetadata again;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(*verified, again, kIdp), SSO_OK);
  EXPECT_EQ(again.idp.sso_url, from_tree.idp.sso_url);
  EXPECT_EQ(Dump(*verified), Dump(*fresh));

  std::string changed = xml;
  changed.replace(changed.find("https://idp.test.invalid/sso"), 28, "https://evil.test.invalid/ss");
  EXPECT_EQ(sso::saml::VerifyMetadataSignature(changed, feed.signing_keys, verified, why),
            SSO_SAML_SIGNATURE_INVALID);
  EXPECT_FALSE(verified);
}

// A federation aggregate (2.4 MB, 296 entities) signed on its root: the chosen IdP and its
// keys are read from it; a change anywhere in it after signing, even in an entity that is not
// read, refuses the whole document.
TEST(MetadataFeed, AcceptsASignedAggregateAndRefusesAnyChangeInIt) {
  constexpr const char *kEntity = "https://aai-demo-idp.switch.ch/idp/shibboleth";
  std::string aggregate = ReadFile(std::string(SSO_SOURCE_DIR) +
                                   "/t/saml/metadata-corpus/switch-aaitest-aggregate.xml");
  ASSERT_GT(aggregate.size(), 2'000'000u);
  sso::saml::IdpMetadata unsigned_read;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(aggregate, unsigned_read, kEntity), SSO_OK);
  std::string xml = Sign(aggregate, "AAITest-20191127170144", {.key = "sp"});
  sso::IdpLines lines;
  lines.entity_id = kEntity;

  Verdict v = Accept(xml, kNow, lines);
  ASSERT_EQ(v.status, SSO_OK) << v.why;
  EXPECT_EQ(v.data.entity_in_document, kEntity);
  EXPECT_EQ(v.data.idp.sso_url, unsigned_read.idp.sso_url);
  EXPECT_FALSE(v.data.idp.sso_url.empty());
  EXPECT_EQ(v.data.idp.signing_keys.size(), unsigned_read.idp.signing_keys.size());
  EXPECT_GE(v.data.idp.signing_keys.size(), 1u);

  // another entity's entityID, far from the one read, changed by one character
  size_t other = xml.rfind("entityID=\"https://");
  ASSERT_NE(other, std::string::npos);
  ASSERT_EQ(xml.find(kEntity, other), std::string::npos);
  std::string changed = xml;
  changed[other + 18] = changed[other + 18] == 'x' ? 'y' : 'x';
  Verdict refused = Accept(changed, kNow, lines);
  EXPECT_EQ(refused.status, SSO_SAML_SIGNATURE_INVALID);
  EXPECT_EQ(refused.outcome, "signature");
}

TEST(MetadataFeed, DelaysBackOffAfterFailuresAndComeBeforeExpiry) {
  int64_t hour = 3600 * 1000;
  EXPECT_EQ(sso::NextRefreshDelay(hour, 0, kNow, 0), hour);
  EXPECT_EQ(sso::NextRefreshDelay(hour, 1, kNow, 0), 60'000);
  EXPECT_EQ(sso::NextRefreshDelay(hour, 2, kNow, 0), 120'000);
  EXPECT_EQ(sso::NextRefreshDelay(hour, 30, kNow, 0), hour);
  EXPECT_EQ(sso::NextRefreshDelay(2000, 1, kNow, 0), 1000);
  EXPECT_EQ(sso::NextRefreshDelay(hour, 0, kNow, kNow + 600'000), 300'000);
  EXPECT_EQ(sso::NextRefreshDelay(hour, 0, kNow, kNow + 10), 1000);
}

// ---- through the C API, as the module drives it ----

struct Provider {
  std::string backing;  // saml_idp_metadata's contents
  std::string url = kUrl;
  std::vector<std::string> signing = {"sp"};
  int64_t refresh_ms = 0;
  std::string entity_id = kIdp;  // saml_idp_entity_id
};

sso_status AddProvider(sso_engine *engine, const Provider &p, std::string *error = nullptr,
                       std::vector<std::string> *warnings = nullptr) {
  std::vector<std::string> pems;
  for (const auto &stem : p.signing) pems.push_back(ReadFile(KeyPath(stem + ".crt")));
  std::vector<sso_str> certs;
  for (const auto &pem : pems) certs.push_back(S(pem));
  sso_saml_provider_config c{};
  c.name = S("corp");
  c.idp_metadata_xml = S(p.backing);
  c.sp_entity_id = S(kSp);
  c.acs_url = S(kAcs);
  c.sign_requests = -1;
  c.idp_metadata_url = S(p.url);
  c.idp_entity_id = S(p.entity_id);
  c.idp_metadata_signing_certificates = certs.data();
  c.idp_metadata_signing_certificates_count = certs.size();
  c.idp_metadata_refresh_ms = p.refresh_ms;
  c.now_ms = kNow;
  sso_status s = sso_engine_add_saml_provider(engine, &c);
  if (error) *error = Str(sso_engine_config_error(engine).message);
  if (warnings)
    for (size_t i = 0; i < sso_engine_warnings_count(engine); ++i)
      warnings->push_back(Str(sso_engine_warning(engine, i)));
  return s;
}

sso_step LoginStep(sso_engine *engine, int64_t now = kNow) {
  auto txn = MakeTxn(engine);
  std::array<uint8_t, 96> random{};
  std::string query = "provider=corp";
  sso_login_request req{S(query), now, random.data(), random.size()};
  sso_step step{};
  EXPECT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
  return step;
}

TEST(MetadataFeedConfig, RefusesWhatCannotBeRefreshedSafely) {
  auto engine = MakeEngine();
  std::string error;
  EXPECT_EQ(AddProvider(engine.get(), {.url = "http://127.0.0.1/md.xml"}, &error),
            SSO_CONFIG_BAD_URL);
  EXPECT_NE(error.find("https only"), std::string::npos) << error;
  EXPECT_EQ(AddProvider(engine.get(), {.signing = {}}, &error), SSO_CONFIG_MISSING_LINE);
  EXPECT_NE(error.find("saml_idp_metadata_signing_certificate"), std::string::npos) << error;
  EXPECT_EQ(AddProvider(engine.get(), {.signing = {"weak-1024"}}, &error), SSO_KEY_REFUSED);
  EXPECT_EQ(AddProvider(engine.get(), {.refresh_ms = 500}, &error), SSO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(AddProvider(engine.get(), {.entity_id = ""}, &error), SSO_CONFIG_MISSING_LINE);
  EXPECT_NE(error.find("needs \"saml_idp_entity_id\""), std::string::npos) << error;
  EXPECT_EQ(sso_engine_metadata_feeds(engine.get()), 0u);
}

TEST(MetadataFeedConfig, WithoutAUsableCopySignInWaitsWith503) {
  auto engine = MakeEngine();
  std::vector<std::string> warnings;
  // an unsigned backing copy is not used
  ASSERT_EQ(AddProvider(engine.get(), {.backing = Metadata()}, nullptr, &warnings), SSO_OK);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("backing copy"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("not signed"), std::string::npos) << warnings[0];
  ASSERT_EQ(sso_engine_metadata_feeds(engine.get()), 1u);
  sso_metadata_feed_info info{};
  ASSERT_EQ(sso_engine_metadata_feed(engine.get(), 0, &info), SSO_OK);
  EXPECT_EQ(info.ready, 0);
  EXPECT_EQ(info.interval_ms, 3600 * 1000);
  EXPECT_EQ(Str(info.url), kUrl);

  sso_step step = LoginStep(engine.get());
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_SAML_METADATA_UNAVAILABLE);
  EXPECT_EQ(step.http_status, 503);
  EXPECT_GT(step.retry_after_s, 0);
}

TEST(MetadataFeedConfig, ARefreshSwapsTheIdpAndAFailureKeepsIt) {
  auto engine = MakeEngine();
  ASSERT_EQ(AddProvider(engine.get(), {.backing = Signed()}), SSO_OK);
  sso_metadata_feed_info info{};
  ASSERT_EQ(sso_engine_metadata_feed(engine.get(), 0, &info), SSO_OK);
  EXPECT_EQ(info.ready, 1);
  EXPECT_EQ(LoginStep(engine.get()).kind, SSO_STEP_STORE);

  sso_step step{};
  ASSERT_EQ(sso_metadata_refresh_begin(engine.get(), 0, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_HTTP);
  EXPECT_EQ(Str(step.http.method), "GET");
  EXPECT_EQ(Str(step.http.url), kUrl);

  // a new IdP signing key, properly signed
  std::string next = Signed({.signing_cert = "idp2"});
  ASSERT_EQ(sso_metadata_refresh_done(engine.get(), 0, 200, S(next), S(""), kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_WAIT);
  EXPECT_EQ(step.reason, SSO_OK);
  EXPECT_EQ(step.delay_ms, 3600 * 1000);
  EXPECT_EQ(step.event, SSO_EVENT_METADATA);
  EXPECT_EQ(Str(step.event_label), "refreshed");
  EXPECT_EQ(Str(step.body), next);
  std::string notice = Str(step.notice);
  EXPECT_NE(notice.find("IdP metadata of provider \"corp\" refreshed from " + std::string(kUrl) +
                        ": entity \"" + kIdp + "\", 1 signing certificate, valid until"),
            std::string::npos)
      << notice;
  // an update signed by another key: refused, the data in use kept, the next try sooner
  std::string bad = Signed({.signing_cert = "attacker"}, {.key = "attacker"});
  ASSERT_EQ(sso_metadata_refresh_done(engine.get(), 0, 200, S(bad), S(""), kNow, &step), SSO_OK);
  EXPECT_EQ(step.reason, SSO_SAML_SIGNATURE_INVALID);
  EXPECT_EQ(Str(step.event_label), "signature");
  EXPECT_EQ(step.delay_ms, 60'000);
  std::string warning = Str(step.warning);
  EXPECT_NE(warning.find("not refreshed from " + std::string(kUrl) +
                         ": its signature does not verify with the pinned signing certificate"),
            std::string::npos)
      << warning;
  EXPECT_NE(warning.find("the metadata in use is kept"), std::string::npos) << warning;
  EXPECT_EQ(Str(step.body), "");

  // no answer, then a 500: each said, backing off
  ASSERT_EQ(sso_metadata_refresh_done(engine.get(), 0, 0, S(""), S("timed out"), kNow, &step),
            SSO_OK);
  EXPECT_EQ(Str(step.event_label), "unreachable");
  EXPECT_NE(Str(step.warning).find("no answer (timed out)"), std::string::npos);
  EXPECT_EQ(step.delay_ms, 120'000);
  ASSERT_EQ(sso_metadata_refresh_done(engine.get(), 0, 500, S("oops"), S(""), kNow, &step), SSO_OK);
  EXPECT_EQ(Str(step.event_label), "http_status");
  EXPECT_NE(Str(step.warning).find("status is 500"), std::string::npos);
  EXPECT_EQ(LoginStep(engine.get()).kind, SSO_STEP_STORE);
}

TEST(MetadataFeedConfig, TheFirstGoodRefreshEnablesSignIn) {
  auto engine = MakeEngine();
  ASSERT_EQ(AddProvider(engine.get(), {}), SSO_OK);
  EXPECT_EQ(LoginStep(engine.get()).reason, SSO_SAML_METADATA_UNAVAILABLE);
  sso_step step{};
  ASSERT_EQ(
      sso_metadata_refresh_done(engine.get(), 0, 0, S(""), S("connection refused"), kNow, &step),
      SSO_OK);
  EXPECT_NE(Str(step.warning).find("sign-in answers 503 until a refresh succeeds"),
            std::string::npos);
  std::string good = Signed({.valid_until = Iso(kNow + 60'000)});
  ASSERT_EQ(sso_metadata_refresh_done(engine.get(), 0, 200, S(good), S(""), kNow, &step), SSO_OK);
  EXPECT_EQ(step.reason, SSO_OK);
  EXPECT_EQ(step.delay_ms, 30'000);  // half the time left before it expires
  EXPECT_EQ(LoginStep(engine.get()).kind, SSO_STEP_STORE);
  // past its validUntil, with no successor: no sign-in on it
  sso_step late = LoginStep(engine.get(), kNow + 60'000);
  EXPECT_EQ(late.reason, SSO_SAML_METADATA_EXPIRED);
  EXPECT_EQ(late.http_status, 503);
}

}  // namespace
