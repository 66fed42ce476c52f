// Session cache hits in one process, without nginx or the network: nanoseconds per hit with
// 1, 1,000 and 100,000 cached sessions, a random one per lookup (the lookup, its checks, the
// eviction bookkeeping, and reading the user id and email as the identity variables do).
// What scripts/bench's 100,000-session row pays for memory latency, measured alone.
//   cache_bench [--lookups N]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "session/cache.h"

namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr size_t kCookieLength = 43;  // a session id: 32 random bytes, base64url

uint64_t Next(uint64_t &state) {  // xorshift64*: cheap enough not to be measured
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

std::shared_ptr<const sso::ValidSession> Session(size_t i) {
  auto s = std::make_shared<sso::ValidSession>();
  s->record.identity.provider = "bench";
  s->record.identity.subject = "bench-" + std::to_string(i);
  s->record.identity.user = "4242";
  s->record.identity.email = "bench-" + std::to_string(i) + "@example.com";
  s->record.identity.groups = {"engineering"};
  s->groups = "engineering";
  s->record.expires_ms = kNow + 8 * 3600 * 1000LL;
  return s;
}

// Session i's cookie, computed rather than stored: a request's own cookie is in the CPU's
// cache already, and a table of 100,000 cookies would not be.
void CookieOf(size_t i, char *out) {
  uint64_t state = 0x9E3779B97F4A7C15ULL * (i + 1);
  for (size_t j = 0; j < kCookieLength; ++j)
    out[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[Next(state) % 64];
}

}  // namespace

int main(int argc, char **argv) {
  long long lookups = 4'000'000;
  if (argc == 3 && std::strcmp(argv[1], "--lookups") == 0) lookups = std::atoll(argv[2]);
  char cookie[kCookieLength];
  uint64_t state = 88172645463325252ULL;
  // what the loop costs without the cache: picking a session and computing its cookie
  size_t sink = 0;
  auto start = std::chrono::steady_clock::now();
  for (long long n = 0; n < lookups; ++n) {
    CookieOf(Next(state) % 100000, cookie);
    sink += static_cast<unsigned char>(cookie[n % kCookieLength]);
  }
  const double loop_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(lookups);
  std::printf("(the loop itself: %.1f ns per lookup, subtracted below; %zu)\n", loop_ns, sink);

  for (size_t count : {size_t{1}, size_t{1000}, size_t{100000}}) {
    sso::SessionCache cache(300'000, 100'000, 1'800'000);
    cache.SetEnabled(true);
    for (size_t i = 0; i < count; ++i) {
      CookieOf(i, cookie);
      cache.Insert({cookie, kCookieLength}, "digest-" + std::to_string(i), Session(i), kNow,
                   cache.generation());
    }
    size_t bytes = 0, misses = 0;
    start = std::chrono::steady_clock::now();
    for (long long n = 0; n < lookups; ++n) {
      CookieOf(Next(state) % count, cookie);
      auto hit = cache.Find({cookie, kCookieLength}, kNow + 1000);
      if (!hit) {
        ++misses;
        continue;
      }
      bytes += hit->record.identity.user.size();  // $sso_user, as scripts/bench sends it
    }
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
        static_cast<double>(lookups);
    std::printf("%7zu sessions: %6.1f ns per hit  (misses %zu, %zu bytes read)\n", count,
                ns - loop_ns, misses, bytes);
  }
  return 0;
}
