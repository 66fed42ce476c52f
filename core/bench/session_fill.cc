// Many live sessions at once, for scripts/bench: the same records, index entries and TTLs
// the module writes at login (sso_session_plan_create, as sso-admin's `session create` does),
// but as Redis commands in RESP on stdout, for `redis-cli --pipe`, and the cookie values one
// per line in a file. One process for all of them: 100,000 sessions take about a second.
//   session_fill --count N --cookies FILE [--prefix sso:] [--ttl MS] [--idle MS]
//                [--provider P] [--user U] [--group G]  > commands.resp
// Session i (0-based) has subject "bench-<i>", email "bench-<i>@example.com", the given user
// id (default 4242, so every session answers with the same identity) and group (default
// engineering).
#include <openssl/rand.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sso/sso.h"

namespace {

sso_str Str(const std::string &s) { return {s.data(), s.size()}; }

void AppendResp(std::string &out, const sso_command &command) {
  out += '*';
  out += std::to_string(command.argc);
  out += "\r\n";
  for (size_t i = 0; i < command.argc; ++i) {
    out += '$';
    out += std::to_string(command.argv[i].len);
    out += "\r\n";
    out.append(command.argv[i].data, command.argv[i].len);
    out += "\r\n";
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: session_fill --count N --cookies FILE [--prefix sso:] [--ttl MS] "
               "[--idle MS]\n"
               "                    [--provider P] [--user U] [--group G]  > commands.resp\n");
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  long long count = -1;
  std::string cookies_path, prefix = "sso:", provider = "bench", user = "4242",
                            group = "engineering";
  int64_t ttl_ms = 8 * 3600 * 1000LL, idle_ms = 30 * 60 * 1000LL;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--count")
      count = std::atoll(value.c_str());
    else if (arg == "--cookies")
      cookies_path = value;
    else if (arg == "--prefix")
      prefix = value;
    else if (arg == "--ttl")
      ttl_ms = std::atoll(value.c_str());
    else if (arg == "--idle")
      idle_ms = std::atoll(value.c_str());
    else if (arg == "--provider")
      provider = value;
    else if (arg == "--user")
      user = value;
    else if (arg == "--group")
      group = value;
    else
      return Usage();
  }
  if (argc % 2 == 0 || count <= 0 || cookies_path.empty() || ttl_ms <= 0 || idle_ms < 0)
    return Usage();

  // The cookie name and login URL play no part in the records; no session cache.
  sso_engine_config config{};
  config.key_prefix = Str(prefix);
  config.cookie_name = {"sso", 3};
  config.cookie_secure = 1;
  config.ttl_ms = ttl_ms;
  config.idle_ms = idle_ms;
  config.login_url = {"/sso/login", 10};
  sso_engine *engine = nullptr;
  sso_txn *txn = nullptr;
  if (sso_status s = sso_engine_create(&config, &engine); s != SSO_OK) {
    std::fprintf(stderr, "session_fill: configuration: %s\n", sso_status_message(s));
    return 1;
  }
  if (sso_status s = sso_txn_create(engine, &txn); s != SSO_OK) {
    std::fprintf(stderr, "session_fill: txn: %s\n", sso_status_message(s));
    return 1;
  }
  std::FILE *cookies = std::fopen(cookies_path.c_str(), "w");
  if (cookies == nullptr) {
    std::perror(cookies_path.c_str());
    return 1;
  }

  sso_str groups[] = {Str(group)};
  std::string out;
  out.reserve(1 << 20);
  for (long long i = 0; i < count; ++i) {
    std::string subject = "bench-" + std::to_string(i);
    std::string email = subject + "@example.com";
    sso_identity identity{Str(provider), Str(subject),
                          {"", 0},       Str(user),
                          Str(email),    {"", 0},
                          groups,        1,
                          nullptr,       0,
                          nullptr,       0};
    uint8_t random[32];
    if (RAND_bytes(random, sizeof random) != 1) {
      std::fprintf(stderr, "session_fill: RAND_bytes failed\n");
      return 1;
    }
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    sso_session_plan plan;
    if (sso_status s = sso_session_plan_create(txn, &identity, random, sizeof random, now, &plan);
        s != SSO_OK) {
      std::fprintf(stderr, "session_fill: session %lld: %s\n", i, sso_status_message(s));
      return 1;
    }
    for (size_t c = 0; c < plan.commands_count; ++c) AppendResp(out, plan.commands[c]);
    std::fprintf(cookies, "%.*s\n", static_cast<int>(plan.cookie_value.len),
                 plan.cookie_value.data);
    if (out.size() >= (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  sso_txn_destroy(txn);
  sso_engine_destroy(engine);
  bool ok = std::fflush(stdout) == 0 && !std::ferror(stdout);
  ok = std::fclose(cookies) == 0 && ok;
  if (!ok) std::fprintf(stderr, "session_fill: write failed\n");
  return ok ? 0 : 1;
}
