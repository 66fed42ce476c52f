// The per-process session cache: hits skip the store, and nothing stale or revoked is served.
#include "session/cache.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <tuple>
#include <vector>

#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;

constexpr int64_t kNow = 1'700'000'000'000;

std::shared_ptr<const sso::ValidSession> Session(int64_t expires_ms) {
  auto s = std::make_shared<sso::ValidSession>();
  s->record.identity.provider = "corp";
  s->record.identity.subject = "s";
  s->record.expires_ms = expires_ms;
  return s;
}

TEST(SessionCache, DisabledUntilEnabledAndFlushedWhenDisabled) {
  sso::SessionCache cache(5000, 10);
  cache.Insert("d", "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_EQ(cache.Find("d", kNow), nullptr) << "a cache that was never enabled stores nothing";
  cache.SetEnabled(true);
  cache.Insert("d", "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_NE(cache.Find("d", kNow + 1), nullptr);
  cache.SetEnabled(false);
  cache.SetEnabled(true);
  EXPECT_EQ(cache.Find("d", kNow + 2), nullptr) << "disabling flushes";
}

TEST(SessionCache, EntriesAgeOutAndNeverOutliveTheSession) {
  sso::SessionCache cache(5000, 10);
  cache.SetEnabled(true);
  cache.Insert("a", "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_NE(cache.Find("a", kNow + 4999), nullptr);
  EXPECT_EQ(cache.Find("a", kNow + 5000), nullptr);
  cache.Insert("b", "digest", Session(kNow + 1000), kNow, cache.generation());
  EXPECT_EQ(cache.Find("b", kNow + 1000), nullptr) << "absolute expiry wins over the cache";
  cache.Insert("c", "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_EQ(cache.Find("c", kNow - 1), nullptr) << "a clock going back is not trusted";
}

TEST(SessionCache, BoundedSize) {
  sso::SessionCache cache(5000, 3);
  cache.SetEnabled(true);
  for (int i = 0; i < 10; ++i)
    cache.Insert(std::to_string(i), "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_LE(cache.size(), 3u);
}

TEST(SessionCache, RevocationByDigestDropsOnlyThoseSessions) {
  sso::SessionCache cache(5000, 10);
  cache.SetEnabled(true);
  cache.Insert("cookie-a", "digest-a", Session(kNow + 100000), kNow, cache.generation());
  cache.Insert("cookie-b", "digest-b", Session(kNow + 100000), kNow, cache.generation());
  std::vector<std::string_view> revoked{"digest-a", "digest-unknown"};
  uint64_t before = cache.generation();
  cache.EvictDigests(revoked);
  EXPECT_GT(cache.generation(), before);
  EXPECT_EQ(cache.Find("cookie-a", kNow + 1), nullptr);
  EXPECT_NE(cache.Find("cookie-b", kNow + 1), nullptr);
  cache.EvictCookie("cookie-b");
  EXPECT_EQ(cache.Find("cookie-b", kNow + 1), nullptr);
}

TEST(SessionCache, WhenFullAnEntryUnusedSinceTheLastSweepGoes) {
  sso::SessionCache cache(60000, 3);
  cache.SetEnabled(true);
  for (const char *c : {"a", "b", "c"})
    cache.Insert(c, std::string("digest-") + c, Session(kNow + 100000), kNow, cache.generation());
  EXPECT_NE(cache.Find("a", kNow + 1), nullptr);  // a was used
  cache.Insert("d", "digest-d", Session(kNow + 100000), kNow + 2, cache.generation());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Find("b", kNow + 3), nullptr) << "b was not used";
  EXPECT_NE(cache.Find("a", kNow + 3), nullptr);
  EXPECT_NE(cache.Find("c", kNow + 3), nullptr);
  EXPECT_NE(cache.Find("d", kNow + 3), nullptr);
  std::vector<std::string_view> revoked{"digest-c"};
  cache.EvictDigests(revoked);
  EXPECT_EQ(cache.Find("c", kNow + 4), nullptr) << "found by digest, without a scan";
  EXPECT_EQ(cache.size(), 2u);
}

// The index is open addressing with linear probing and backward-shift deletion: after any
// mix of inserts, evictions by cookie and by digest and sweeps of a full cache, every key is
// found exactly while it is in, and the size counts exactly those.
TEST(SessionCache, AnyMixOfOperationsKeepsTheIndexExact) {
  sso::SessionCache cache(600000, 24);
  cache.SetEnabled(true);
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) keys.push_back("cookie-" + std::to_string(i * 7919));
  std::set<size_t> in;  // keys that may be in: inserted and not evicted by us since
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int step = 0; step < 20000; ++step) {
    size_t k = next() % keys.size();
    switch (next() % 4) {
      case 0:
      case 1:
        cache.Insert(keys[k], "digest-" + keys[k], Session(kNow + 100000), kNow,
                     cache.generation());
        in.insert(k);
        break;
      case 2:
        cache.EvictCookie(keys[k]);
        in.erase(k);
        break;
      case 3: {
        std::string digest = "digest-" + keys[k];
        std::vector<std::string_view> revoked{digest};
        cache.EvictDigests(revoked);
        in.erase(k);
        break;
      }
    }
    size_t found = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      bool hit = cache.Find(keys[i], kNow + 1) != nullptr;
      ASSERT_TRUE(!hit || in.count(i)) << "step " << step << ": " << keys[i] << " was evicted";
      found += hit;
      if (!hit) in.erase(i);  // swept out to make room: gone for good
    }
    ASSERT_EQ(cache.size(), found) << "step " << step;
    ASSERT_LE(cache.size(), 24u);
    ASSERT_TRUE(in.count(k) == 0 || cache.Find(keys[k], kNow + 1)) << "just inserted";
  }
}

TEST(SessionCache, HitsAskForTheIdleTimeoutToBeSlidAtMostOncePerInterval) {
  sso::SessionCache cache(600000, 10, 40000);  // idle 40 s: slide every 10 s
  cache.SetEnabled(true);
  cache.Insert("a", "digest-a", Session(kNow + 10'000'000), kNow, cache.generation());
  std::string slide;
  EXPECT_NE(cache.Find("a", kNow + 9999, &slide), nullptr);
  EXPECT_EQ(slide, "") << "the read that cached it slid it";
  EXPECT_NE(cache.Find("a", kNow + 10000, &slide), nullptr);
  EXPECT_EQ(slide, "digest-a") << "due";
  slide.clear();
  EXPECT_NE(cache.Find("a", kNow + 15000, &slide), nullptr);
  EXPECT_EQ(slide, "") << "once per interval";
  EXPECT_NE(cache.Find("a", kNow + 49999, &slide), nullptr);
  EXPECT_EQ(slide, "digest-a") << "and again";
  EXPECT_EQ(cache.Find("a", kNow + 49999 + 40000), nullptr)
      << "unused for the idle timeout: the store let it expire, so does the cache";
}

TEST(SessionCache, ZeroTtlMeansNoCache) {
  sso::SessionCache cache(0, 10);
  cache.SetEnabled(true);
  cache.Insert("a", "digest", Session(kNow + 100000), kNow, cache.generation());
  EXPECT_EQ(cache.Find("a", kNow), nullptr);
}

class CachedGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.cache_ms = 5000;
    engine_ = MakeEngine(o);
    ASSERT_TRUE(engine_);
    std::array<uint8_t, 32> random{7};
    sso_identity id{S("corp"), S("s"), S(""),   S("42"), S(""),   S(""),
                    nullptr,   0,      nullptr, 0,       nullptr, 0};
    auto txn = MakeTxn(engine_.get());
    sso_session_plan plan;
    ASSERT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, kNow, &plan), SSO_OK);
    cookie_ = Str(plan.cookie_value);
    record_ = Args(plan.commands[0])[2];
  }

  sso_step Begin(TxnPtr &txn, int64_t now) {
    sso_gate_request req{S("GET"), S("/"), S(""), S(""), S(""), S(cookie_), now};
    sso_step step;
    EXPECT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
    return step;
  }

  // A full store round trip that validates the session (and fills the cache if enabled).
  void Validate(int64_t now) {
    auto txn = MakeTxn(engine_.get());
    sso_step read = Begin(txn, now);
    ASSERT_EQ(read.kind, SSO_STEP_SESSION_READ);
    sso_store_reply reply{SSO_REPLY_STRING, S(record_), 0, SSO_OK};
    sso_step step;
    ASSERT_EQ(AnswerSessionRead(engine_.get(), txn.get(), read.read_id, reply, now, &step), SSO_OK);
    ASSERT_EQ(step.kind, SSO_STEP_ALLOW);
  }

  EnginePtr engine_;
  std::string cookie_, record_;
};

