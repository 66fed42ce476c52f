// sso-admin: create and revoke sessions from the command line, through the same C interface
// (and so the same record format and keys) that the nginx module uses.
//
//   sso-admin [store options] session create --provider P --subject S [identity options]
//   sso-admin [store options] session revoke --provider P --subject S
//
// Prints the new cookie value (create) or the number of sessions removed (revoke).
#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sso/sso.h"

namespace {

struct RedisFree {
  void operator()(redisContext *c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply *r) const { freeReplyObject(r); }
};
struct EngineFree {
  void operator()(sso_engine *e) const { sso_engine_destroy(e); }
};
struct TxnFree {
  void operator()(sso_txn *t) const { sso_txn_destroy(t); }
};
using RedisPtr = std::unique_ptr<redisContext, RedisFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

struct Options {
  std::string redis = "127.0.0.1:6379";
  int db = 0;
  std::string prefix = "sso:";
  std::string password_file;
  int64_t ttl_ms = 8 * 3600 * 1000LL;
  int64_t idle_ms = 30 * 60 * 1000LL;
  std::string object, verb;
  std::string provider, subject, issuer, user, email, name;
  std::vector<std::string> groups, roles;
  std::vector<std::pair<std::string, std::string>> attributes;
};

int Usage() {
  std::fprintf(stderr,
               "usage: sso-admin [--redis HOST:PORT|unix:PATH] [--db N] [--prefix P]\n"
               "                 [--password-file F] [--ttl DUR] [--idle DUR]\n"
               "                 session create --provider P --subject S [--issuer I] [--user U]\n"
               "                        [--email E] [--name N] [--group G]... [--role R]...\n"
               "                        [--attr NAME=VALUE]...\n"
               "                 session revoke --provider P --subject S\n"
               "DUR: 30s, 15m, 8h, 1d, 500ms (like nginx time values)\n");
  return 2;
}

std::optional<int64_t> ParseDurationMs(const std::string &text) {
  char *end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || n < 0) return std::nullopt;
  std::string unit(end);
  static const std::map<std::string, int64_t> kUnits = {
      {"ms", 1}, {"", 1000}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return std::nullopt;
  return n * it->second;
}

bool ParseArgs(int argc, char **argv, Options &o) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg.rfind("--", 0) != 0) {
      positional.push_back(arg);
      continue;
    }
    auto v = value();
    if (!v) return false;
    if (arg == "--redis")
      o.redis = *v;
    else if (arg == "--db")
      o.db = std::atoi(v->c_str());
    else if (arg == "--prefix")
      o.prefix = *v;
    else if (arg == "--password-file")
      o.password_file = *v;
    else if (arg == "--ttl" || arg == "--idle") {
      auto ms = ParseDurationMs(*v);
      if (!ms) return false;
      (arg == "--ttl" ? o.ttl_ms : o.idle_ms) = *ms;
    } else if (arg == "--provider")
      o.provider = *v;
    else if (arg == "--subject")
      o.subject = *v;
    else if (arg == "--issuer")
      o.issuer = *v;
    else if (arg == "--user")
      o.user = *v;
    else if (arg == "--email")
      o.email = *v;
    else if (arg == "--name")
      o.name = *v;
    else if (arg == "--group")
      o.groups.push_back(*v);
    else if (arg == "--role")
      o.roles.push_back(*v);
    else if (arg == "--attr") {
      auto eq = v->find('=');
      if (eq == std::string::npos) return false;
      o.attributes.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    } else
      return false;
  }
  if (positional.size() != 2) return false;
  o.object = positional[0];
  o.verb = positional[1];
  return o.object == "session" && (o.verb == "create" || o.verb == "revoke");
}

sso_str Str(const std::string &s) { return {s.data(), s.size()}; }

ReplyPtr Run(redisContext *c, const sso_command &command) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (size_t i = 0; i < command.argc; ++i) {
    argv.push_back(command.argv[i].data);
    lens.push_back(command.argv[i].len);
  }
  return ReplyPtr(static_cast<redisReply *>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

bool Ok(const ReplyPtr &reply, const char *what) {
  if (!reply || reply->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "sso-admin: %s failed: %s\n", what,
                 reply ? reply->str : "no reply from redis");
    return false;
  }
  return true;
}

