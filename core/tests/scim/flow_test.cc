// The SCIM endpoint through the C API, step by step: the bearer token, routing, what each
// request asks of the store and the app's hook, and what it answers; the store's replies are
// given by hand as the scripts would give them.
#include "scim/flow.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "engine/store_keys.h"
#include "scim/login_match.h"
#include "scim/store.h"
#include "scim/user.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;
using Json = nlohmann::json;

constexpr int64_t kNow = 1'700'000'000'000;
const std::string kToken = "scim-token-0123456789abcdef0123456789";
const std::string kBase = "/sso/scim/v2/op";

class ScimFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MakeEngine();
    auto config = OidcProviderConfig("https://op.test.invalid", "app");
    config.authorization_endpoint = S("https://op.test.invalid/auth");
    config.token_endpoint = S("https://op.test.invalid/token");
    config.jwks_uri = S("https://op.test.invalid/jwks");
    ASSERT_EQ(sso_engine_add_oidc_provider(engine_.get(), &config), SSO_OK);
    ASSERT_EQ(sso_engine_set_scim(engine_.get(), S("op"), S(kToken)), SSO_OK);
    txn_ = MakeTxn(engine_.get());
  }

  void WithHook() {
    sso_provisioning_config hook{S("http://127.0.0.1:9/hook"), S("hook-secret-0123456789"), 5000,
                                 0};
    ASSERT_EQ(sso_engine_set_provisioning(engine_.get(), &hook), SSO_OK);
  }

  // Begins a request; a body is given to the READ_BODY step it must ask for.
  sso_step Call(const std::string &method, std::string path, const std::string &body = "",
                const std::string &if_match = "", std::string auth = "") {
    if (auth.empty()) auth = "Bearer " + kToken;
    std::string query = Query(path);
    sso_step step{};
    EXPECT_EQ(BeginEndpoint(txn_.get(),
                            {.method = method,
                             .path = kBase + path,
                             .query = query,
                             .authorization = auth,
                             .if_match = if_match},
                            &step),
              SSO_OK);
    if (step.kind == SSO_STEP_READ_BODY) {
      EXPECT_EQ(step.body_limit, 64u * 1024) << "bodies are bounded";
      EXPECT_EQ(sso_endpoint_resume_body(txn_.get(), S(body), kNow, &step), SSO_OK);
    }
    return step;
  }

  static std::string Query(std::string &path) {
    size_t q = path.find('?');
    if (q == std::string::npos) return "";
    std::string query = path.substr(q + 1);
    path.resize(q);
    return query;
  }

  sso_step Store(std::vector<sso_store_reply> replies) {
    sso_step step{};
    EXPECT_EQ(sso_flow_resume(txn_.get(), replies.data(), replies.size(), kNow, &step), SSO_OK);
    return step;
  }

  sso_step Http(int status, const std::string &body = "{}") {
    sso_step step{};
    EXPECT_EQ(sso_flow_resume_http(txn_.get(), status, S(body), kNow, &step), SSO_OK);
    return step;
  }

  sso_store_reply Text(const std::string &text) {
    texts_.push_back(text);
    return {SSO_REPLY_STRING, S(texts_.back()), 0, SSO_OK};
  }
  static sso_store_reply Nil() { return {SSO_REPLY_NIL, S(""), 0, SSO_OK}; }

  // A stored user as the write script would have written it.
  static std::string Record(bool active = true, long long version = 1,
                            const std::string &app_user = "") {
    sso::scim::StoredUser u;
    u.id = "11111111-1111-4111-8111-111111111111";
    u.version = version;
    u.created_ms = kNow - 1000;
    u.modified_ms = kNow - 1000;
    u.active = active;
    u.app_user = app_user;
    u.attributes = {{"userName", "Dana@corp.example"},
                    {"externalId", "00u-dana"},
                    {"emails", {{{"value", "dana@corp.example"}}}}};
    u.keys = {"k"};
    return sso::scim::SerializeStoredUser(u);
  }

  static Json Body(const sso_step &step) { return Json::parse(Str(step.body)); }

  EnginePtr engine_;
  TxnPtr txn_;
  std::deque<std::string> texts_;
};

const std::string kUser = "/Users/11111111-1111-4111-8111-111111111111";