TEST_F(CachedGateTest, SecondRequestIsServedFromTheCache) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  Validate(kNow);
  auto txn = MakeTxn(engine_.get());
  sso_step step = Begin(txn, kNow + 10);
  EXPECT_EQ(step.kind, SSO_STEP_ALLOW);
  EXPECT_EQ(Str(sso_txn_identity_field(txn.get(), SSO_FIELD_USER)), "42");
}

TEST_F(CachedGateTest, NoCacheWhileRevocationsCannotBeHeard) {
  Validate(kNow);  // cache never enabled
  auto txn = MakeTxn(engine_.get());
  EXPECT_EQ(Begin(txn, kNow + 10).kind, SSO_STEP_SESSION_READ);
}

TEST_F(CachedGateTest, RevocationAnnouncementEvicts) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  Validate(kNow);
  std::string message = std::string(64, 'a') + " " + sso::Sha256Hex(cookie_) + " junk";
  sso_engine_on_revocation(engine_.get(), S(message));
  auto txn = MakeTxn(engine_.get());
  EXPECT_EQ(Begin(txn, kNow + 10).kind, SSO_STEP_SESSION_READ)
      << "revoked: must ask the store again";
}

TEST_F(CachedGateTest, LocalLogoutEvicts) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  Validate(kNow);
  auto txn = MakeTxn(engine_.get());
  sso_step step;
  ASSERT_EQ(
      BeginEndpoint(
          txn.get(),
          {.method = "POST", .path = "/sso/logout", .cookie_headers = {"__Host-sso=" + cookie_}},
          &step),
      SSO_OK);
  auto next = MakeTxn(engine_.get());
  EXPECT_EQ(Begin(next, kNow + 10).kind, SSO_STEP_SESSION_READ);
}

