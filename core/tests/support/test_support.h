// Helpers shared by the core tests: RAII handles and view conversions.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sso/sso.h"

namespace sso_test {

struct EngineDeleter {
  void operator()(sso_engine *e) const { sso_engine_destroy(e); }
};
struct TxnDeleter {
  void operator()(sso_txn *t) const { sso_txn_destroy(t); }
};
using EnginePtr = std::unique_ptr<sso_engine, EngineDeleter>;
using TxnPtr = std::unique_ptr<sso_txn, TxnDeleter>;

inline sso_str S(std::string_view s) { return {s.data(), s.size()}; }
inline std::string Str(sso_str s) { return std::string(s.data ? s.data : "", s.len); }

inline std::vector<std::string> Args(const sso_command &c) {
  std::vector<std::string> out;
  for (size_t i = 0; i < c.argc; ++i) out.push_back(Str(c.argv[i]));
  return out;
}

struct EngineOptions {
  std::string prefix = "sso:";
  std::string cookie = "__Host-sso";
  bool secure = true;
  int64_t ttl_ms = 8 * 3600 * 1000LL;
  int64_t idle_ms = 30 * 60 * 1000LL;
  std::string login = "/sso/login";
  int64_t cache_ms = 0;
  std::string logout_redirect;  // empty: the default, "/"
};

inline EnginePtr MakeEngine(const EngineOptions &o = {}) {
  sso_engine_config config{S(o.prefix), S(o.cookie), o.secure ? 1 : 0, o.ttl_ms,
                           o.idle_ms,   S(o.login),  o.cache_ms,       S(o.logout_redirect)};
  sso_engine *engine = nullptr;
  if (sso_engine_create(&config, &engine) != SSO_OK) return nullptr;
  return EnginePtr(engine);
}

inline TxnPtr MakeTxn(sso_engine *engine) {
  sso_txn *txn = nullptr;
  if (sso_txn_create(engine, &txn) != SSO_OK) return nullptr;
  return TxnPtr(txn);
}

// What the caller does with the gate's SSO_STEP_SESSION_READ once the store answered: the
// reply goes to the engine, then `txn` (one of the waiters) resumes. Other waiters stay
// handed out, ready for their own sso_gate_resume_read.
inline sso_status AnswerSessionRead(sso_engine *engine, sso_txn *txn, uint64_t read_id,
                                    const sso_store_reply &reply, int64_t now, sso_step *out) {
  sso_engine_session_read_done(engine, read_id, &reply, now);
  while (sso_engine_session_read_waiter(engine, read_id)) {
  }
  return sso_gate_resume_read(txn, out);
}

// The OpenID provider "op" as the tests configure it (secret, our callback); `issuer` and
// `client_id` must outlive the config. Tests add the lines they are about.
inline sso_oidc_provider_config OidcProviderConfig(std::string_view issuer,
                                                   std::string_view client_id) {
  sso_oidc_provider_config c{};
  c.name = S("op");
  c.issuer = S(issuer);
  c.client_id = S(client_id);
  c.client_secret = S("s3cret");
  c.redirect_uri = S("https://app.test.invalid/sso/oidc/callback");
  return c;
}

// A request to an sso_endpoints location, as the module would hand it over.
struct EndpointRequest {
  std::string method = "GET";
  std::string path;
  std::string query;
  std::vector<std::string> cookie_headers;
  std::string request_id = "req-1";
  int64_t now_ms = 1'700'000'000'000;
  uint8_t random_seed = 1;
  std::string authorization;
  std::string if_match;
  std::string content_type;
};

inline sso_status BeginEndpoint(sso_txn *txn, const EndpointRequest &r, sso_step *out) {
  std::vector<sso_str> cookies;
  for (const auto &c : r.cookie_headers) cookies.push_back(S(c));
  std::array<uint8_t, 96> random;
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(r.random_seed + i);
  sso_endpoint_request request{S(r.method),        S(r.path),      S(r.query),
                               cookies.data(),     cookies.size(), S(r.request_id),
                               r.now_ms,           random.data(),  random.size(),
                               S(r.authorization), S(r.if_match),  S(r.content_type)};
  return sso_endpoint_begin(txn, &request, out);
}

inline sso_store_reply IntegerReply(long long value) {
  sso_store_reply reply{};
  reply.type = SSO_REPLY_INTEGER;
  reply.integer = value;
  return reply;
}

inline sso_store_reply FailedReply(sso_status why) {
  sso_store_reply reply{};
  reply.type = SSO_REPLY_FAILED;
  reply.failure = why;
  return reply;
}

// Revokers make one more round trip before they answer (session/revoke.h,
// AnnouncementBarrier): checks that `step` is that PING, answers it, and returns the next step.
// `notice` and `warning` get what the barrier step carried.
inline sso_step PassBarrier(sso_txn *txn, const sso_step &step, std::string *notice = nullptr,
                            std::string *warning = nullptr, int64_t now_ms = 0) {
  EXPECT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(step.commands_count, 1u);
  if (step.commands_count == 1) EXPECT_EQ(Args(step.commands[0]), std::vector<std::string>{"PING"});
  if (notice) *notice = Str(step.notice);
  if (warning) *warning = Str(step.warning);
  sso_store_reply pong{SSO_REPLY_STATUS, S("PONG"), 0, SSO_OK};
  sso_step next{};
  EXPECT_EQ(sso_flow_resume(txn, &pong, 1, now_ms, &next), SSO_OK);
  return next;
}

}  // namespace sso_test
