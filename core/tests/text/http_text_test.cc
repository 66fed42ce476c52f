#include "text/http_text.h"

#include <gtest/gtest.h>

namespace {

TEST(ReturnTo, KeepsSameOriginPaths) {
  EXPECT_EQ(sso::SafeReturnTo("/app/x?y=1#z"), "/app/x?y=1#z");
  EXPECT_EQ(sso::SafeReturnTo("/"), "/");
}

TEST(ReturnTo, ReplacesAnythingThatCanLeaveTheOrigin) {
  for (const char *target :
       {"//evil.example/", "/\\evil.example", "/a\\b", "https://evil.example/", "evil", "",
        "/a\r\nSet-Cookie: x=1", "/a b", "\t/x", "/caf\xc3\xa9", "/\xff"}) {
    EXPECT_EQ(sso::SafeReturnTo(target), "/") << target;
  }
  EXPECT_EQ(sso::SafeReturnTo("/" + std::string(3000, 'a')), "/");
}

TEST(UrlEncode, EncodesReservedKeepsPathSlashes) {
  EXPECT_EQ(sso::UrlEncode("/a b?c=d&e#f"), "/a%20b%3Fc%3Dd%26e%23f");
  EXPECT_EQ(sso::UrlEncode("\r\n"), "%0D%0A");
}

TEST(ListItem, EscapesSeparatorAndPercent) {
  EXPECT_EQ(sso::EscapeListItem("CN=eng,OU=x 100%"), "CN=eng%2COU=x 100%25");
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(sso::HtmlEscape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
}

TEST(SetCookie, SecureDefaults) {
  auto v = sso::SetCookieValue({"__Host-sso", true}, "abc", 3600);
  EXPECT_EQ(v, "__Host-sso=abc; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax");
  auto dev = sso::SetCookieValue({"sso", false}, "", 0);
  EXPECT_EQ(dev, "sso=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(sso::JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\u000a\\u0001");
}

}  // namespace
