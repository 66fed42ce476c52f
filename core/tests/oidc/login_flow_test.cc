// The OIDC login through the C interface, with the OP simulated in the test: discovery, the
// authorization redirect, the callback (state bound to the browser, iss, token exchange,
// JWKS fetch and rotation, ID token checks) and the new session.
#include <gtest/gtest.h>

#include <array>
#include <map>

#include "oidc/client.h"
#include "session/session_id.h"
#include "support/jwt_fixtures.h"
#include "support/test_support.h"
#include "text/http_text.h"

namespace {

using namespace jwt_test;
using sso_test::Args;
using sso_test::MakeEngine;
using sso_test::MakeTxn;
using sso_test::S;
using sso_test::Str;

constexpr const char *kRedirect = "https://app.test.invalid/sso/oidc/callback";

class OidcFlow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new Key{"key-1", Algorithm::kRS256, Generate("RSA")};
    rotated_ = new Key{"key-2", Algorithm::kRS256, Generate("RSA")};
  }

  void SetUp() override { UseProvider(false); }

  void UseProvider(bool userinfo) {
    engine_ = MakeEngine();
    AddProvider(engine_.get(), userinfo);
  }

  // The provider "op" as every worker of one configuration has it.
  static void AddProvider(sso_engine *engine, bool userinfo = false) {
    sso_oidc_provider_config c{};
    c.userinfo = userinfo ? 1 : 0;
    c.name = S("op");
    c.issuer = S(kIssuer);
    c.client_id = S(kClient);
    c.client_secret = S("s3cret");
    c.redirect_uri = S(kRedirect);
    c.clock_skew_ms = 120000;
    ASSERT_EQ(sso_engine_add_oidc_provider(engine, &c), SSO_OK);
  }

  static Json Jwks(std::initializer_list<const Key *> keys) {
    Json j = {{"keys", Json::array()}};
    for (const Key *k : keys) j["keys"].push_back(PublicJwk(*k));
    return j;
  }

  struct Started {
    std::string state, nonce, cookie, record, url;
  };

  // /sso/login?provider=op&return_to=/x, answering discovery if asked.
  Started Login(const std::string &return_to = "/reports") {
    auto txn = MakeTxn(engine_.get());
    std::array<uint8_t, 96> random{};
    for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(i + ++seed_);
    std::string query = "provider=op&return_to=" + sso::UrlEncode(return_to);
    sso_login_request req{S(query), now_, random.data(), random.size()};
    sso_step step;
    EXPECT_EQ(sso_login_begin(txn.get(), &req, &step), SSO_OK);
    if (step.kind == SSO_STEP_HTTP) {
      EXPECT_EQ(Str(step.http.url), std::string(kIssuer) + "/.well-known/openid-configuration");
      ++discovery_fetches_;
      Json discovery = DiscoveryDocument();
      discovery["userinfo_endpoint"] = std::string(kIssuer) + "/userinfo";
      std::string doc = discovery.dump();
      EXPECT_EQ(sso_flow_resume_http(txn.get(), discovery_status_, S(doc), now_, &step), SSO_OK);
    }
    Started s;
    EXPECT_EQ(step.kind, SSO_STEP_STORE);
    if (step.kind != SSO_STEP_STORE) return s;
    s.record = Args(step.commands[0])[2];
    std::array<sso_store_reply, 1> ok{{{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK}}};
    EXPECT_EQ(sso_flow_resume(txn.get(), ok.data(), 1, kNow, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
    s.url = Str(step.location);
    auto q = *sso::ParseForm(s.url.substr(s.url.find('?') + 1));
    s.state = q["state"];
    s.nonce = q["nonce"];
    std::string set_cookie = Str(step.set_cookie);
    s.cookie = set_cookie.substr(0, set_cookie.find(';'));
    return s;
  }

  struct Result {
    sso_step step;
    std::string token_body, token_auth, userinfo_auth;
    int jwks_fetches = 0;
    int discovery_fetches = 0;
    bool state_spent = false;                        // a GETDEL of the state was asked for
    std::vector<std::vector<std::string>> commands;  // every store command, in order
  };

  // The callback, with the OP answering the token request and any JWKS request.
  Result Callback(const std::string &query, const std::string &cookies, const std::string &record,
                  std::function<std::string(const Started &)> id_token, const Started &started,
                  const Json &jwks, int token_status = 200, sso_engine *engine = nullptr) {
    txn_ = MakeTxn(engine ? engine : engine_.get());
    std::array<uint8_t, 32> random{7};
    sso_oidc_callback_request req{S(query), S(cookies), now_, random.data(), random.size()};
    Result r;
    EXPECT_EQ(sso_oidc_callback_begin(txn_.get(), &req, &r.step), SSO_OK);
    while (r.step.kind == SSO_STEP_STORE || r.step.kind == SSO_STEP_HTTP) {
      if (r.step.kind == SSO_STEP_STORE) {
        std::vector<sso_store_reply> replies;
        for (size_t i = 0; i < r.step.commands_count; ++i) {
          auto args = Args(r.step.commands[i]);
          r.commands.push_back(args);
          if (args[0] == "GETDEL") r.state_spent = true;
          if (args[0] == "GET" || args[0] == "GETDEL")
            replies.push_back(record.empty()
                                  ? sso_store_reply{SSO_REPLY_NIL, S(""), 0, SSO_OK}
                                  : sso_store_reply{SSO_REPLY_STRING, S(record), 0, SSO_OK});
          else
            replies.push_back({SSO_REPLY_STATUS, S("OK"), 0, SSO_OK});
        }
        if (sso_flow_resume(txn_.get(), replies.data(), replies.size(), now_, &r.step) != SSO_OK) {
          ADD_FAILURE() << "resume refused";
          break;
        }
        continue;
      }
      std::string url = Str(r.step.http.url);
      std::string body;
      int status = 200;
      if (url.ends_with("/token")) {
        r.token_body = Str(r.step.http.body);
        r.token_auth = Str(r.step.http.authorization);
        body =
            Json{
                {"id_token", id_token(started)}, {"token_type", "Bearer"}, {"access_token", "at-1"}}
                .dump();
        status = token_status;
      } else if (url.ends_with("/userinfo")) {
        r.userinfo_auth = Str(r.step.http.authorization);
        body = userinfo_.dump();
      } else if (url.ends_with("/jwks")) {
        ++r.jwks_fetches;
        body = jwks.dump();
      } else if (url.ends_with("/.well-known/openid-configuration")) {
        ++r.discovery_fetches;
        body = DiscoveryDocument().dump();
        status = callback_discovery_status_;
      }
      held_ = body;
      if (sso_flow_resume_http(txn_.get(), status, S(held_), now_, &r.step) != SSO_OK) {
        ADD_FAILURE() << "resume refused";
        break;
      }
    }
    return r;
  }

  static std::string TokenFor(const Started &s, const Key &k = *key_) {
    Json claims = Claims();
    claims["nonce"] = s.nonce;
    claims["groups"] = {"engineering"};
    claims["email_verified"] = true;
    return Token(k, claims);
  }

  static Key *key_, *rotated_;
  sso_test::EnginePtr engine_;
  sso_test::TxnPtr txn_;
  std::string held_;
  int seed_ = 0;
  int64_t now_ = kNow;
  int discovery_fetches_ = 0;
  int discovery_status_ = 200;
  int callback_discovery_status_ = 200;
  Json userinfo_;
};
Key *OidcFlow::key_ = nullptr;
Key *OidcFlow::rotated_ = nullptr;

TEST_F(OidcFlow, CodeFlowWithPkceEndsInANewSession) {
  Started s = Login("/reports");
  EXPECT_EQ(s.url.rfind(std::string(kIssuer) + "/auth?response_type=code", 0), 0u);
  EXPECT_NE(s.url.find("code_challenge_method=S256"), std::string::npos);
  EXPECT_EQ(s.cookie.rfind("__Host-sso-login-", 0), 0u);
  EXPECT_EQ(s.url.find("reports"), std::string::npos) << "the return URL stays with us";
  Result r = Callback(
      "code=the-code&state=" + s.state + "&iss=" + sso::UrlEncode(kIssuer),
      "theme=dark; " + s.cookie, s.record, [](const Started &st) { return TokenFor(st); }, s,
      Jwks({key_}));
  ASSERT_EQ(r.step.kind, SSO_STEP_REDIRECT) << sso_status_name(r.step.reason);
  EXPECT_EQ(r.step.http_status, 303);
  EXPECT_EQ(Str(r.step.location), "/reports");
  EXPECT_EQ(Str(r.step.set_cookie).rfind("__Host-sso=", 0), 0u);
  EXPECT_NE(Str(r.step.set_cookie2).find("Max-Age=0"), std::string::npos) << "binding cleared";
  EXPECT_EQ(Str(r.step.notice).rfind("login succeeded, provider \"", 0), 0u);
  EXPECT_NE(Str(r.step.notice).find(", new session, request_id: "), std::string::npos);
  EXPECT_NE(Str(r.step.audit).find("\"event\":\"login\""), std::string::npos)
      << "the login's own audit line, without a hook";
  EXPECT_NE(r.token_body.find("grant_type=authorization_code&code=the-code"), std::string::npos);
  EXPECT_NE(r.token_body.find("code_verifier="), std::string::npos);
  EXPECT_EQ(r.token_auth.rfind("Basic ", 0), 0u);
  EXPECT_EQ(r.jwks_fetches, 1) << "keys fetched on first use";
}

TEST_F(OidcFlow, TheSessionKeepsWhatLogoutNeedsAndIsIndexedBySid) {
  Started s = Login();
  auto token = [](const Started &st) {
    Json claims = Claims();
    claims["nonce"] = st.nonce;
    claims["email_verified"] = true;
    claims["sid"] = "op-session-7";
    return Token(*key_, claims);
  };
  Result r = Callback("code=c&state=" + s.state + "&iss=" + sso::UrlEncode(kIssuer), s.cookie,
                      s.record, token, s, Jwks({key_}));
  ASSERT_EQ(r.step.kind, SSO_STEP_REDIRECT) << sso_status_name(r.step.reason);
  std::string sid_index = "sso:sid:" + sso::Sha256Hex(std::string("op") + '\0' + "op-session-7");
  std::string record;
  bool indexed = false, expires = false;
  for (const auto &c : r.commands) {
    if (c[0] == "SET" && c[1].rfind("sso:s:", 0) == 0) record = c[2];
    indexed = indexed || (c[0] == "SADD" && c[1] == sid_index);
    expires = expires || (c[0] == "PEXPIRE" && c[1] == sid_index);
  }
  EXPECT_TRUE(indexed) << "a back-channel logout's sid finds the session";
  EXPECT_TRUE(expires) << "and the index does not outlive it for long";
  EXPECT_NE(record.find("\"sid\":\"op-session-7\""), std::string::npos);
  EXPECT_NE(record.find("\"idt\":\"" + token(s) + "\""), std::string::npos)
      << "the ID token, for id_token_hint, kept in the store only";
}

TEST_F(OidcFlow, StateIsBoundToTheBrowserAndSingleUse) {
  Started s = Login();
  auto token = [](const Started &st) { return TokenFor(st); };
  Result other_browser = Callback("code=c&state=" + s.state, "", s.record, token, s, Jwks({key_}));
  EXPECT_EQ(other_browser.step.reason, SSO_OIDC_STATE_INVALID);
  EXPECT_FALSE(other_browser.state_spent) << "a foreign browser cannot spend the state";
  Result used = Callback("code=c&state=" + s.state, s.cookie, "", token, s, Jwks({key_}));
  EXPECT_EQ(used.step.reason, SSO_LOGIN_STATE_SPENT) << "GET found nothing";
}

// Two callbacks with one state (a double submit, a replay): both may reach the token
// endpoint, but the one whose GETDEL finds the record already gone gets no session.
TEST_F(OidcFlow, OnlyOneCallbackPerStateMakesASession) {
  Started s = Login();
  auto token = [](const Started &st) { return TokenFor(st); };
  std::string record = s.record;
  txn_ = MakeTxn(engine_.get());
  std::array<uint8_t, 32> random{7};
  std::string query = "code=c&state=" + s.state;
  sso_oidc_callback_request req{S(query), S(s.cookie), now_, random.data(), random.size()};
  sso_step step;
  ASSERT_EQ(sso_oidc_callback_begin(txn_.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step.commands[0])[0], "GET");
  sso_store_reply found{SSO_REPLY_STRING, S(record), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn_.get(), &found, 1, now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);  // token
  held_ = Json{{"id_token", token(s)}, {"token_type", "Bearer"}}.dump();
  ASSERT_EQ(sso_flow_resume_http(txn_.get(), 200, S(held_), now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);  // jwks
  std::string jwks = Jwks({key_}).dump();
  ASSERT_EQ(sso_flow_resume_http(txn_.get(), 200, S(jwks), now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step.commands[0])[0], "GETDEL");
  sso_store_reply gone{SSO_REPLY_NIL, S(""), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn_.get(), &gone, 1, now_, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_LOGIN_STATE_SPENT);
}

// With several workers (or nodes, or across a reload) the callback often reaches a worker
// that never fetched the provider's discovery document: it fetches it then.
TEST_F(OidcFlow, CallbackOnAnotherWorkerFetchesDiscovery) {
  Started s = Login();
  auto other_worker = MakeEngine();  // a worker that has not met the provider yet
  AddProvider(other_worker.get());
  auto token = [](const Started &st) { return TokenFor(st); };

  callback_discovery_status_ = 0;  // the provider is down: the login stays completable
  Result down = Callback("code=c&state=" + s.state, s.cookie, s.record, token, s, Jwks({key_}), 200,
                         other_worker.get());
  EXPECT_EQ(down.step.reason, SSO_OIDC_UNAVAILABLE);
  EXPECT_EQ(down.discovery_fetches, 1);
  EXPECT_FALSE(down.state_spent) << "an outage must not spend the person's login";

  callback_discovery_status_ = 200;
  Result r = Callback("code=c&state=" + s.state, s.cookie, s.record, token, s, Jwks({key_}), 200,
                      other_worker.get());
  ASSERT_EQ(r.step.kind, SSO_STEP_REDIRECT) << sso_status_name(r.step.reason);
  EXPECT_EQ(r.discovery_fetches, 1);
  EXPECT_TRUE(r.state_spent);
}

TEST_F(OidcFlow, AnUnreachableTokenEndpointDoesNotSpendTheState) {
  Started s = Login();
  Result down = Callback(
      "code=c&state=" + s.state, s.cookie, s.record, [](const Started &st) { return TokenFor(st); },
      s, Jwks({key_}), 0);
  EXPECT_EQ(down.step.reason, SSO_OIDC_UNAVAILABLE);
  EXPECT_FALSE(down.state_spent);
}

// A login in flight keeps the discovery document and keys it started with, even when a
// refresh on the same worker fails meanwhile and drops the provider's cached document.
TEST_F(OidcFlow, AFailedRefreshDoesNotPullTheDocumentFromALoginInFlight) {
  Started s = Login();
  // the first login is at its token request
  txn_ = MakeTxn(engine_.get());
  std::array<uint8_t, 32> random{7};
  std::string query = "code=c&state=" + s.state;
  sso_oidc_callback_request req{S(query), S(s.cookie), now_, random.data(), random.size()};
  sso_step step;
  ASSERT_EQ(sso_oidc_callback_begin(txn_.get(), &req, &step), SSO_OK);
  sso_store_reply found{SSO_REPLY_STRING, S(s.record), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn_.get(), &found, 1, now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);

  // a day later another login refreshes discovery and gets a document it must refuse
  now_ += 25LL * 60 * 60 * 1000;
  {
    auto other = MakeTxn(engine_.get());
    std::array<uint8_t, 96> r2{};
    r2.fill(9);
    std::string q2 = "provider=op&return_to=%2F";
    sso_login_request login{S(q2), now_, r2.data(), r2.size()};
    sso_step st;
    ASSERT_EQ(sso_login_begin(other.get(), &login, &st), SSO_OK);
    ASSERT_EQ(st.kind, SSO_STEP_HTTP);
    Json bad = DiscoveryDocument();
    bad["issuer"] = "https://evil.test.invalid";
    std::string doc = bad.dump();
    ASSERT_EQ(sso_flow_resume_http(other.get(), 200, S(doc), now_, &st), SSO_OK);
    ASSERT_EQ(st.kind, SSO_STEP_ERROR);
  }

  // the first login goes on with its own snapshot: the token answer, then its JWKS fetch
  now_ = kNow;
  held_ = Json{{"id_token", TokenFor(s)}, {"token_type", "Bearer"}}.dump();
  ASSERT_EQ(sso_flow_resume_http(txn_.get(), 200, S(held_), now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_HTTP) << sso_status_name(step.reason);
  EXPECT_EQ(Str(step.http.url), std::string(kIssuer) + "/jwks");
  std::string jwks = Jwks({key_}).dump();
  ASSERT_EQ(sso_flow_resume_http(txn_.get(), 200, S(jwks), now_, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step.commands[0])[0], "GETDEL");
}

TEST_F(OidcFlow, ParallelTabsEachFindTheirOwnBinding) {
  Started a = Login("/a"), b = Login("/b");
  EXPECT_NE(a.cookie.substr(0, a.cookie.find('=')), b.cookie.substr(0, b.cookie.find('=')));
  std::string both = a.cookie + "; " + b.cookie;
  auto token = [](const Started &st) { return TokenFor(st); };
  // Views in a step live as long as its transaction: check each before the next callback.
  Result rb = Callback("code=c&state=" + b.state, both, b.record, token, b, Jwks({key_}));
  EXPECT_EQ(Str(rb.step.location), "/b");
  Result ra = Callback("code=c&state=" + a.state, both, a.record, token, a, Jwks({key_}));
  EXPECT_EQ(Str(ra.step.location), "/a");
}

TEST_F(OidcFlow, IssParameterMustNameTheProvider) {
  Started s = Login();
  Result r = Callback(
      "code=c&state=" + s.state + "&iss=https%3A%2F%2Fevil.test.invalid", s.cookie, s.record,
      [](const Started &st) { return TokenFor(st); }, s, Jwks({key_}));
  EXPECT_EQ(r.step.reason, SSO_OIDC_ISSUER_MISMATCH);
}

TEST_F(OidcFlow, ErrorsFromTheProviderAndItsTokenEndpoint) {
  Started s = Login();
  Result denied = Callback(
      "error=access_denied&state=" + s.state, s.cookie, s.record,
      [](const Started &st) { return TokenFor(st); }, s, Jwks({key_}));
  EXPECT_EQ(denied.step.reason, SSO_OIDC_ERROR_RESPONSE);
  Started s2 = Login();
  Result refused = Callback(
      "code=c&state=" + s2.state, s2.cookie, s2.record,
      [](const Started &st) { return TokenFor(st); }, s2, Jwks({key_}), 400);
  EXPECT_EQ(refused.step.reason, SSO_OIDC_TOKEN_ERROR);
  Started s3 = Login();
  Result down = Callback(
      "code=c&state=" + s3.state, s3.cookie, s3.record,
      [](const Started &st) { return TokenFor(st); }, s3, Jwks({key_}), 0);
  EXPECT_EQ(down.step.reason, SSO_OIDC_UNAVAILABLE);
}

TEST_F(OidcFlow, AReplayedOrForeignNonceIsRefused) {
  Started s = Login();
  Result r = Callback(
      "code=c&state=" + s.state, s.cookie, s.record,
      [](const Started &) { return Token(*key_, Claims()); }, s, Jwks({key_}));
  EXPECT_EQ(r.step.reason, SSO_JWT_NONCE_MISMATCH);
}

TEST_F(OidcFlow, KeyRotationIsPickedUpOnceAMinute) {
  Started s = Login();
  Result first = Callback(
      "code=c&state=" + s.state, s.cookie, s.record, [](const Started &st) { return TokenFor(st); },
      s, Jwks({key_}));
  ASSERT_EQ(first.step.kind, SSO_STEP_REDIRECT);
  // The OP rotates to key-2: the unknown kid triggers a single refresh, which finds it...
  Started s2 = Login();
  Result rotated = Callback(
      "code=c&state=" + s2.state, s2.cookie, s2.record,
      [](const Started &st) { return TokenFor(st, *rotated_); }, s2, Jwks({key_, rotated_}));
  // ...but the first fetch happened at the same instant, so the refresh is rate-limited.
  EXPECT_EQ(rotated.step.reason, SSO_JWT_UNKNOWN_KID);
  EXPECT_EQ(rotated.jwks_fetches, 0);
  // A minute later the one refresh is allowed, and the new key is found without a restart.
  now_ = kNow + 61'000;
  Started s3 = Login();
  Result later = Callback(
      "code=c&state=" + s3.state, s3.cookie, s3.record,
      [](const Started &st) { return TokenFor(st, *rotated_); }, s3, Jwks({key_, rotated_}));
  EXPECT_EQ(later.step.kind, SSO_STEP_REDIRECT) << sso_status_name(later.step.reason);
  EXPECT_EQ(later.jwks_fetches, 1);
}

TEST_F(OidcFlow, AHostileJwksKeyIsReportedByKidAndNeverUsed) {
  // The JWKS carries, next to the real key, one with e = 1 that "signs" without a private key.
  Json jwks = Jwks({key_});
  Json hostile = PublicJwk(*key_);
  hostile["kid"] = "hostile\n1";  // and a kid that would split a log line
  hostile["e"] = "AQ";
  jwks["keys"].push_back(hostile);
  Started s = Login();
  Result r = Callback(
      "code=c&state=" + s.state, s.cookie, s.record,
      [](const Started &st) {
        Json claims = Claims();
        claims["nonce"] = st.nonce;
        return ForgedWithExponentOne("hostile\n1", claims);
      },
      s, jwks);
  EXPECT_EQ(r.step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(r.step.reason, SSO_KEY_REFUSED) << sso_status_name(r.step.reason);
  EXPECT_EQ(Str(r.step.warning),
            "provider \"op\": JWKS key kid=\"hostile?1\" refused: RSA public exponent is below "
            "65537 (not used)");
  // the real key still works, and the refused key is not fetched for again and again
  Started s2 = Login();
  Result ok = Callback(
      "code=c&state=" + s2.state, s2.cookie, s2.record,
      [](const Started &st) { return TokenFor(st); }, s2, jwks);
  EXPECT_EQ(ok.step.kind, SSO_STEP_REDIRECT) << sso_status_name(ok.step.reason);
  EXPECT_EQ(ok.jwks_fetches, 0);
}

TEST_F(OidcFlow, UserinfoAddsClaimsWhenItsSubMatches) {
  UseProvider(true);
  userinfo_ = {{"sub", "248289761001"}, {"name", "Not The Signed Name"}, {"department", "R&D"}};
  Started s = Login();
  auto token = [](const Started &st) { return TokenFor(st); };
  Result ok = Callback("code=c&state=" + s.state, s.cookie, s.record, token, s, Jwks({key_}));
  ASSERT_EQ(ok.step.kind, SSO_STEP_REDIRECT) << sso_status_name(ok.step.reason);
  EXPECT_EQ(ok.userinfo_auth, "Bearer at-1");

  userinfo_["sub"] = "someone-else";
  Started s2 = Login();
  Result other =
      Callback("code=c&state=" + s2.state, s2.cookie, s2.record, token, s2, Jwks({key_}));
  EXPECT_EQ(other.step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(other.step.reason, SSO_OIDC_USERINFO_INVALID);

  userinfo_ = Json::array();
  Started s3 = Login();
  Result junk = Callback("code=c&state=" + s3.state, s3.cookie, s3.record, token, s3, Jwks({key_}));
  EXPECT_EQ(junk.step.reason, SSO_OIDC_USERINFO_INVALID);
}

TEST_F(OidcFlow, UserinfoOnWithExplicitEndpointsNeedsAUserinfoEndpoint) {
  auto engine = MakeEngine();
  sso_oidc_provider_config c{};
  c.name = S("op");
  c.issuer = S(kIssuer);
  c.client_id = S(kClient);
  c.redirect_uri = S(kRedirect);
  c.client_secret = S("s3cret");
  const std::string auth = std::string(kIssuer) + "/auth", token = std::string(kIssuer) + "/token",
                    jwks = std::string(kIssuer) + "/jwks";
  c.authorization_endpoint = S(auth);
  c.token_endpoint = S(token);
  c.jwks_uri = S(jwks);
  c.userinfo = 1;
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_CONFIG_MISSING_LINE);
  EXPECT_EQ(Str(sso_engine_config_error(engine.get()).directive), "oidc_userinfo");
  std::string userinfo = std::string(kIssuer) + "/userinfo";
  c.userinfo_endpoint = S(userinfo);
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_OK);
}

TEST_F(OidcFlow, DiscoveryIsCachedThenRefreshedAfterADay) {
  Login();
  Login();
  EXPECT_EQ(discovery_fetches_, 1) << "cached";
  now_ = kNow + 25LL * 60 * 60 * 1000;
  Login();
  EXPECT_EQ(discovery_fetches_, 2) << "refreshed when a day old";
  // An outage during a refresh keeps the document we have.
  now_ += 25LL * 60 * 60 * 1000;
  discovery_status_ = 0;
  Started s = Login();
  EXPECT_EQ(discovery_fetches_, 3);
  EXPECT_FALSE(s.state.empty()) << "the login went on with the cached document";
}

}  // namespace
