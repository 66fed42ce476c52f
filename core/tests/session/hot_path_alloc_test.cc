// The hot path allocates nothing on the heap: a request whose session is in the worker's cache
// takes a transaction from the engine's free list, finds the session, reads the identity and
// gives the transaction back, all without operator new. (This file replaces the global
// operator new of the test binary to count; it counts only inside the measured section.)
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <array>
#include <cstddef>
#include <cstdlib>
#include <new>

#include "support/jwt_fixtures.h"
#include "support/test_support.h"

namespace {
bool g_counting = false;
long g_allocations = 0;
}  // namespace

// Every form of operator new and delete is replaced, so that whatever allocates (the standard
// library's nothrow temporary buffers, a library's aligned new) is freed by its own kind:
// AddressSanitizer checks that they match.
namespace {
void *Allocate(std::size_t size, std::size_t alignment = 0) {
  if (g_counting) ++g_allocations;
  if (size == 0) size = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(size);
  void *p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}
void *AllocateOrThrow(std::size_t size, std::size_t alignment = 0) {
  if (void *p = Allocate(size, alignment)) return p;
  throw std::bad_alloc();
}
}  // namespace

void *operator new(std::size_t size) { return AllocateOrThrow(size); }
void *operator new[](std::size_t size) { return AllocateOrThrow(size); }
void *operator new(std::size_t size, const std::nothrow_t &) noexcept { return Allocate(size); }
void *operator new[](std::size_t size, const std::nothrow_t &) noexcept { return Allocate(size); }
void *operator new(std::size_t size, std::align_val_t a) {
  return AllocateOrThrow(size, static_cast<std::size_t>(a));
}
void *operator new[](std::size_t size, std::align_val_t a) {
  return AllocateOrThrow(size, static_cast<std::size_t>(a));
}
void *operator new(std::size_t size, std::align_val_t a, const std::nothrow_t &) noexcept {
  return Allocate(size, static_cast<std::size_t>(a));
}
void *operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t &) noexcept {
  return Allocate(size, static_cast<std::size_t>(a));
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { std::free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { std::free(p); }
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept { std::free(p); }

namespace {

using namespace sso_test;

constexpr int64_t kNow = 1'700'000'000'000;

std::string PrivatePem(EVP_PKEY *key) {
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char *data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

// An engine with its session cache on, one session of `id` in the store, and requests for it
// through the C API as the module makes them, counting operator new around each.
class HotPath : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.cache_ms = 60000;
    engine_ = MakeEngine(o);
    ASSERT_TRUE(engine_);
    sso_engine_cache_set_enabled(engine_.get(), 1);
  }

  void MakeSession(const sso_identity &id) {
    std::array<uint8_t, 32> random{9};
    auto txn = MakeTxn(engine_.get());
    sso_session_plan plan;
    ASSERT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, kNow, &plan), SSO_OK);
    cookie_ = Str(plan.cookie_value);
    record_ = Args(plan.commands[0])[2];
  }

  // The first request reads the store (and fills the cache and the engine's free list).
  long Request(int64_t now, bool count, const sso_access_rules *rules = nullptr,
               bool token = false) {
    sso_gate_request req{S("GET"), S("/"), S(""), S(""), S(""), S(cookie_), now, rules};
    sso_txn *txn = nullptr;
    g_allocations = 0;
    g_counting = count;
    EXPECT_EQ(sso_txn_create(engine_.get(), &txn), SSO_OK);
    sso_step step;
    EXPECT_EQ(sso_gate_begin(txn, &req, &step), SSO_OK);
    if (step.kind == SSO_STEP_SESSION_READ) {
      sso_store_reply reply{SSO_REPLY_STRING, S(record_), 0, SSO_OK};
      EXPECT_EQ(AnswerSessionRead(engine_.get(), txn, step.read_id, reply, now, &step), SSO_OK);
    }
    EXPECT_EQ(step.kind, SSO_STEP_ALLOW);
    EXPECT_EQ(Str(sso_txn_identity_field(txn, SSO_FIELD_USER)), "42");
    if (token) EXPECT_NE(sso_txn_identity_token(txn, S(""), now).len, 0u);
    sso_txn_recycle(txn);
    g_counting = false;
    return g_allocations;
  }

  EnginePtr engine_;
  std::string cookie_, record_;
};

TEST_F(HotPath, ACachedSessionCostsNoHeapAllocation) {
  MakeSession({S("corp"), S("s"), S(""), S("42"), S("a@corp.example"), S("A"), nullptr, 0, nullptr,
               0, nullptr, 0});
  Request(kNow, false);
  EXPECT_EQ(Request(kNow + 1, true), 0) << "a cache hit allocates nothing";
  EXPECT_EQ(Request(kNow + 2, true), 0);
}

TEST_F(HotPath, RulesAndAReusedIdentityTokenCostNoHeapAllocationEither) {
  std::string pem = PrivatePem(jwt_test::Generate("EC", "P-256").get());
  sso_str keys[] = {S(pem)};
  sso_identity_token_config token{keys, 1, S("https://app.test.invalid"), 60000};
  ASSERT_EQ(sso_engine_set_identity_token(engine_.get(), &token), SSO_OK);
  sso_access_rules *rules = nullptr;
  sso_str group[] = {S("group"), S("engineering")};
  sso_str domain[] = {S("email_domain"), S("corp.example")};
  ASSERT_EQ(sso_access_rules_add(&rules, group, 2, S("t:1")), SSO_OK);
  ASSERT_EQ(sso_access_rules_add(&rules, domain, 2, S("t:2")), SSO_OK);
  sso_str groups[] = {S("engineering")};
  MakeSession({S("corp"), S("s"), S(""), S("42"), S("a@eng.corp.example"), S("A"), groups, 1,
               nullptr, 0, nullptr, 0});
  Request(kNow, false, rules, true);  // the session cached, the token signed once
  EXPECT_EQ(Request(kNow + 1000, true, rules, true), 0) << "two rules and the token, reused";
  sso_access_rules_destroy(rules);
}

}  // namespace