TEST_F(ScimFlow, OnlyTheProvidersBearerTokenGetsIn) {
  for (const std::string &auth : std::vector<std::string>{
           "", "Bearer", "Bearer wrong", "Basic " + kToken, "Bearer " + kToken + "x",
           "Bearer " + kToken.substr(1), "Bearer" + kToken}) {
    sso_step step{};
    ASSERT_EQ(
        BeginEndpoint(txn_.get(),
                      {.method = "GET", .path = kBase + "/Users", .authorization = auth}, &step),
        SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_UNAUTHORIZED) << auth;
    EXPECT_EQ(step.http_status, 401) << auth;
    EXPECT_EQ(Str(step.www_authenticate), "Bearer realm=\"scim\"");
    EXPECT_EQ(Str(step.content_type), "application/scim+json");
    EXPECT_EQ(Body(step)["status"], "401");
    EXPECT_EQ(step.reason, SSO_SCIM_UNAUTHORIZED);
    EXPECT_EQ(Str(step.warning).find("scim-token"), std::string::npos) << "never the token";
  }
  EXPECT_EQ(Call("GET", "/Users", "", "", "bearer  " + kToken).kind, SSO_STEP_STORE)
      << "the scheme in any case";
}

TEST_F(ScimFlow, TokensAreLongAndForKnownProviders) {
  EXPECT_EQ(sso_engine_set_scim(engine_.get(), S("op"), S("short-token")),
            SSO_CONFIG_WEAK_SCIM_TOKEN);
  EXPECT_EQ(sso_engine_set_scim(engine_.get(), S("op"), S(std::string(31, 'a'))),
            SSO_CONFIG_WEAK_SCIM_TOKEN);
  EXPECT_EQ(sso_engine_set_scim(engine_.get(), S("op"), S(std::string(32, 'a') + "\x01")),
            SSO_CONFIG_WEAK_SCIM_TOKEN);
  EXPECT_EQ(sso_engine_set_scim(engine_.get(), S("nobody"), S(kToken)), SSO_LOGIN_UNKNOWN_PROVIDER);
}

TEST_F(ScimFlow, RoutesByResourceAndMethod) {
  struct Case {
    const char *method;
    std::string path;
    int status;
  };
  for (const Case &c :
       {Case{"GET", "/ServiceProviderConfig", 200}, Case{"GET", "/ResourceTypes", 200},
        Case{"GET", "/ResourceTypes/User", 200}, Case{"GET", "/ResourceTypes/Nope", 404},
        Case{"GET", "/Schemas", 200},
        Case{"GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", 200},
        Case{"POST", "/ServiceProviderConfig", 405}, Case{"DELETE", "/Schemas", 405},
        Case{"GET", "/Groups", 200}, Case{"GET", "/Groups/x", 404}, Case{"POST", "/Groups", 501},
        Case{"PATCH", "/Groups/x", 501}, Case{"PUT", "/Groups", 405}, Case{"GET", "/Robots", 404},
        Case{"GET", "/Users/a/b", 404}, Case{"PUT", "/Users", 405}, Case{"POST", kUser, 405},
        Case{"GET", "", 404}}) {
    txn_ = MakeTxn(engine_.get());
    sso_step step = Call(c.method, c.path, "{}");
    EXPECT_EQ(step.kind, SSO_STEP_PAGE) << c.method << " " << c.path;
    EXPECT_EQ(step.http_status, c.status) << c.method << " " << c.path;
    EXPECT_EQ(Str(step.content_type), "application/scim+json");
  }
  sso_step step{};
  ASSERT_EQ(BeginEndpoint(txn_.get(), {.path = "/sso/scim/v2/other/Users"}, &step), SSO_OK);
  EXPECT_EQ(step.http_status, 404) << "a provider without SCIM, before any token check";
}

TEST_F(ScimFlow, ListsAPageOfUsers) {
  sso_step step = Call("GET", "/Users?startIndex=2&count=1");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[3], sso::scim::AllUsersKey("sso:", "op"));
  EXPECT_EQ(eval[4], "1") << "0-based start";
  EXPECT_EQ(eval[5], "1");
  step = Store({Text("7\n[" + Record() + "]")});
  ASSERT_EQ(step.http_status, 200);
  Json list = Body(step);
  EXPECT_EQ(list["totalResults"], 7);
  EXPECT_EQ(list["startIndex"], 2);
  EXPECT_EQ(list["itemsPerPage"], 1);
  EXPECT_EQ(list["Resources"][0]["userName"], "Dana@corp.example");
  EXPECT_EQ(list["Resources"][0]["meta"]["location"], kBase + kUser);
}

