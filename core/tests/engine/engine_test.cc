#include "engine/engine.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace {

using sso::EngineSettings;
using sso::ValidateSettings;

EngineSettings Good() { return {"sso:", "__Host-sso", true, 3600000, 600000, "/sso/login"}; }

TEST(EngineSettings, AcceptsDefaults) { EXPECT_EQ(ValidateSettings(Good()), SSO_OK); }

TEST(EngineSettings, RejectsBadCookieNames) {
  for (const char *name : {"", "a b", "a;b", "a=b", "a\r\nb", "\xff"}) {
    auto s = Good();
    s.cookie_name = name;
    EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_COOKIE_NAME) << name;
  }
}

TEST(EngineSettings, HostPrefixNeedsSecure) {
  auto s = Good();
  s.cookie_secure = false;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_INSECURE_HOST_COOKIE);
  s.cookie_name = "__Secure-x";
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_INSECURE_HOST_COOKIE);
  s.cookie_name = "sso";
  EXPECT_EQ(ValidateSettings(s), SSO_OK);
}

TEST(EngineSettings, RejectsBadLifetimes) {
  auto s = Good();
  s.ttl_ms = 0;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_TTL);
  s = Good();
  s.idle_ms = s.ttl_ms + 1;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_IDLE_OVER_TTL);
  s = Good();
  s.idle_ms = -1;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_TTL);
  s.idle_ms = 0;  // no idle timeout is allowed
  EXPECT_EQ(ValidateSettings(s), SSO_OK);
}

TEST(EngineSettings, LoginUrlMustBeSameOrigin) {
  for (const char *url : {"", "sso/login", "//evil.example/", "https://evil.example/", "/\\evil"}) {
    auto s = Good();
    s.login_url = url;
    EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_LOGIN_URL) << url;
  }
}

TEST(EngineSettings, RejectsBadPrefix) {
  auto s = Good();
  s.key_prefix = "a\nb";
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_KEY_PREFIX);
  s.key_prefix = std::string(65, 'a');
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_KEY_PREFIX);
}

TEST(EngineSettings, LogoutRedirectIsASameOriginPath) {
  // open-redirect payloads (post-logout targets are the classic logout CVE)
  for (const char *url :
       {"", "bye", "//evil.example/", "https://evil.example/", "/\\evil.example", "/\\", "/a\\b",
        "/a//b", "/x?next=//evil.example", "///evil.example", "/\r\nSet-Cookie: a=b", "/\n", "/a b",
        "/\t", "/\xc3\xa9", "\t/", " /", "javascript:alert(1)"}) {
    auto s = Good();
    s.logout_redirect = url;
    EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_LOGOUT_REDIRECT) << url;
  }
  for (const char *url : {"/", "/bye", "/goodbye.html?from=sso", "/app/#signed-out"}) {
    auto s = Good();
    s.logout_redirect = url;
    EXPECT_EQ(ValidateSettings(s), SSO_OK) << url;
  }
}

TEST(EngineCreate, LogoutRedirectDefaultsToRoot) {
  sso_test::EngineOptions o;
  EXPECT_TRUE(sso_test::MakeEngine(o)) << "empty means /";
  o.logout_redirect = "//evil.example";
  sso_engine_config config{sso_test::S(o.prefix),
                           sso_test::S(o.cookie),
                           1,
                           o.ttl_ms,
                           o.idle_ms,
                           sso_test::S(o.login),
                           0,
                           sso_test::S(o.logout_redirect)};
  sso_engine *engine = nullptr;
  EXPECT_EQ(sso_engine_create(&config, &engine), SSO_CONFIG_BAD_LOGOUT_REDIRECT);
  EXPECT_EQ(engine, nullptr);
}

TEST(EngineCreate, ReportsTheFailedCheck) {
  sso_test::EngineOptions o;
  o.secure = false;
  sso_engine_config config{
      sso_test::S(o.prefix), sso_test::S(o.cookie), 0, o.ttl_ms, o.idle_ms, sso_test::S(o.login), 0,
      sso_test::S("")};
  sso_engine *engine = reinterpret_cast<sso_engine *>(0x1);
  EXPECT_EQ(sso_engine_create(&config, &engine), SSO_CONFIG_INSECURE_HOST_COOKIE);
  EXPECT_EQ(engine, nullptr);
}

}  // namespace

namespace {

TEST(EngineSettings, CacheNeverOutlivesTheIdleTimeout) {
  auto s = Good();  // idle 10 min
  s.cache_ms = 600000;
  EXPECT_EQ(ValidateSettings(s), SSO_OK);
  s.cache_ms = 600001;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_CACHE_TTL);
  s.cache_ms = -1;
  EXPECT_EQ(ValidateSettings(s), SSO_CONFIG_BAD_CACHE_TTL);
}

TEST(ProvisionSettings, TheHookIsCheckedWhereItIsConfigured) {
  auto check = [](std::string url, std::string secret, int64_t timeout = 0, int64_t lease = 0) {
    sso_provisioning_config c{
        {url.data(), url.size()}, {secret.data(), secret.size()}, timeout, lease};
    return sso_provisioning_check(&c);
  };
  const std::string secret(16, 'k');
  EXPECT_EQ(check("https://app.example/hook", secret), SSO_OK);
  EXPECT_EQ(check("http://127.0.0.1:8080/p", secret, 2000, 3000), SSO_OK);
  EXPECT_EQ(check("127.0.0.1:8080/p", secret), SSO_CONFIG_BAD_HOOK_URL);
  EXPECT_EQ(check("ftp://app.example/hook", secret), SSO_CONFIG_BAD_HOOK_URL);
  EXPECT_EQ(check("https://app.example/a b", secret), SSO_CONFIG_BAD_HOOK_URL);
  EXPECT_EQ(check("https://app.example/\r\nX: y", secret), SSO_CONFIG_BAD_HOOK_URL);
  EXPECT_EQ(check("https://app.example/hook", std::string(15, 'k')), SSO_CONFIG_WEAK_HOOK_SECRET);
  EXPECT_EQ(check("https://app.example/hook", ""), SSO_CONFIG_WEAK_HOOK_SECRET);
  EXPECT_EQ(check("https://app.example/hook", secret, 5000, 5000), SSO_CONFIG_BAD_HOOK_LEASE);
  EXPECT_STREQ(sso_status_message(SSO_CONFIG_WEAK_HOOK_SECRET),
               "sso_provision_hook needs secret_file= with a secret of at least 16 characters "
               "(the key the app checks X-SSO-Signature with)")
      << "a configuration message names its directive";
}

}  // namespace
