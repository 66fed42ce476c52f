// Base64 (standard alphabet) decoding: what OpenSSL's EVP decoder takes and refuses, except
// that '-' (its end-of-data mark, after which it ignores the rest) is refused.
#include "text/encoding.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/evp_base64.h"

namespace {

using sso::Base64Decode;
using sso::Base64Encode;

using sso_test::EvpDecode;

TEST(Base64, AgreesWithOpenSslOnShortInputs) {
  // every string of up to 5 characters over a few of each kind: letters, digits, '+' '/',
  // padding, the four white spaces, and bytes the alphabet does not have
  const std::string chars = "Aa0+/= \t\r\n_.\x80";
  std::vector<std::string> level = {""};
  size_t checked = 0;
  for (size_t len = 1; len <= 5; ++len) {
    std::vector<std::string> next;
    for (const auto &s : level)
      for (char c : chars) next.push_back(s + c);
    for (const auto &s : next) {
      ASSERT_EQ(Base64Decode(s), EvpDecode(s)) << '"' << s << '"';
      ++checked;
    }
    level = std::move(next);
  }
  EXPECT_EQ(checked, 402'233u);  // 13 + 13^2 + ... + 13^5
}

TEST(Base64, AgreesWithOpenSslOnLongerInputs) {
  // encodings of random bytes, with white space put in, a character changed or dropped, or
  // padding added
  std::mt19937 random(14);
  const std::string noise = "A=+/ \n\r\t#";
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes(1 + random() % 40, '\0');
    for (auto &b : bytes) b = static_cast<char>(random());
    std::string text = Base64Encode(bytes);
    switch (random() % 4) {
      case 0:
        break;
      case 1:
        text.insert(random() % (text.size() + 1), 1, noise[random() % noise.size()]);
        break;
      case 2:
        if (!text.empty()) text.erase(random() % text.size(), 1);
        break;
      case 3:
        if (!text.empty()) text[random() % text.size()] = noise[random() % noise.size()];
        break;
    }
    ASSERT_EQ(Base64Decode(text), EvpDecode(text)) << '"' << text << '"';
    if (text == Base64Encode(bytes)) ASSERT_EQ(Base64Decode(text), bytes);
  }
}

// Long runs of the alphabet are decoded 32 characters at a time (base64_blocks.h): every
// byte value at every place of the first blocks, and white space or a bad byte splitting a
// block anywhere, must be judged as one character at a time would.
TEST(Base64, AgreesWithOpenSslOnLongInputs) {
  std::mt19937 random(32);
  std::string bytes(300, '\0');
  for (auto &b : bytes) b = static_cast<char>(random());
  const std::string good = Base64Encode(bytes);
  ASSERT_EQ(Base64Decode(good), bytes);
  for (size_t at = 0; at < 70; ++at)
    for (int c = 0; c < 256; ++c) {
      if (c == '-') continue;  // OpenSSL's end of data
      std::string text = good;
      text[at] = static_cast<char>(c);
      ASSERT_EQ(Base64Decode(text), EvpDecode(text)) << at << " " << c;
      text.insert(at, 1, static_cast<char>(c));
      ASSERT_EQ(Base64Decode(text), EvpDecode(text)) << at << " +" << c;
    }
  const std::string noise = " \n\r\t=#A+/";
  for (int i = 0; i < 20'000; ++i) {
    std::string text = Base64Encode(bytes.substr(0, random() % bytes.size()));
    for (int n = static_cast<int>(random() % 4); n > 0; --n)
      text.insert(random() % (text.size() + 1), 1, noise[random() % noise.size()]);
    ASSERT_EQ(Base64Decode(text), EvpDecode(text)) << '"' << text << '"';
  }
}

TEST(Base64, LineBreaksAndSpacesAnywhere) {
  EXPECT_EQ(Base64Decode("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(Base64Decode(" Zm 9v\tYm\nFy \n"), "foobar");
  EXPECT_EQ(Base64Decode("Zm8=\n"), "fo");
  EXPECT_EQ(Base64Decode("Zg= ="), "f");
}

TEST(Base64, RefusesWhatIsNotWholePaddedGroups) {
  EXPECT_FALSE(Base64Decode(""));
  EXPECT_FALSE(Base64Decode("Zm9"));       // three characters
  EXPECT_FALSE(Base64Decode("Zg"));        // no padding
  EXPECT_FALSE(Base64Decode("Zg==Zg=="));  // data after padding
  EXPECT_FALSE(Base64Decode("Z==="));
  EXPECT_FALSE(Base64Decode("Zm9v_A=="));  // the URL-safe alphabet
  EXPECT_FALSE(Base64Decode("Zm9v\fYmFy"));
}

TEST(Base64, RefusesTheDashOpenSslStopsAt) {
  // OpenSSL's decoder ends at '-' and returns what came before; we refuse it.
  EXPECT_EQ(EvpDecode("Zm9v-garbage"), "foo");
  EXPECT_FALSE(Base64Decode("Zm9v-garbage"));
  EXPECT_FALSE(Base64Decode("Zm9v-"));
}

}  // namespace
