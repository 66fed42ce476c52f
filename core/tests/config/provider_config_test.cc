// nginx -t's refusals of a provider's configuration: the status, the line at fault
// (directive and value) and a message that says what to do; the module's answers about its
// locations (sso_config_facts) decide whether our URLs are served and host names resolved.
#include <gtest/gtest.h>

#include <string>

#include "support/saml_fixtures.h"
#include "support/test_support.h"

namespace {

using sso_test::MakeEngine;
using sso_test::OidcProviderConfig;
using sso_test::S;
using sso_test::Str;

constexpr const char *kIssuer = "https://op.test.invalid";

// What the module would answer: `bits` for every path; the paths it was asked about.
struct Facts {
  int bits = SSO_PATH_ENDPOINTS | SSO_PATH_RESOLVER;
  std::string where = "the server at nginx.conf:9 serves it with location \"/\"";
  std::vector<std::string> asked;
  sso_config_facts c{&Facts::Path, this};
  static int Path(void *data, sso_str path, sso_str *where) {
    auto *self = static_cast<Facts *>(data);
    self->asked.push_back(Str(path));
    *where = S(self->where);
    return self->bits;
  }
};

struct Refusal {
  sso_status status;
  std::string directive, value, message;
};

Refusal AddOidc(sso_oidc_provider_config c, const Facts *facts = nullptr) {
  auto engine = MakeEngine();
  c.facts = facts ? &facts->c : nullptr;
  sso_status s = sso_engine_add_oidc_provider(engine.get(), &c);
  sso_config_error e = sso_engine_config_error(engine.get());
  return {s, Str(e.directive), Str(e.value), Str(e.message)};
}

TEST(OidcProviderConfig, AMissingClientIdIsNamed) {
  auto r = AddOidc(OidcProviderConfig(kIssuer, ""));
  EXPECT_EQ(r.status, SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(r.directive, "oidc_client_id");
  EXPECT_NE(r.message.find("\"oidc_client_id\" is missing"), std::string::npos) << r.message;
}

TEST(OidcProviderConfig, AnIssuerThatIsNotHttpsSaysSoNotDiscovery) {
  for (const char *issuer : {"http://op.example", "op.example", "ftp://op.example"}) {
    auto r = AddOidc(OidcProviderConfig(issuer, "app"));
    EXPECT_EQ(r.status, SSO_CONFIG_BAD_URL) << issuer;
    EXPECT_EQ(r.directive, "oidc_issuer");
    EXPECT_EQ(r.value, issuer);
    EXPECT_NE(r.message.find("is not an https URL"), std::string::npos) << r.message;
  }
  EXPECT_EQ(AddOidc(OidcProviderConfig("http://127.0.0.1:8082", "app")).status, SSO_OK)
      << "plain http to loopback, for tests";
}

TEST(OidcProviderConfig, NoClientSecretWithASecretBasedTokenAuth) {
  auto c = OidcProviderConfig(kIssuer, "app");
  c.client_secret = S("");
  auto r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(r.directive, "oidc_token_auth");
  EXPECT_NE(r.message.find("client_secret_basic\" (the default) needs the client secret"),
            std::string::npos)
      << r.message;
  c.client_secret_post = 1;
  r = AddOidc(c);
  EXPECT_NE(r.message.find("\"oidc_token_auth client_secret_post\" needs"), std::string::npos);
}

TEST(OidcProviderConfig, HmacAlgorithmsAreNamedWithTheOnesThatWork) {
  auto c = OidcProviderConfig(kIssuer, "app");
  c.algorithm = S("HS256");
  auto r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(r.directive, "oidc_alg");
  EXPECT_EQ(r.value, "HS256");
  EXPECT_NE(r.message.find("use RS256 (the default), PS256, ES256 or EdDSA"), std::string::npos);
}

TEST(OidcProviderConfig, TheRedirectUriIsAbsoluteAndEndsInTheCallback) {
  auto c = OidcProviderConfig(kIssuer, "app");
  c.redirect_uri = S("/sso/oidc/callback");
  auto r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_CONFIG_BAD_URL);
  EXPECT_EQ(r.directive, "oidc_redirect_uri");
  EXPECT_NE(r.message.find("e.g. \"https://app.example.com/sso/oidc/callback\""), std::string::npos)
      << r.message;
  c.redirect_uri = S("https://app.example/sso/callback?x=1");
  r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_CONFIG_BAD_URL);
  EXPECT_NE(r.message.find("e.g. \"https://app.example/sso/oidc/callback\""), std::string::npos)
      << r.message;
  c.redirect_uri = S("");
  EXPECT_EQ(AddOidc(c).status, SSO_CONFIG_MISSING_LINE);
}