TEST_F(ScimFlow, FiltersLookUpIndexesAndCheckWhatTheyFind) {
  sso_step step =
      Call("GET",
           "/Users?filter=userName%20eq%20%22DANA@corp.example%22%20and%20externalId%20eq%20"
           "%2200u-dana%22");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[2], "2");
  EXPECT_EQ(eval[3], sso::scim::ValueKey("sso:", "op", 'n', "dana@corp.example"));
  EXPECT_EQ(eval[4], sso::scim::ValueKey("sso:", "op", 'x', "00u-dana"));
  // a record that does not match (changed meanwhile) is not answered
  std::string other = Record();
  other.replace(other.find("00u-dana"), 8, "00u-erin");
  step = Store({Text("[" + Record() + "," + other + "]")});
  EXPECT_EQ(Body(step)["totalResults"], 1);

  txn_ = MakeTxn(engine_.get());
  step = Call("GET", "/Users?filter=userName%20eq%20%22a%22");
  step = Store({Text("toomany")});
  EXPECT_EQ(step.http_status, 400);
  EXPECT_EQ(Body(step)["scimType"], "tooMany");

  txn_ = MakeTxn(engine_.get());
  step = Call("GET", "/Users?filter=title%20eq%20%22a%22");
  EXPECT_EQ(step.kind, SSO_STEP_PAGE) << "no store step for a filter it cannot run";
  EXPECT_EQ(Body(step)["scimType"], "invalidFilter");
  txn_ = MakeTxn(engine_.get());
  EXPECT_EQ(Body(Call("GET", "/Users?count=x"))["scimType"], "invalidValue");
}

TEST_F(ScimFlow, CreatesWithoutAHook) {
  sso_step step = Call("POST", "/Users", R"({"userName":"a@corp.example","password":"p"})");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[1], sso::scim::kWriteUserScript);
  EXPECT_EQ(eval[6], sso::scim::ValueKey("sso:", "op", 'n', "a@corp.example")) << "uniqueness";
  EXPECT_EQ(eval[7], "create");
  EXPECT_EQ(eval[11], "") << "nothing pending";
  EXPECT_EQ(eval[9].find("\"p\""), std::string::npos) << "no password in the record";
  Json record = Json::parse(eval[9]);
  std::string id = record["id"];
  EXPECT_EQ(eval[3], sso::scim::RecordKey("sso:", "op", id));
  step = Store({Text("ok")});
  EXPECT_EQ(step.http_status, 201);
  EXPECT_EQ(Str(step.location), kBase + "/Users/" + id);
  EXPECT_EQ(Str(step.etag), "W/\"1\"");
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["action"], "created");
  EXPECT_EQ(audit["app"], "no hook");
  EXPECT_EQ(Str(step.audit).find("a@corp.example"), std::string::npos) << "ids only";

  txn_ = MakeTxn(engine_.get());
  Call("POST", "/Users", R"({"userName":"a@corp.example"})");
  step = Store({Text("taken")});
  EXPECT_EQ(step.http_status, 409);
  EXPECT_EQ(Body(step)["scimType"], "uniqueness");
  EXPECT_EQ(step.audit.len, 0u);

  txn_ = MakeTxn(engine_.get());
  step = Call("POST", "/Users", R"({"userName":)");
  EXPECT_EQ(Body(step)["scimType"], "invalidSyntax");
  txn_ = MakeTxn(engine_.get());
  step = Call("POST", "/Users",
              R"({"userName":"deep","x":)" + std::string(16, '[') + std::string(16, ']') + "}");
  EXPECT_EQ(Body(step)["scimType"], "invalidSyntax") << "too deep, refused before parsing";
  txn_ = MakeTxn(engine_.get());
  step = Call("POST", "/Users",
              R"({"userName":"deep","x":)" + std::string(15, '[') + std::string(15, ']') + "}");
  EXPECT_EQ(step.kind, SSO_STEP_STORE) << "16 levels are fine";
}

