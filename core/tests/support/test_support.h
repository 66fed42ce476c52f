// Helpers shared by the core tests: RAII handles and view conversions.
#pragma once

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

}  // namespace sso_test