TEST(OidcProviderConfig, TheRedirectUriMustBeServedByAnEndpointsLocation) {
  auto c = OidcProviderConfig(kIssuer, "app");
  c.redirect_uri = S("https://app.example/auth/oidc/callback?from=op");
  Facts facts;
  facts.bits = 0;
  auto r = AddOidc(c, &facts);
  EXPECT_EQ(r.status, SSO_CONFIG_URL_NOT_SERVED);
  EXPECT_EQ(r.directive, "oidc_redirect_uri");
  ASSERT_FALSE(facts.asked.empty());
  EXPECT_EQ(facts.asked.front(), "/auth/oidc/callback") << "the path, without the query";
  EXPECT_NE(r.message.find("(the server at nginx.conf:9 serves it with location \"/\")"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("add \"location /auth/ { sso_endpoints; }\""), std::string::npos)
      << r.message;
  facts.bits = SSO_PATH_ENDPOINTS | SSO_PATH_RESOLVER;
  EXPECT_EQ(AddOidc(c, &facts).status, SSO_OK);
}

TEST(OidcProviderConfig, AHostNameNeedsAResolverAnAddressDoesNot) {
  Facts facts;
  facts.bits = SSO_PATH_ENDPOINTS;
  auto r = AddOidc(OidcProviderConfig(kIssuer, "app"), &facts);
  EXPECT_EQ(r.status, SSO_CONFIG_NO_RESOLVER);
  EXPECT_EQ(r.directive, "oidc_issuer");
  EXPECT_NE(r.message.find("names the host \"op.test.invalid\""), std::string::npos) << r.message;
  for (const char *issuer : {"https://192.0.2.1", "https://[2001:db8::1]:8443"})
    EXPECT_EQ(AddOidc(OidcProviderConfig(issuer, "app"), &facts).status, SSO_OK) << issuer;

  // explicit endpoints: those are called, not the issuer
  auto c = OidcProviderConfig("https://192.0.2.1", "app");
  c.authorization_endpoint = S("https://login.example/authorize");  // the browser's
  c.token_endpoint = S("https://192.0.2.1/token");
  c.jwks_uri = S("https://keys.example/jwks");
  r = AddOidc(c, &facts);
  EXPECT_EQ(r.status, SSO_CONFIG_NO_RESOLVER);
  EXPECT_EQ(r.directive, "oidc_jwks_uri");
  EXPECT_EQ(r.value, "https://keys.example/jwks");
}

TEST(OidcProviderConfig, ExplicitEndpointsGoTogether) {
  auto c = OidcProviderConfig(kIssuer, "app");
  c.authorization_endpoint = S("https://op.test.invalid/authorize");
  c.jwks_uri = S("https://op.test.invalid/jwks");
  auto r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(r.directive, "oidc_token_endpoint");
  c.token_endpoint = S("http://op.test.invalid/token");
  r = AddOidc(c);
  EXPECT_EQ(r.status, SSO_CONFIG_BAD_URL);
  EXPECT_EQ(r.directive, "oidc_token_endpoint");
}

TEST(OidcProviderConfig, AnEmailDomainThatMatchesNobody) {
  const struct {
    const char *value, *fix;
  } cases[] = {
      {"*.corp.example", "a domain covers its subdomains, write \"corp.example\""},
      {"@corp.example", "without the \"@\", \"corp.example\""},
      {"corp.example/", "the part of the addresses after the \"@\""},
      {"corp..example", "the part of the addresses after the \"@\""},
  };
  for (const auto &k : cases) {
    auto c = OidcProviderConfig(kIssuer, "app");
    sso_str domains[] = {S("acquired.example"), S(k.value)};
    c.email_domains = domains;
    c.email_domains_count = 2;
    auto r = AddOidc(c);
    EXPECT_EQ(r.status, SSO_CONFIG_BAD_EMAIL_DOMAIN) << k.value;
    EXPECT_EQ(r.directive, "email_domains");
    EXPECT_EQ(r.value, k.value);
    EXPECT_NE(r.message.find("matches nobody"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(k.fix), std::string::npos) << r.message;
  }
}

TEST(OidcProviderConfig, AnAcceptedProviderLeavesNoError) {
  auto engine = MakeEngine();
  auto bad = OidcProviderConfig(kIssuer, "");
  EXPECT_NE(sso_engine_add_oidc_provider(engine.get(), &bad), SSO_OK);
  auto good = OidcProviderConfig(kIssuer, "app");
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &good), SSO_OK);
  EXPECT_EQ(sso_engine_config_error(engine.get()).message.len, 0u);
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &good), SSO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(Str(sso_engine_config_error(engine.get()).message)
                .find("another provider has this "
                      "name"),
            std::string::npos);
}

