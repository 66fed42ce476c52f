// Provisioning policy (roles, email domains with IDNA, verification, linking), the hook's
// request and answers, and the single-flight flow through the C interface with the OP and
// the app simulated: lock, wait, hook, record, session, audit line.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <array>
#include <nlohmann/json.hpp>

#include "provision/hook.h"
#include "provision/policy.h"
#include "support/jwt_fixtures.h"
#include "support/test_support.h"
#include "text/http_text.h"

namespace {

using Json = nlohmann::json;
using sso::Identity;
using sso::PolicyOutcome;
using sso::ProvisionPolicy;
using sso_test::Args;
using sso_test::S;
using sso_test::Str;

Identity Person(std::string email, bool verified = true) {
  Identity id;
  id.provider = "corp";
  id.issuer = "https://op.test.invalid";
  id.subject = "s-1";
  id.email = std::move(email);
  id.name = "New Hire";
  id.groups = {"engineering", "admin"};
  id.attributes["email_verified"] = verified ? "true" : "false";
  return id;
}

ProvisionPolicy Policy() {
  ProvisionPolicy p;
  p.role_map = {{"engineering", "developer"}, {"admins", "admin"}};
  p.default_role = "member";
  p.link_existing = SSO_LINK_VERIFIED_EMAIL;
  return p;
}

PolicyOutcome Apply(Identity &id, const std::vector<std::string> &domains, bool oidc = true,
                    const ProvisionPolicy &p = Policy()) {
  return sso::ApplyPolicy({p, domains, oidc, true}, id);
}

const std::vector<std::string> kCorp = {"corp.example", "xn--bcher-kva.example"};

TEST(ProvisionPolicy, RolesComeOnlyFromTheTable) {
  Identity id = Person("a@corp.example");
  id.roles = {"superuser"};  // whatever arrived is replaced
  EXPECT_EQ(Apply(id, kCorp).status, SSO_OK);
  EXPECT_EQ(id.roles, std::vector<std::string>{"developer"}) << "group 'admin' maps to nothing";
  Identity nobody = Person("b@corp.example");
  nobody.groups = {"admin"};
  Apply(nobody, kCorp);
  EXPECT_EQ(nobody.roles, std::vector<std::string>{"member"}) << "default_role";
  ProvisionPolicy no_default = Policy();
  no_default.default_role.clear();
  Apply(nobody, kCorp, true, no_default);
  EXPECT_TRUE(nobody.roles.empty());
}

TEST(ProvisionPolicy, EmailDomainsAreMatchedOnLabelsAfterIdna) {
  for (const char *ok : {"a@corp.example", "a@CORP.Example", "a@eng.corp.example",
                         "a@bücher.example", "a@BÜCHER.example"}) {
    Identity id = Person(ok);
    EXPECT_EQ(Apply(id, kCorp).status, SSO_OK) << ok;
  }
  for (const char *bad : {"a@evil.example@corp.example", "a@corp.example.evil.example",
                          "a@notcorp.example", "a@evil.example", "a@corp.example.", "a@",
                          "@corp.example", "a b@corp.example", "a@bucher.example"}) {
    Identity id = Person(bad);
    EXPECT_EQ(Apply(id, kCorp).status, SSO_JIT_DOMAIN_NOT_ALLOWED) << bad;
  }
  Identity idn = Person("Jo@BÜCHER.example");
  Apply(idn, kCorp);
  EXPECT_EQ(idn.email, "Jo@xn--bcher-kva.example")
      << "the domain is normalized, not the local part";
}

TEST(ProvisionPolicy, EmailIsRequiredAndMustBeVerified) {
  Identity none = Person("");
  EXPECT_EQ(Apply(none, kCorp).status, SSO_JIT_EMAIL_REQUIRED);
  Identity unverified = Person("a@corp.example", false);
  EXPECT_EQ(Apply(unverified, kCorp).status, SSO_JIT_EMAIL_UNVERIFIED);
  Identity saml = Person("a@corp.example", false);
  saml.attributes.clear();
  EXPECT_EQ(Apply(saml, kCorp, /*oidc=*/false).status, SSO_OK) << "a SAML IdP asserts its email";
  Identity anywhere = Person("a@elsewhere.example");
  EXPECT_EQ(Apply(anywhere, {}).status, SSO_OK) << "no email_domains: any domain";
}

TEST(ProvisionPolicy, LinkingNeedsVerifiedEmailInAnAllowedDomain) {
  Identity id = Person("a@corp.example");
  EXPECT_TRUE(Apply(id, kCorp).link_allowed);
  Identity no_list = Person("a@corp.example");
  EXPECT_FALSE(Apply(no_list, {}).link_allowed) << "no domains this provider speaks for";
  ProvisionPolicy off = Policy();
  off.link_existing = SSO_LINK_OFF;
  Identity off_id = Person("a@corp.example");
  EXPECT_FALSE(Apply(off_id, kCorp, true, off).link_allowed);
}

TEST(ProvisionPolicy, TheHashFollowsWhatTheHookWouldBeTold) {
  Identity a = Person("a@corp.example"), b = Person("a@corp.example");
  EXPECT_EQ(Apply(a, kCorp).attributes_hash, Apply(b, kCorp).attributes_hash);
  Identity c = Person("a@corp.example");
  c.name = "Renamed";
  EXPECT_NE(Apply(c, kCorp).attributes_hash, Apply(a, kCorp).attributes_hash);
}

TEST(HookRequest, AFirstLoginOfAProvisionedPersonNamesTheAccountTheAppGaveIt) {
  Identity id = Person("a@corp.example");
  PolicyOutcome policy = Apply(id, kCorp);
  sso::HookRequest r = sso::BuildHookRequest({"oidc", id, policy, true, std::nullopt, "1042",
                                              "req-1", std::string(32, 'a'), jwt_test::kNow},
                                             "0123456789abcdef");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["user_id"], "1042") << "SCIM's provision answer";
  EXPECT_TRUE(body["first_login"].get<bool>()) << "still this subject's first login";
  sso::HookRequest known =
      sso::BuildHookRequest({"oidc", id, policy, true, std::string("7"), "1042", "req-1",
                             std::string(32, 'a'), jwt_test::kNow},
                            "0123456789abcdef");
  EXPECT_EQ(Json::parse(known.body)["user_id"], "7") << "an account from a login comes first";
}

