// OIDC relying-party pieces without I/O: discovery, the authorization request with state,
// nonce and PKCE S256, browser binding, token request and response.
#include "oidc/client.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <set>

#include "support/jwt_fixtures.h"
#include "text/http_text.h"

namespace {

using namespace sso::oidc;
using Json = nlohmann::json;

Json DiscoveryJson() {
  return {{"issuer", "https://op.test.invalid"},
          {"authorization_endpoint", "https://op.test.invalid/auth"},
          {"token_endpoint", "https://op.test.invalid/token"},
          {"jwks_uri", "https://op.test.invalid/jwks"},
          {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
          {"authorization_response_iss_parameter_supported", true}};
}

TEST(Discovery, ReadsEndpointsForTheExactIssuer) {
  Discovery d;
  ASSERT_EQ(ParseDiscovery(DiscoveryJson().dump(), "https://op.test.invalid", Algorithm::kRS256, d),
            SSO_OK);
  EXPECT_EQ(d.token_endpoint, "https://op.test.invalid/token");
  EXPECT_TRUE(d.issuer_parameter_supported);
  EXPECT_EQ(
      ParseDiscovery(DiscoveryJson().dump(), "https://op.test.invalid/", Algorithm::kRS256, d),
      SSO_OIDC_ISSUER_MISMATCH);
}

TEST(Discovery, RefusesPlainHttpUnsupportedAlgsAndGarbage) {
  Discovery d;
  Json j = DiscoveryJson();
  j["token_endpoint"] = "http://op.test.invalid/token";
  EXPECT_EQ(ParseDiscovery(j.dump(), "https://op.test.invalid", Algorithm::kRS256, d),
            SSO_OIDC_DISCOVERY_INVALID);
  j["token_endpoint"] = "http://127.0.0.1:3000/token";  // loopback: tests only
  EXPECT_EQ(ParseDiscovery(j.dump(), "https://op.test.invalid", Algorithm::kRS256, d), SSO_OK);
  EXPECT_EQ(ParseDiscovery(DiscoveryJson().dump(), "https://op.test.invalid", Algorithm::kEdDSA, d),
            SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(ParseDiscovery("[]", "https://op.test.invalid", Algorithm::kRS256, d),
            SSO_OIDC_DISCOVERY_INVALID);
  EXPECT_FALSE(IsAcceptableEndpoint("http://localhost.evil.example/x"));
  EXPECT_FALSE(IsAcceptableEndpoint("javascript:alert(1)"));
}

TEST(Pkce, S256IsBase64UrlOfSha256WithoutPadding) {
  // Expected value from an independent tool:
  //   printf %s VERIFIER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =
  EXPECT_EQ(CodeChallenge("dBjftJeZ4CVP-mJ92IgG5xQ2WVuBwZX9x8Hnw-7Av-c"),
            "e8XWExz9uzlu0vHOys7v2xQg1IAdOED51AS07TbuXkI");
}

TEST(AuthorizationRequest, CarriesStateNonceAndS256Challenge) {
  Discovery d;
  ASSERT_EQ(ParseDiscovery(DiscoveryJson().dump(), "https://op.test.invalid", Algorithm::kRS256, d),
            SSO_OK);
  ClientSettings client{"app client", "s3cret", false,
                        "https://app.test.invalid/sso/oidc/callback"};
  std::array<uint8_t, 96> random{};
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(i * 7 + 1);
  auto r = BuildAuthorizationRequest(d, client, random);
  ASSERT_TRUE(r);
  auto q = sso::ParseForm(r->url.substr(r->url.find('?') + 1));
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)["response_type"], "code");
  EXPECT_EQ((*q)["client_id"], "app client");
  EXPECT_EQ((*q)["redirect_uri"], client.redirect_uri);
  EXPECT_EQ((*q)["state"], r->state);
  EXPECT_EQ((*q)["nonce"], r->nonce);
  EXPECT_EQ((*q)["code_challenge_method"], "S256");
  EXPECT_EQ((*q)["code_challenge"], CodeChallenge(r->code_verifier));
  EXPECT_EQ(r->code_verifier.size(), 43u);
  EXPECT_GE(r->state.size(), 32u);
  EXPECT_EQ(r->url.find(r->code_verifier), std::string::npos) << "the verifier stays here";
  EXPECT_EQ(r->url.find(r->binding), std::string::npos) << "so does the browser binding";
  std::array<uint8_t, 95> few{};
  EXPECT_FALSE(BuildAuthorizationRequest(d, client, few));
}

TEST(AuthorizationRequest, ParallelLoginsUseDistinctBindingCookies) {
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) names.insert(BindingCookieName("state-" + std::to_string(i)));
  EXPECT_EQ(names.size(), 20u);
  EXPECT_EQ(BindingCookieName("x").rfind("__Host-", 0), 0u);
}