TEST_F(CachedGateTest, RevocationHeardWhileTheStoreAnswersIsNotUndone) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  auto txn = MakeTxn(engine_.get());
  sso_step read = Begin(txn, kNow);
  ASSERT_EQ(read.kind, SSO_STEP_SESSION_READ);
  // The revocation arrives on the subscriber connection before the GETEX reply.
  std::string digest = sso::Sha256Hex(cookie_);
  sso_engine_on_revocation(engine_.get(), S(digest));
  sso_store_reply reply{SSO_REPLY_STRING, S(record_), 0, SSO_OK};
  sso_step step;
  ASSERT_EQ(AnswerSessionRead(engine_.get(), txn.get(), read.read_id, reply, kNow, &step), SSO_OK);
  EXPECT_EQ(sso_engine_cache_size(engine_.get()), 0u) << "the possibly revoked reply is not cached";
  auto next = MakeTxn(engine_.get());
  EXPECT_EQ(Begin(next, kNow + 10).kind, SSO_STEP_SESSION_READ);
}

TEST_F(CachedGateTest, ChannelNameUsesThePrefix) {
  EXPECT_EQ(Str(sso_revocation_channel(engine_.get())), "sso:revoked");
}

// Concurrent misses on one cookie: one store read for all of them (issue 14).
class SharedReadTest : public CachedGateTest {
 protected:
  sso_store_reply Reply(sso_reply_type type, std::string_view value = "") {
    return {type, S(value), 0, type == SSO_REPLY_FAILED ? SSO_STORE_TIMEOUT : SSO_OK};
  }
  std::vector<sso_txn *> Woken(uint64_t read_id) {
    std::vector<sso_txn *> woken;
    while (sso_txn *t = sso_engine_session_read_waiter(engine_.get(), read_id)) woken.push_back(t);
    return woken;
  }
};

TEST_F(SharedReadTest, ConcurrentMissesWaitOnOneRead) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  std::vector<TxnPtr> txns;
  std::vector<sso_step> steps;
  for (int i = 0; i < 3; ++i) {
    txns.push_back(MakeTxn(engine_.get()));
    steps.push_back(Begin(txns.back(), kNow));
    ASSERT_EQ(steps.back().kind, SSO_STEP_SESSION_READ);
    EXPECT_EQ(steps.back().read_id, steps[0].read_id) << "request " << i;
  }
  EXPECT_EQ(steps[0].commands_count, 1u) << "the first request sends the read";
  EXPECT_EQ(steps[1].commands_count, 0u) << "the others only wait";
  EXPECT_EQ(steps[2].commands_count, 0u);

  auto reply = Reply(SSO_REPLY_STRING, record_);
  sso_engine_session_read_done(engine_.get(), steps[0].read_id, &reply, kNow);
  EXPECT_EQ(Woken(steps[0].read_id),
            (std::vector<sso_txn *>{txns[0].get(), txns[1].get(), txns[2].get()}));
  for (auto &txn : txns) {
    sso_step step;
    ASSERT_EQ(sso_gate_resume_read(txn.get(), &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_ALLOW);
    EXPECT_EQ(Str(sso_txn_identity_field(txn.get(), SSO_FIELD_USER)), "42");
  }
  EXPECT_EQ(sso_engine_cache_size(engine_.get()), 1u);
  auto later = MakeTxn(engine_.get());
  EXPECT_EQ(Begin(later, kNow + 10).kind, SSO_STEP_ALLOW) << "cached";
}