TEST(HookRequest, IsSignedAndCarriesTheAttemptsKey) {
  Identity id = Person("a@corp.example");
  PolicyOutcome policy = Apply(id, kCorp);
  const std::string key(32, 'a');
  sso::HookRequest r = sso::BuildHookRequest(
      {"oidc", id, policy, true, std::nullopt, "", "req-1", key, jwt_test::kNow},
      "0123456789abcdef");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["subject"], "s-1");
  EXPECT_EQ(body["issuer"], "https://op.test.invalid");
  EXPECT_EQ(body["roles"], Json({"developer"}));
  EXPECT_EQ(body["link"], "verified_email");
  EXPECT_TRUE(body["user_id"].is_null());
  EXPECT_TRUE(body["first_login"].get<bool>());
  std::string t = std::to_string(jwt_test::kNow / 1000);
  unsigned char mac[32];
  unsigned int len = 0;
  std::string signed_text = t + "." + r.body;
  HMAC(EVP_sha256(), "0123456789abcdef", 16,
       reinterpret_cast<const unsigned char *>(signed_text.data()), signed_text.size(), mac, &len);
  std::string hex;
  for (unsigned char ch : mac) {
    static const char *d = "0123456789abcdef";
    hex += d[ch >> 4];
    hex += d[ch & 15];
  }
  EXPECT_NE(r.headers.find("X-SSO-Signature: t=" + t + ",v1=" + hex + "\r\n"), std::string::npos)
      << r.headers;
  EXPECT_EQ(r.headers.substr(0, r.headers.find("\r\n")), "Idempotency-Key: " + key)
      << "the key is the attempt's (provision_lease_test.cc), not made from the facts";
}

TEST(HookAnswer, EachStatusMeansOneThing) {
  using sso::HookOutcome;
  auto parse = [](int status, const char *body, bool link = true, bool create = true) {
    return sso::ParseHookAnswer(status, body, link, create);
  };
  EXPECT_EQ(parse(201, R"({"user_id":"42"})").outcome, HookOutcome::kCreated);
  EXPECT_EQ(parse(201, R"({"user_id":42})").user_id, "42");
  EXPECT_EQ(parse(200, R"({"user_id":"42","outcome":"linked"})").outcome, HookOutcome::kLinked);
  EXPECT_EQ(parse(200, R"({"user_id":"42"})").outcome, HookOutcome::kUpdated);
  EXPECT_EQ(*parse(200, R"({"user_id":"42","roles":["a","b"]})").roles,
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse(403, R"({"reason":"left the company"})").status, SSO_JIT_DENIED);
  EXPECT_EQ(parse(403, R"({"reason":"left the company"})").reason, "left the company");
  EXPECT_EQ(parse(202, "{}").status, SSO_JIT_PENDING);
  EXPECT_EQ(parse(409, "").status, SSO_JIT_CONFLICT);
  EXPECT_EQ(parse(500, "").status, SSO_JIT_UNAVAILABLE);
  EXPECT_EQ(parse(0, "").status, SSO_JIT_UNAVAILABLE);
  // Whether we know what the app did: no answer, 1xx, 5xx and an unreadable 200/201 do not.
  for (int unknown : {0, 100, 500, 502, 503, 504})
    EXPECT_FALSE(parse(unknown, "{}").outcome_known) << unknown;
  EXPECT_FALSE(parse(201, "not json").outcome_known);
  EXPECT_FALSE(parse(200, R"({"user_id":"1","roles":"admin"})").outcome_known);
  for (int known : {200, 201, 202, 301, 400, 401, 403, 404, 409, 429})
    EXPECT_TRUE(parse(known, R"({"user_id":"1"})").outcome_known) << known;
  EXPECT_TRUE(parse(201, R"({"user_id":"1"})", true, false).outcome_known)
      << "a creation beyond what was allowed is refused, but known";
  // Fail closed on anything else.
  for (const char *bad : {R"({})", R"({"user_id":""})", R"({"user_id":"a\nb"})",
                          R"({"user_id":["x"]})", R"({"user_id":"1","roles":"admin"})",
                          R"({"user_id":"1","roles":["a\r\nX-Evil: 1"]})", "not json"})
    EXPECT_EQ(parse(200, bad).status, SSO_JIT_HOOK_INVALID) << bad;
  EXPECT_EQ(parse(200, (R"({"user_id":")" + std::string(300, 'x') + "\"}").c_str()).status,
            SSO_JIT_HOOK_INVALID);
  EXPECT_EQ(parse(404, "{}").status, SSO_JIT_HOOK_INVALID);
  EXPECT_EQ(parse(200, R"({"user_id":"1","outcome":"linked"})", false).status, SSO_JIT_HOOK_INVALID)
      << "linked although linking was not allowed";
  EXPECT_EQ(parse(201, R"({"user_id":"1"})", true, false).status, SSO_JIT_HOOK_INVALID)
      << "created although auto_create is off";
}

}  // namespace