RedisPtr Connect(const Options &o) {
  timeval timeout{5, 0};
  RedisPtr c;
  if (o.redis.rfind("unix:", 0) == 0) {
    c.reset(redisConnectUnixWithTimeout(o.redis.substr(5).c_str(), timeout));
  } else {
    auto colon = o.redis.rfind(':');
    std::string host = colon == std::string::npos ? o.redis : o.redis.substr(0, colon);
    int port = colon == std::string::npos ? 6379 : std::atoi(o.redis.c_str() + colon + 1);
    c.reset(redisConnectWithTimeout(host.c_str(), port, timeout));
  }
  if (!c || c->err) {
    std::fprintf(stderr, "sso-admin: cannot connect to redis %s: %s\n", o.redis.c_str(),
                 c ? c->errstr : "out of memory");
    return nullptr;
  }
  if (!o.password_file.empty()) {
    std::ifstream in(o.password_file);
    std::string password;
    std::getline(in, password);
    if (!in && password.empty()) {
      std::fprintf(stderr, "sso-admin: cannot read %s\n", o.password_file.c_str());
      return nullptr;
    }
    sso_str args[] = {{"AUTH", 4}, Str(password)};
    if (!Ok(Run(c.get(), {2, args}), "AUTH")) return nullptr;
  }
  std::string db = std::to_string(o.db);
  sso_str select[] = {{"SELECT", 6}, Str(db)};
  if (!Ok(Run(c.get(), {2, select}), "SELECT")) return nullptr;
  return c;
}

int Fail(const char *what, sso_status status) {
  std::fprintf(stderr, "sso-admin: %s: %s (%s)\n", what, sso_status_name(status),
               sso_status_message(status));
  return 1;
}

int Create(redisContext *c, sso_txn *txn, const Options &o) {
  std::vector<sso_str> groups, roles;
  for (const auto &g : o.groups) groups.push_back(Str(g));
  for (const auto &r : o.roles) roles.push_back(Str(r));
  std::vector<sso_attribute> attributes;
  for (const auto &[k, v] : o.attributes) attributes.push_back({Str(k), Str(v)});
  sso_identity identity{Str(o.provider), Str(o.subject), Str(o.issuer),     Str(o.user),
                        Str(o.email),    Str(o.name),    groups.data(),     groups.size(),
                        roles.data(),    roles.size(),   attributes.data(), attributes.size()};
  uint8_t random[32];
  if (RAND_bytes(random, sizeof random) != 1) return Fail("RAND_bytes", SSO_ERR_INTERNAL);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  sso_session_plan plan;
  if (sso_status s = sso_session_plan_create(txn, &identity, random, sizeof random, now, &plan);
      s != SSO_OK)
    return Fail("session create", s);
  for (size_t i = 0; i < plan.commands_count; ++i)
    if (!Ok(Run(c, plan.commands[i]), "session write")) return 1;
  std::printf("%.*s\n", static_cast<int>(plan.cookie_value.len), plan.cookie_value.data);
  return 0;
}

int Revoke(redisContext *c, sso_txn *txn, const Options &o) {
  sso_command command;
  if (sso_status s = sso_revoke_plan_begin(txn, Str(o.provider), Str(o.subject), &command);
      s != SSO_OK)
    return Fail("revoke", s);
  ReplyPtr members = Run(c, command);
  if (!Ok(members, "SMEMBERS")) return 1;
  std::vector<sso_str> names;
  for (size_t i = 0; i < members->elements; ++i)
    names.push_back({members->element[i]->str, members->element[i]->len});
  sso_command publish;
  if (sso_status s = sso_revoke_plan_finish(txn, names.data(), names.size(), &command, &publish);
      s != SSO_OK)
    return Fail("revoke", s);
  ReplyPtr deleted = Run(c, command);
  if (!Ok(deleted, "DEL")) return 1;
  // Every nginx worker drops these sessions from its cache now, not at cache expiry.
  if (!Ok(Run(c, publish), "PUBLISH")) return 1;
  // DEL counts the index key too when it existed.
  long long sessions = deleted->integer > 0 ? deleted->integer - 1 : 0;
  std::printf("%lld\n", sessions);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  if (!ParseArgs(argc, argv, o) || o.provider.empty() || o.subject.empty()) return Usage();
  sso_engine_config config{Str(o.prefix), {"sso", 3},         1, o.ttl_ms,
                           o.idle_ms,     {"/sso/login", 10}, 0, {nullptr, 0}};
  sso_engine *raw_engine = nullptr;
  if (sso_status s = sso_engine_create(&config, &raw_engine); s != SSO_OK)
    return Fail("configuration", s);
  std::unique_ptr<sso_engine, EngineFree> engine(raw_engine);
  sso_txn *raw_txn = nullptr;
  if (sso_status s = sso_txn_create(engine.get(), &raw_txn); s != SSO_OK) return Fail("txn", s);
  std::unique_ptr<sso_txn, TxnFree> txn(raw_txn);

  RedisPtr c = Connect(o);
  if (!c) return 1;
  return o.verb == "create" ? Create(c.get(), txn.get(), o) : Revoke(c.get(), txn.get(), o);
}
