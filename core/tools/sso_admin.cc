// sso-admin: sessions and account records from the command line, through the same C interface
// (and so the same record format, keys and revocation path) that the nginx module uses.
//
//   sso-admin [store options] [--json] session create --provider P --subject S [identity options]
//   sso-admin [store options] [--json] session list   PERSON
//   sso-admin [store options] [hook options] [--json] session revoke PERSON
//   sso-admin [store options] [--json] account show --issuer I --subject S
//
// PERSON is --provider P --subject S, or --user U (the app's user id), or --email E, each at
// every provider. Exit codes: 0 done; 1 the store or the core failed (the message says which);
// 2 a usage error; 3 sessions ended but the app could not be told; 4 nothing found (no
// session to list, no account record). With the hook options (the values of
// sso_provision_hook), a revocation tells the app like any other logout ("reason": "admin");
// its audit line goes to stderr.
#include <curl/curl.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "redis_link.h"
#include "sso/sso.h"

namespace {

using sso_admin::RedisLink;
using sso_admin::ReplyPtr;

struct EngineFree {
  void operator()(sso_engine *e) const { sso_engine_destroy(e); }
};
struct TxnFree {
  void operator()(sso_txn *t) const { sso_txn_destroy(t); }
};

struct Options {
  std::string redis = "127.0.0.1:6379";
  int db = 0;
  std::string prefix = "sso:";
  std::string password_file, redis_user;
  bool tls = false;
  std::string tls_ca, tls_name;
  int64_t ttl_ms = 8 * 3600 * 1000LL;
  int64_t idle_ms = 30 * 60 * 1000LL;
  std::string hook_url, hook_secret_file;
  int64_t hook_timeout_ms = 5000;
  std::string object, verb;
  bool json = false;
  bool help = false;
  std::string provider, subject, issuer, user, email, name;
  std::vector<std::string> groups, roles;
  std::vector<std::pair<std::string, std::string>> attributes;
};

constexpr const char kUsage[] =
    "usage: sso-admin [--redis HOST:PORT|unix:PATH] [--db N] [--prefix P]\n"
    "                 [--redis-user NAME] [--password-file F]\n"
    "                 [--tls [--tls-ca FILE] [--tls-name NAME]]\n"
    "                 [--ttl DUR] [--idle DUR] [--json]\n"
    "                 session create --provider P --subject S [--issuer I] [--user U]\n"
    "                        [--email E] [--name N] [--group G]... [--role R]...\n"
    "                        [--attr NAME=VALUE]...\n"
    "                 session list PERSON\n"
    "                 [--hook URL --hook-secret-file F [--hook-timeout DUR]]\n"
    "                 session revoke PERSON\n"
    "                 account show --issuer I --subject S\n"
    "PERSON: --provider P --subject S | --user U (the app's user id) | --email E\n"
    "DUR: 30s, 15m, 8h, 1d, 500ms (like nginx time values); --ttl and --idle as in sso_session\n"
    "exit: 0 done, 1 store or core failure, 2 usage, 3 sessions ended but the app was not\n"
    "      told, 4 nothing found\n";

int Usage(const char *why = nullptr) {
  if (why) std::fprintf(stderr, "sso-admin: %s\n", why);
  std::fputs(kUsage, stderr);
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
    if (arg == "--json" || arg == "--help" || arg == "--tls") {
      (arg == "--json" ? o.json : arg == "--help" ? o.help : o.tls) = true;
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
    else if (arg == "--redis-user")
      o.redis_user = *v;
    else if (arg == "--tls-ca")
      o.tls_ca = *v;
    else if (arg == "--tls-name")
      o.tls_name = *v;
    else if (arg == "--ttl" || arg == "--idle" || arg == "--hook-timeout") {
      auto ms = ParseDurationMs(*v);
      if (!ms) return false;
      (arg == "--ttl" ? o.ttl_ms : arg == "--idle" ? o.idle_ms : o.hook_timeout_ms) = *ms;
    } else if (arg == "--hook")
      o.hook_url = *v;
    else if (arg == "--hook-secret-file")
      o.hook_secret_file = *v;
    else if (arg == "--provider")
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
  return (o.object == "session" &&
          (o.verb == "create" || o.verb == "revoke" || o.verb == "list")) ||
         (o.object == "account" && o.verb == "show");
}

// What PERSON names in list and revoke: exactly one of a subject, a user id, an email.
bool PersonOf(const Options &o, sso_admin_by &by, std::string &provider, std::string &value,
              const char *&why) {
  int named = !o.subject.empty() + !o.user.empty() + !o.email.empty();
  why = "name the person by one of --provider P --subject S, --user U, --email E";
  if (named != 1) return false;
  if (!o.subject.empty()) {
    why = "--subject needs --provider";
    if (o.provider.empty()) return false;
    by = SSO_ADMIN_BY_SUBJECT, provider = o.provider, value = o.subject;
    return true;
  }
  why = "--user and --email name a person at every provider: no --provider";
  if (!o.provider.empty()) return false;
  by = o.user.empty() ? SSO_ADMIN_BY_EMAIL : SSO_ADMIN_BY_USER;
  value = o.user.empty() ? o.email : o.user;
  return true;
}

sso_str Str(const std::string &s) { return {s.data(), s.size()}; }

ReplyPtr Run(RedisLink &c, const sso_command &command) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (size_t i = 0; i < command.argc; ++i) {
    argv.push_back(command.argv[i].data);
    lens.push_back(command.argv[i].len);
  }
  return c.Command(static_cast<int>(argv.size()), argv.data(), lens.data());
}

// `secret`: the reply of AUTH is not shown (it could echo what was sent).
bool Ok(RedisLink &c, const ReplyPtr &reply, const char *what, bool secret = false) {
  if (!reply || reply->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "sso-admin: %s failed: %s\n", what,
                 !reply   ? c.Error().c_str()
                 : secret ? "refused (check --redis-user and --password-file)"
                          : reply->str);
    return false;
  }
  return true;
}

