#include "session/session_id.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace {

std::array<uint8_t, 32> Bytes(uint8_t seed) {
  std::array<uint8_t, 32> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return b;
}

TEST(SessionId, EncodesAll256BitsAsBase64Url) {
  auto id = sso::EncodeSessionId(Bytes(1));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 43u);
  EXPECT_EQ(id->find_first_of("+/="), std::string::npos);
  EXPECT_TRUE(sso::IsWellFormedSessionId(*id));
}

TEST(SessionId, DistinctBytesGiveDistinctIds) {
  std::set<std::string> ids;
  for (uint8_t seed = 0; seed < 50; ++seed) ids.insert(*sso::EncodeSessionId(Bytes(seed)));
  EXPECT_EQ(ids.size(), 50u);
}

TEST(SessionId, RefusesTooFewRandomBytes) {
  std::array<uint8_t, 15> few{};  // 120 bits: below the 128-bit floor
  EXPECT_FALSE(sso::EncodeSessionId(few));
}

TEST(SessionId, WellFormedRejectsOtherShapes) {
  std::string good = *sso::EncodeSessionId(Bytes(3));
  EXPECT_FALSE(sso::IsWellFormedSessionId(""));
  EXPECT_FALSE(sso::IsWellFormedSessionId(good.substr(1)));
  EXPECT_FALSE(sso::IsWellFormedSessionId(good + "A"));
  std::string bad = good;
  bad[5] = '+';
  EXPECT_FALSE(sso::IsWellFormedSessionId(bad));
  bad[5] = '\n';
  EXPECT_FALSE(sso::IsWellFormedSessionId(bad));
}

TEST(SessionId, Sha256HexMatchesKnownVector) {
  EXPECT_EQ(sso::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