TEST_F(ScimFlow, CreatingTellsTheAppFirstAndKeepsItsUserId) {
  WithHook();
  const std::string body = R"({"userName":"a@corp.example","emails":[{"value":"a@corp.example"}]})";
  sso_step step = Call("POST", "/Users", body);
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "is the userName taken?";
  step = Store({IntegerReply(1)});
  EXPECT_EQ(step.http_status, 409) << "taken: the app never hears of it";

  txn_ = MakeTxn(engine_.get());
  Call("POST", "/Users", body);
  step = Store({IntegerReply(0)});
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  Json event = Json::parse(Str(step.http.body));
  EXPECT_EQ(event["event"], "provision");
  EXPECT_EQ(event["email"], "a@corp.example");
  EXPECT_EQ(event["issuer"], "https://op.test.invalid");
  EXPECT_TRUE(event["user_id"].is_null());
  std::string headers = Str(step.http.headers);
  EXPECT_NE(headers.find("X-SSO-Signature: t="), std::string::npos);
  size_t at = headers.find("Idempotency-Key: ");
  ASSERT_NE(at, std::string::npos);
  std::string key = headers.substr(at, 17 + 32);

  step = Http(503);
  EXPECT_EQ(step.http_status, 503) << "nothing stored, the IdP retries";
  txn_ = MakeTxn(engine_.get());
  EndpointRequest again{.method = "POST",
                        .path = kBase + "/Users",
                        .random_seed = 9,
                        .authorization = "Bearer " + kToken};
  ASSERT_EQ(BeginEndpoint(txn_.get(), again, &step), SSO_OK);
  ASSERT_EQ(sso_endpoint_resume_body(txn_.get(), S(body), kNow + 5000, &step), SSO_OK);
  step = Store({IntegerReply(0)});
  EXPECT_NE(Str(step.http.headers).find(key), std::string::npos)
      << "the retry carries the same Idempotency-Key";

  step = Http(201, R"({"user_id": 42})");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  Json record = Json::parse(Args(step.commands[0])[9]);
  EXPECT_EQ(record["app_user"], "42");
  step = Store({Text("ok")});
  EXPECT_EQ(step.http_status, 201);
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["user_id"], "42");
  EXPECT_EQ(audit["app"], "told");

  for (auto [status, want] : {std::pair{403, 403}, std::pair{409, 409}, std::pair{0, 503}}) {
    txn_ = MakeTxn(engine_.get());
    Call("POST", "/Users", body);
    Store({IntegerReply(0)});
    EXPECT_EQ(Http(status).http_status, want) << status;
  }
}

TEST_F(ScimFlow, DeactivatingEndsSessionsThenTellsTheApp) {
  WithHook();
  sso_step step =
      Call("PATCH", kUser, R"({"Operations":[{"op":"replace","value":{"active":false}}]})");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  std::string record_key = sso::scim::RecordKey("sso:", "op", kUser.substr(7));
  EXPECT_EQ(Args(step.commands[0]), (std::vector<std::string>{"GET", record_key}));
  EXPECT_EQ(Args(step.commands[1]),
            (std::vector<std::string>{"GET", sso::scim::PendingKey(record_key)}));

  step = Store({Text(Record(true, 4, "42")), Nil()});
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "the write";
  auto write = Args(step.commands[0]);
  EXPECT_EQ(write[7], "replace");
  EXPECT_EQ(write[8], "4") << "only over the version read";
  EXPECT_EQ(write[11], "deprovision:deactivated") << "pending until done";
  EXPECT_EQ(Json::parse(write[9])["active"], false);

  step = Store({Text("ok")});
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "then where the person's logins are";
  auto seen = Args(step.commands[0]);
  for (auto key : {sso::scim::SeenKey("sso:", "op", 'x', "00u-dana"),
                   sso::scim::SeenKey("sso:", "op", 'n', "dana@corp.example"),
                   sso::scim::SeenKey("sso:", "op", 'e', "dana@corp.example")})
    EXPECT_NE(std::find(seen.begin(), seen.end(), key), seen.end());

  step = Store({Text("sso:u:aaaa\nsso:u:bbbb")});
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "then the revoke script";
  auto revoke = Args(step.commands[0]);
  EXPECT_EQ(revoke[0], "EVAL");
  for (auto key : {sso::SubjectIndexKey("sso:", "op", "Dana@corp.example"),
                   sso::SubjectIndexKey("sso:", "op", "00u-dana"), std::string("sso:u:aaaa"),
                   std::string("sso:u:bbbb")})
    EXPECT_NE(std::find(revoke.begin(), revoke.end(), key), revoke.end()) << key;
  EXPECT_EQ(revoke[revoke.size() - 2], "sso:revoked") << "announced to every worker";

  step = Store({Text("2\n42")});
  ASSERT_EQ(Args(step.commands[0]), std::vector<std::string>{"PING"}) << "the announcement barrier";
  step = Store({Text("PONG")});
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  Json event = Json::parse(Str(step.http.body));
  EXPECT_EQ(event["event"], "deprovision");
  EXPECT_EQ(event["reason"], "deactivated");
  EXPECT_EQ(event["sessions"], 2);
  EXPECT_EQ(event["user_id"], "42");
  EXPECT_EQ(event["scim"]["id"], kUser.substr(7));
  EXPECT_EQ(Str(step.http.headers).find("Idempotency-Key"), std::string::npos);

  step = Http(204);
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "told: no longer pending";
  EXPECT_EQ(Args(step.commands[0]).back(), "deprovision:deactivated");
  step = Store({IntegerReply(1)});
  EXPECT_EQ(step.http_status, 200);
  EXPECT_EQ(Body(step)["active"], false);
  EXPECT_EQ(Str(step.etag), "W/\"5\"");
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["action"], "deactivated");
  EXPECT_EQ(audit["sessions"], 2);
  EXPECT_EQ(audit["app"], "told");
  EXPECT_FALSE(audit.contains("result"));
}