TEST(TokenRequest, ClientSecretBasicAndPost) {
  ClientSettings basic{"client:1", "p@ss word", false, "https://app/cb"};
  TokenRequest t = *BuildTokenRequest(basic, "the code", "verifier");
  EXPECT_EQ(t.body,
            "grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp%2Fcb"
            "&code_verifier=verifier");
  // RFC 6749 2.3.1: form-encode, then base64 "client%3A1:p%40ss+word".
  EXPECT_EQ(t.authorization, "Basic Y2xpZW50JTNBMTpwJTQwc3Mrd29yZA==");
  ClientSettings post = basic;
  post.secret_in_body = true;
  t = *BuildTokenRequest(post, "c", "v");
  EXPECT_TRUE(t.authorization.empty());
  EXPECT_NE(t.body.find("&client_id=client%3A1&client_secret=p%40ss+word"), std::string::npos);
}

TEST(TokenResponse, NeedsAnIdTokenAnd200) {
  TokenResponse r;
  EXPECT_EQ(ParseTokenResponse(
                200, R"({"id_token":"a.b.c","access_token":"x","token_type":"Bearer"})", r),
            SSO_OK);
  EXPECT_EQ(r.id_token, "a.b.c");
  EXPECT_EQ(ParseTokenResponse(400, R"({"error":"invalid_grant"})", r), SSO_OIDC_TOKEN_ERROR);
  EXPECT_EQ(ParseTokenResponse(200, R"({"access_token":"x"})", r), SSO_OIDC_TOKEN_ERROR);
  EXPECT_EQ(ParseTokenResponse(200, R"({"id_token":"a.b.c","token_type":"mac"})", r),
            SSO_OIDC_TOKEN_ERROR);
  EXPECT_EQ(ParseTokenResponse(200, "<html>", r), SSO_OIDC_TOKEN_ERROR);
}

std::string Pem(EVP_PKEY *key) {
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char *data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

TEST(PrivateKeyJwt, TheAssertionIsSignedByOurKeyForTheTokenEndpoint) {
  for (auto [type, alg] : {std::pair{"RSA", Algorithm::kRS256}, {"EC", Algorithm::kES256}}) {
    jwt_test::Key ours{"our-key", alg, jwt_test::Generate(type, "P-256")};
    ClientSettings client;
    client.client_id = "app";
    client.redirect_uri = "https://app.test.invalid/cb";
    client.assertion_key = LoadClientKey(Pem(ours.pkey.get()), "our-key");
    ASSERT_TRUE(client.assertion_key) << type;
    auto t = BuildTokenRequest(client, "c", "v", "https://op.test.invalid/token", "jti-1",
                               jwt_test::kNow);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->authorization.empty()) << "no secret, no Basic";
    auto form = *sso::ParseForm(t->body);
    EXPECT_EQ(form["client_assertion_type"],
              "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    EXPECT_EQ(form["client_id"], "app");
    Jwt jwt;
    ASSERT_EQ(ParseJwt(form["client_assertion"], jwt), SSO_OK);
    std::vector<Jwk> keys;
    ASSERT_EQ(ParseJwks(Json{{"keys", {jwt_test::PublicJwk(ours)}}}.dump(), keys), SSO_OK);
    EXPECT_EQ(VerifySignature(jwt, alg, keys[0]), SSO_OK) << type;
    EXPECT_EQ(jwt.claims.String("iss"), "app");
    EXPECT_EQ(jwt.claims.String("sub"), "app");
    EXPECT_EQ(jwt.claims.String("aud"), "https://op.test.invalid/token");
    EXPECT_EQ(jwt.claims.String("jti"), "jti-1");
    EXPECT_EQ(jwt.claims.Number("exp").value_or(0) - jwt.claims.Number("iat").value_or(0), 60);
  }
}

TEST(PrivateKeyJwt, WeakOrOtherKeysAreRefused) {
  EXPECT_FALSE(LoadClientKey("not a key", ""));
  EXPECT_FALSE(LoadClientKey(Pem(jwt_test::Generate("EC", "P-384").get()), ""));
  EXPECT_FALSE(LoadClientKey(Pem(jwt_test::Generate("ED25519").get()), ""));
  EVP_PKEY *weak = EVP_RSA_gen(1024);
  EXPECT_FALSE(LoadClientKey(Pem(weak), ""));
  EVP_PKEY_free(weak);
}

}  // namespace