std::unique_ptr<RedisLink> Connect(const Options &o) {
  if (o.redis_user.size() && o.password_file.empty()) {
    std::fprintf(stderr, "sso-admin: --redis-user needs --password-file\n");
    return nullptr;
  }
  if (!o.tls && (o.tls_ca.size() || o.tls_name.size())) {
    std::fprintf(stderr, "sso-admin: --tls-ca and --tls-name need --tls\n");
    return nullptr;
  }
  auto c = std::make_unique<RedisLink>();
  if (!c->Open({o.redis, o.tls, o.tls_ca, o.tls_name, 5000})) {
    std::fprintf(stderr, "sso-admin: cannot connect to redis %s: %s\n", o.redis.c_str(),
                 c->Error().c_str());
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
    // AUTH [user] password: with a user, a Redis 6+ ACL user
    std::vector<sso_str> args{{"AUTH", 4}};
    if (!o.redis_user.empty()) args.push_back(Str(o.redis_user));
    args.push_back(Str(password));
    if (!Ok(*c, Run(*c, {args.size(), args.data()}), "AUTH", true)) return nullptr;
  }
  std::string db = std::to_string(o.db);
  sso_str select[] = {{"SELECT", 6}, Str(db)};
  if (!Ok(*c, Run(*c, {2, select}), "SELECT")) return nullptr;
  return c;
}

int Fail(const char *what, sso_status status) {
  std::fprintf(stderr, "sso-admin: %s: %s (%s)\n", what, sso_status_name(status),
               sso_status_message(status));
  return 1;
}

int Create(RedisLink &c, sso_txn *txn, const Options &o) {
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
    if (!Ok(c, Run(c, plan.commands[i]), "session write")) return 1;
  std::string cookie(plan.cookie_value.data, plan.cookie_value.len);
  if (o.json)
    std::printf("%s\n", nlohmann::json{{"cookie", cookie}}.dump().c_str());
  else
    std::printf("%s\n", cookie.c_str());
  return 0;
}

// A store step's commands, run in order; the replies as the core reads them.
bool RunStoreStep(RedisLink &c, const sso_step &step, std::vector<ReplyPtr> &owned,
                  std::vector<sso_store_reply> &replies) {
  for (size_t i = 0; i < step.commands_count; ++i) {
    ReplyPtr reply = Run(c, step.commands[i]);
    if (!reply) {
      std::fprintf(stderr, "sso-admin: redis: no reply (%s)\n", c.Error().c_str());
      return false;
    }
    sso_store_reply r{SSO_REPLY_NIL, {"", 0}, 0, SSO_OK};
    switch (reply->type) {
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS:
        r = {SSO_REPLY_STRING, {reply->str, reply->len}, 0, SSO_OK};
        break;
      case REDIS_REPLY_INTEGER:
        r = {SSO_REPLY_INTEGER, {"", 0}, reply->integer, SSO_OK};
        break;
      case REDIS_REPLY_ERROR:
        std::fprintf(stderr, "sso-admin: redis: %s\n", reply->str);
        r = {SSO_REPLY_ERROR, {reply->str, reply->len}, 0, SSO_STORE_ERROR_REPLY};
        break;
      default:
        break;
    }
    replies.push_back(r);
    owned.push_back(std::move(reply));
  }
  return true;
}

struct CurlFree {
  void operator()(CURL *c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist *l) const { curl_slist_free_all(l); }
};