Refusal AddSaml(sso_saml_provider_config c, const Facts *facts = nullptr) {
  auto engine = MakeEngine();
  c.facts = facts ? &facts->c : nullptr;
  sso_status s = sso_engine_add_saml_provider(engine.get(), &c);
  sso_config_error e = sso_engine_config_error(engine.get());
  return {s, Str(e.directive), Str(e.value), Str(e.message)};
}

sso_saml_provider_config SamlWithoutIdp() {
  sso_saml_provider_config c{};
  c.name = S("corp");
  c.sp_entity_id = S("https://app.example/sso/saml");
  c.acs_url = S("https://app.example/sso/saml/acs");
  c.sign_requests = -1;
  return c;
}

TEST(SamlProviderConfig, NoIdpAtAllSaysWhatToAdd) {
  auto r = AddSaml(SamlWithoutIdp());
  EXPECT_EQ(r.status, SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(r.directive, "");
  EXPECT_NE(r.message.find("the IdP is missing: add \"saml_idp_metadata"), std::string::npos);
  auto c = SamlWithoutIdp();
  c.idp_entity_id = S("https://idp.example/metadata");
  r = AddSaml(c);
  EXPECT_NE(r.message.find("\"saml_idp_sso_url\" is missing"), std::string::npos) << r.message;
}

TEST(SamlProviderConfig, OurEntityIdAndAcsUrl) {
  const std::string cert = saml_test::ReadFile(saml_test::KeyPath("idp.crt"));
  sso_str certs[] = {S(cert)};
  auto c = SamlWithoutIdp();
  c.idp_entity_id = S("https://idp.example/metadata");
  c.idp_sso_url = S("https://idp.example/sso");
  c.idp_certificates = certs;
  c.idp_certificates_count = 1;
  Facts facts;
  EXPECT_EQ(AddSaml(c, &facts).status, SSO_OK);
  EXPECT_EQ(facts.asked, std::vector<std::string>{"/sso/saml/acs"});

  auto no_entity = c;
  no_entity.sp_entity_id = S("");
  auto r = AddSaml(no_entity);
  EXPECT_EQ(r.status, SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(r.directive, "saml_sp_entity_id");

  auto relative = c;
  relative.acs_url = S("/sso/saml/acs");
  r = AddSaml(relative);
  EXPECT_EQ(r.status, SSO_CONFIG_BAD_URL);
  EXPECT_EQ(r.directive, "saml_acs_url");
  EXPECT_EQ(r.value, "/sso/saml/acs");

  facts.bits = 0;
  r = AddSaml(c, &facts);
  EXPECT_EQ(r.status, SSO_CONFIG_URL_NOT_SERVED);
  EXPECT_NE(r.message.find("add \"location /sso/ { sso_endpoints; }\""), std::string::npos)
      << r.message;
}

}  // namespace