TEST_F(ScimFlow, AnAppThatIsNotToldMakesA503AndTheRetryFinishes) {
  WithHook();
  const std::string patch = R"({"Operations":[{"op":"Replace","path":"active","value":"False"}]})";
  Call("PATCH", kUser, patch);
  Store({Text(Record(true)), Nil()});
  Store({Text("ok")});
  Store({Text("")});
  Store({Text("1\n")});
  Store({Text("PONG")});
  sso_step step = Http(500);
  EXPECT_EQ(step.http_status, 503);
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["result"], "incomplete");
  EXPECT_EQ(audit["app"], "status 500");

  // the retry: nothing changes, but what is pending is done
  txn_ = MakeTxn(engine_.get());
  Call("PATCH", kUser, patch);
  step = Store({Text(Record(false, 2)), Text("deprovision:deactivated")});
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_NE(Args(step.commands[0])[1], sso::scim::kWriteUserScript)
      << "no write: the seen sets are read";
  step = Store({Text("")});
  step = Store({Text("0\n")});
  step = Store({Text("PONG")});
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  EXPECT_EQ(Json::parse(Str(step.http.body))["sessions"], 0);
  step = Http(200);
  step = Store({IntegerReply(1)});
  EXPECT_EQ(step.http_status, 200);
  EXPECT_EQ(Str(step.etag), "W/\"2\"") << "the same version";

  // once done, the same request does nothing at all
  txn_ = MakeTxn(engine_.get());
  Call("PATCH", kUser, patch);
  step = Store({Text(Record(false, 2)), Nil()});
  EXPECT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(step.http_status, 200);
  EXPECT_EQ(step.audit.len, 0u) << "nothing happened";

  // a pending event that no longer fits (reactivated since) is not acted on
  txn_ = MakeTxn(engine_.get());
  Call("PATCH", kUser, R"({"Operations":[{"op":"replace","path":"active","value":true}]})");
  step = Store({Text(Record(true, 3)), Text("deprovision:deactivated")});
  EXPECT_EQ(step.kind, SSO_STEP_PAGE);
}

TEST_F(ScimFlow, ReactivationAndUpdatesWithoutAHook) {
  sso_step step = Call("PUT", kUser, R"({"userName":"Dana@corp.example","active":true})");
  step = Store({Text(Record(false, 2)), Text("deprovision:deactivated")});
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  auto write = Args(step.commands[0]);
  EXPECT_EQ(write[11], "-") << "reactivated: an old deprovision is no longer owed";
  step = Store({Text("ok")});
  EXPECT_EQ(step.http_status, 200) << "no hook: nobody to tell";
  EXPECT_EQ(Json::parse(Str(step.audit))["action"], "reactivated");
  EXPECT_EQ(Json::parse(Str(step.audit))["app"], "no hook");

  txn_ = MakeTxn(engine_.get());
  step = Call("PATCH", kUser, R"({"Operations":[{"op":"add","path":"title","value":"CTO"}]})");
  step = Store({Text(Record(true, 2)), Nil()});
  write = Args(step.commands[0]);
  EXPECT_EQ(write[11], "") << "an update leaves what is pending";
  step = Store({Text("conflict")});
  ASSERT_EQ(step.kind, SSO_STEP_STORE) << "changed meanwhile: read again";
  EXPECT_EQ(Args(step.commands[0])[0], "GET");
  step = Store({Text(Record(true, 3)), Nil()});
  EXPECT_EQ(Args(step.commands[0])[8], "3") << "and redo the change over the new version";
  step = Store({Text("conflict")});
  step = Store({Text(Record(true, 4)), Nil()});
  step = Store({Text("conflict")});
  EXPECT_EQ(step.http_status, 503) << "not forever";
}