// The hook call the core asked for; the answer's status, 0 when there was none.
int CallHook(const sso_step &step) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return 0;
  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add = [&](const std::string &line) {
    curl_slist *next = curl_slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  std::string lines(step.http.headers.data, step.http.headers.len);
  for (size_t start = 0; start < lines.size();) {
    size_t end = lines.find("\r\n", start);
    if (end == std::string::npos) end = lines.size();
    if (end > start) add(lines.substr(start, end - start));
    start = end + 2;
  }
  if (step.http.content_type.len)
    add("Content-Type: " + std::string(step.http.content_type.data, step.http.content_type.len));
  add("Expect:");  // no 100-continue round trip
  std::string url(step.http.url.data, step.http.url.len);
  CURL *c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, step.http.body.data);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(step.http.body.len));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(step.http.timeout_ms));
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char *, size_t size, size_t n, void *) { return size * n; });
  if (CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
    std::fprintf(stderr, "sso-admin: the hook did not answer: %s\n", curl_easy_strerror(rc));
    return 0;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

std::string RequestId() {
  uint8_t bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "sso-admin";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint8_t b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xf]);
  }
  return id;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A flow of the core, driven step by step (the store, perhaps the app's hook) to its last
// step, a PAGE with a JSON body; nullopt (and the message printed) if it failed.
std::optional<std::string> Drive(RedisLink &c, sso_txn *txn, sso_step step, const char *what) {
  for (int steps = 0; steps < 8; ++steps) {
    sso_status s = SSO_OK;
    if (step.kind == SSO_STEP_STORE) {
      std::vector<ReplyPtr> owned;
      std::vector<sso_store_reply> replies;
      if (!RunStoreStep(c, step, owned, replies)) return std::nullopt;
      s = sso_flow_resume(txn, replies.data(), replies.size(), NowMs(), &step);
    } else if (step.kind == SSO_STEP_HTTP) {
      s = sso_flow_resume_http(txn, CallHook(step), {"", 0}, NowMs(), &step);
    } else if (step.kind == SSO_STEP_PAGE) {
      if (step.audit.len)
        std::fprintf(stderr, "%.*s\n", static_cast<int>(step.audit.len), step.audit.data);
      return std::string(step.body.data, step.body.len);
    } else {
      Fail(what, step.reason);
      return std::nullopt;
    }
    if (s != SSO_OK) {
      Fail(what, s);
      return std::nullopt;
    }
  }
  Fail(what, SSO_ERR_BAD_STATE);
  return std::nullopt;
}

using Json = nlohmann::json;

// An ISO 8601 UTC time for a person to read.
std::string Time(const Json &ms) {
  if (!ms.is_number_integer()) return "-";
  std::time_t seconds = static_cast<std::time_t>(ms.get<int64_t>() / 1000);
  std::tm tm{};
  char text[32];
  if (!gmtime_r(&seconds, &tm) || !std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm))
    return "-";
  return text;
}

std::string Text(const Json &value) {
  return value.is_string() && !value.get<std::string>().empty() ? value.get<std::string>() : "-";
}

int Revoke(RedisLink &c, sso_txn *txn, const Options &o) {
  sso_admin_by by;
  std::string provider, value;
  const char *why = nullptr;
  if (!PersonOf(o, by, provider, value, why)) return Usage(why);
  std::string request_id = RequestId();
  sso_step step;
  if (sso_status s =
          sso_admin_revoke_by(txn, by, Str(provider), Str(value), Str(request_id), &step);
      s != SSO_OK)
    return Fail("revoke", s);
  auto body = Drive(c, txn, step, "revoke");
  if (!body) return 1;
  // {"app":"...","sessions":N,"user":"..."}
  Json result = Json::parse(*body, nullptr, false);
  if (!result.is_object()) return Fail("the core's answer", SSO_ERR_INTERNAL);
  long long sessions = result.value("sessions", 0LL);
  std::string app = result.value("app", "");
  if (o.json)
    std::printf("%s\n", body->c_str());
  else
    std::printf("%lld\n", sessions);
  if (sessions > 0 && app != "told" && app != "no hook") {
    std::fprintf(stderr, "sso-admin: %lld session(s) ended, but the app was not told (%s)\n",
                 sessions, app.c_str());
    return 3;
  }
  return 0;
}