TEST_F(SharedReadTest, ARequestAfterARevocationDoesNotJoinAnOlderRead) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  auto first = MakeTxn(engine_.get());
  sso_step before = Begin(first, kNow);
  sso_engine_on_revocation(engine_.get(), S(sso::Sha256Hex(cookie_)));
  auto second = MakeTxn(engine_.get());
  sso_step after = Begin(second, kNow);
  ASSERT_EQ(after.kind, SSO_STEP_SESSION_READ);
  EXPECT_NE(after.read_id, before.read_id);
  EXPECT_EQ(after.commands_count, 1u) << "it reads for itself: the older read may predate it";
  // and a third request joins the newer read
  auto third = MakeTxn(engine_.get());
  sso_step joined = Begin(third, kNow);
  EXPECT_EQ(joined.read_id, after.read_id);
  EXPECT_EQ(joined.commands_count, 0u);
}

TEST_F(SharedReadTest, WithoutRevocationsHeardEveryRequestReadsForItself) {
  // the cache is not enabled: the subscriber is down, or cache=0
  auto first = MakeTxn(engine_.get());
  auto second = MakeTxn(engine_.get());
  sso_step a = Begin(first, kNow), b = Begin(second, kNow);
  EXPECT_NE(a.read_id, b.read_id);
  EXPECT_EQ(b.commands_count, 1u);
}

TEST_F(SharedReadTest, ClientsThatLeaveAreNotWokenAndTheReadStillFillsTheCache) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  auto sender = MakeTxn(engine_.get()), stays = MakeTxn(engine_.get()),
       leaves = MakeTxn(engine_.get());
  sso_step read = Begin(sender, kNow);
  Begin(stays, kNow);
  Begin(leaves, kNow);
  // their requests end (the clients closed the connection), the one that sent the read too
  sso_txn_recycle(sender.release());
  sso_txn_recycle(leaves.release());
  auto reply = Reply(SSO_REPLY_STRING, record_);
  sso_engine_session_read_done(engine_.get(), read.read_id, &reply, kNow);
  EXPECT_EQ(Woken(read.read_id), std::vector<sso_txn *>{stays.get()});
  EXPECT_EQ(sso_engine_cache_size(engine_.get()), 1u);
}

TEST_F(SharedReadTest, ReadWhoseEveryWaiterLeftStillCachesAndIsForgotten) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  uint64_t read_id;
  {
    auto txn = MakeTxn(engine_.get());
    read_id = Begin(txn, kNow).read_id;
  }  // destroyed while waiting
  auto reply = Reply(SSO_REPLY_STRING, record_);
  sso_engine_session_read_done(engine_.get(), read_id, &reply, kNow);
  EXPECT_TRUE(Woken(read_id).empty());
  EXPECT_EQ(sso_engine_cache_size(engine_.get()), 1u);
  // a reply twice (the store answered twice, or a bug) changes nothing
  sso_engine_session_read_done(engine_.get(), read_id, &reply, kNow);
  EXPECT_TRUE(Woken(read_id).empty());
}

TEST_F(SharedReadTest, EveryWaiterGetsTheFailureAndOneDeletesABadRecord) {
  sso_engine_cache_set_enabled(engine_.get(), 1);
  for (auto [reply, kind, reason] :
       {std::tuple{Reply(SSO_REPLY_FAILED), SSO_STEP_ERROR, SSO_STORE_TIMEOUT},
        std::tuple{Reply(SSO_REPLY_NIL), SSO_STEP_UNAUTHORIZED, SSO_SESSION_NOT_FOUND},
        std::tuple{Reply(SSO_REPLY_STRING, "{corrupt"), SSO_STEP_UNAUTHORIZED,
                   SSO_SESSION_CORRUPT_RECORD}}) {
    auto a = MakeTxn(engine_.get()), b = MakeTxn(engine_.get());
    sso_step read = Begin(a, kNow);
    Begin(b, kNow);
    sso_engine_session_read_done(engine_.get(), read.read_id, &reply, kNow);
    EXPECT_EQ(Woken(read.read_id).size(), 2u);
    int deletes = 0;
    for (auto *txn : {a.get(), b.get()}) {
      sso_step step;
      ASSERT_EQ(sso_gate_resume_read(txn, &step), SSO_OK);
      EXPECT_EQ(step.kind, kind);
      EXPECT_EQ(step.reason, reason);
      deletes += step.cleanup.argc > 0;
    }
    EXPECT_EQ(deletes, reason == SSO_SESSION_CORRUPT_RECORD ? 1 : 0) << sso_status_name(reason);
    EXPECT_EQ(sso_engine_cache_size(engine_.get()), 0u);
  }
}

}  // namespace