TEST_F(ScimFlow, PreconditionsAndMissingUsers) {
  sso_step step = Call("DELETE", kUser, "", "W/\"3\"");
  step = Store({Text(Record(true, 4)), Nil()});
  EXPECT_EQ(step.http_status, 412);

  txn_ = MakeTxn(engine_.get());
  Call("GET", kUser);
  step = Store({Nil(), Nil()});
  EXPECT_EQ(step.http_status, 404);

  txn_ = MakeTxn(engine_.get());
  Call("GET", kUser);
  std::string deleted = Record(false);
  deleted.insert(deleted.size() - 1, ",\"deleted\":true");
  step = Store({Text(deleted), Nil()});
  EXPECT_EQ(step.http_status, 404) << "a deleted user is gone from SCIM";

  txn_ = MakeTxn(engine_.get());
  Call("DELETE", kUser);
  step = Store({Text(deleted), Nil()});
  EXPECT_EQ(step.http_status, 404) << "deleted twice";

  txn_ = MakeTxn(engine_.get());
  Call("DELETE", kUser);
  step = Store({Text(deleted), Text("deprovision:deleted")});
  EXPECT_EQ(step.kind, SSO_STEP_STORE) << "deleted, but its sessions were not all ended: finish";

  txn_ = MakeTxn(engine_.get());
  Call("DELETE", kUser);
  step = Store({Text(Record(true, 1)), Nil()});
  auto write = Args(step.commands[0]);
  EXPECT_EQ(write[7], "delete");
  EXPECT_EQ(Json::parse(write[9])["deleted"], true);
  EXPECT_EQ(write[11], "deprovision:deleted");
  step = Store({Text("ok")});
  step = Store({Text("")});
  step = Store({Text("0\n")});
  step = Store({Text("PONG")});
  step = Store({IntegerReply(1)});
  EXPECT_EQ(step.http_status, 204);
  EXPECT_EQ(step.body.len, 0u);

  txn_ = MakeTxn(engine_.get());
  Call("GET", kUser);
  step = Store({FailedReply(SSO_STORE_TIMEOUT), Nil()});
  EXPECT_EQ(step.http_status, 503);
  EXPECT_EQ(step.reason, SSO_STORE_TIMEOUT);
}

TEST(ScimLoginMatch, ReadsTheScriptsAnswer) {
  auto keys = sso::scim::LoginKeysOf("sso:", "op", "00u-Dana", "Dana@Corp.Example");
  EXPECT_EQ(keys.lookup, (std::vector<std::string>{
                             sso::scim::ValueKey("sso:", "op", 'x', "00u-Dana"),
                             sso::scim::ValueKey("sso:", "op", 'n', "00u-dana"),
                             sso::scim::ValueKey("sso:", "op", 'n', "dana@corp.example"),
                             sso::scim::ValueKey("sso:", "op", 'e', "dana@corp.example")}));
  EXPECT_EQ(keys.seen.size(), 3u);
  EXPECT_EQ(sso::scim::LoginKeysOf("sso:", "op", "s", "").lookup.size(), 2u)
      << "no verified email: matched by subject only";
  std::string one = "1\n", two = "0\n42", bad = "0\n4\r\n2", worse = "2\n";
  EXPECT_TRUE(sso::scim::ParseLoginMatch({SSO_REPLY_STRING, S(one), 0, SSO_OK}).inactive);
  auto m = sso::scim::ParseLoginMatch({SSO_REPLY_STRING, S(two), 0, SSO_OK});
  EXPECT_TRUE(m.valid);
  EXPECT_FALSE(m.inactive);
  EXPECT_EQ(m.app_user, "42");
  EXPECT_FALSE(sso::scim::ParseLoginMatch({SSO_REPLY_STRING, S(bad), 0, SSO_OK}).valid)
      << "a user id that could split a header";
  EXPECT_FALSE(sso::scim::ParseLoginMatch({SSO_REPLY_STRING, S(worse), 0, SSO_OK}).valid);
  EXPECT_FALSE(sso::scim::ParseLoginMatch({SSO_REPLY_NIL, S(""), 0, SSO_OK}).valid);
}

}  // namespace