int List(RedisLink &c, sso_txn *txn, const Options &o) {
  sso_admin_by by;
  std::string provider, value;
  const char *why = nullptr;
  if (!PersonOf(o, by, provider, value, why)) return Usage(why);
  sso_step step;
  if (sso_status s = sso_admin_sessions_begin(txn, by, Str(provider), Str(value), NowMs(), &step);
      s != SSO_OK)
    return Fail("list", s);
  auto body = Drive(c, txn, step, "list");
  if (!body) return 1;
  Json result = Json::parse(*body, nullptr, false);
  if (!result.is_object()) return Fail("the core's answer", SSO_ERR_INTERNAL);
  const Json &sessions = result["sessions"];
  if (o.json) {
    std::printf("%s\n", body->c_str());
  } else {
    std::printf("%-12s  %-20s  %-20s  %-20s  %-20s  %-20s  %s\n", "SESSION", "PROVIDER:SUBJECT",
                "USER", "CREATED", "EXPIRES", "LAST SEEN", "EMAIL");
    for (const Json &s : sessions)
      std::printf("%-12s  %-20s  %-20s  %-20s  %-20s  %-20s  %s\n", Text(s["session"]).c_str(),
                  (Text(s["provider"]) + ":" + Text(s["subject"])).c_str(), Text(s["user"]).c_str(),
                  Time(s["created_ms"]).c_str(), Time(s["expires_ms"]).c_str(),
                  Time(s["last_seen_ms"]).c_str(), Text(s["email"]).c_str());
    if (result.value("truncated", false))
      std::fprintf(stderr, "sso-admin: only the first sessions of the index were read\n");
  }
  return sessions.empty() ? 4 : 0;
}

int Account(RedisLink &c, sso_txn *txn, const Options &o) {
  if (o.subject.empty()) return Usage("account show needs --issuer I --subject S");
  sso_step step;
  if (sso_status s = sso_admin_account_begin(txn, Str(o.issuer), Str(o.subject), NowMs(), &step);
      s != SSO_OK)
    return Fail("account show", s);
  auto body = Drive(c, txn, step, "account show");
  if (!body) return 1;
  Json result = Json::parse(*body, nullptr, false);
  if (!result.is_object()) return Fail("the core's answer", SSO_ERR_INTERNAL);
  bool found = result.value("found", false);
  if (o.json) {
    std::printf("%s\n", body->c_str());
  } else if (found) {
    std::string roles;
    for (const Json &role : result["roles"]) roles += (roles.empty() ? "" : ",") + Text(role);
    std::printf("user: %s\nroles: %s\nprovisioned: %s\nexpires: %s\n", Text(result["user"]).c_str(),
                roles.empty() ? "-" : roles.c_str(), Time(result["provisioned_ms"]).c_str(),
                Time(result["expires_ms"]).c_str());
  }
  if (!found)
    std::fprintf(stderr, "sso-admin: no account record for issuer \"%s\", subject \"%s\"\n",
                 o.issuer.c_str(), o.subject.c_str());
  return found ? 0 : 4;
}

bool SetHook(sso_engine *engine, const Options &o) {
  if (o.hook_url.empty() && o.hook_secret_file.empty()) return true;
  std::ifstream in(o.hook_secret_file);
  std::string secret;
  std::getline(in, secret);
  if (o.hook_url.empty() || secret.empty()) {
    std::fprintf(stderr, "sso-admin: --hook needs --hook-secret-file with the hook's secret\n");
    return false;
  }
  sso_provisioning_config hook{Str(o.hook_url), Str(secret), o.hook_timeout_ms, 0};
  if (sso_status s = sso_engine_set_provisioning(engine, &hook); s != SSO_OK) {
    Fail("--hook", s);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  bool parsed = ParseArgs(argc, argv, o);
  if (o.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parsed) return Usage();
  if (o.verb == "create" && (o.provider.empty() || o.subject.empty()))
    return Usage("session create needs --provider P --subject S");
  if (o.object == "session" && o.verb != "create") {
    sso_admin_by by;
    std::string provider, value;
    const char *why = nullptr;
    if (!PersonOf(o, by, provider, value, why)) return Usage(why);
  }
  if (o.object == "account" && o.subject.empty())
    return Usage("account show needs --issuer I --subject S");
  sso_engine_config config{Str(o.prefix), {"sso", 3},         1, o.ttl_ms,
                           o.idle_ms,     {"/sso/login", 10}, 0, {nullptr, 0}};
  sso_engine *raw_engine = nullptr;
  if (sso_status s = sso_engine_create(&config, &raw_engine); s != SSO_OK)
    return Fail("configuration", s);
  std::unique_ptr<sso_engine, EngineFree> engine(raw_engine);
  if (!SetHook(engine.get(), o)) return 2;
  sso_txn *raw_txn = nullptr;
  if (sso_status s = sso_txn_create(engine.get(), &raw_txn); s != SSO_OK) return Fail("txn", s);
  std::unique_ptr<sso_txn, TxnFree> txn(raw_txn);

  auto c = Connect(o);
  if (!c) return 1;
  if (o.object == "account") return Account(*c, txn.get(), o);
  if (o.verb == "create") return Create(*c, txn.get(), o);
  if (o.verb == "list") return List(*c, txn.get(), o);
  return Revoke(*c, txn.get(), o);
}
