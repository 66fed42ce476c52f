#include "engine/step_output.h"

#include <gtest/gtest.h>

#include <string>

namespace sso {
namespace {

// A recycled transaction's output must carry nothing of the request before it.
TEST(StepOutput, ClearLeavesEveryFieldEmpty) {
  StepOutput output;
  output.command = StoreCommand{"GETEX", "sso:s:abc"};
  output.cleanup = StoreCommand{"PUBLISH", "sso:revoked", "abc"};
  output.plan_commands.push_back(StoreCommand{"DEL", "x"});
  output.step_views.push_back({});
  output.plan_views.push_back({});
  output.http.method = "POST";
  output.http.url = "https://hook.internal/";
  output.http.authorization = "Bearer secret";
  output.http.body = "{}";
  output.http.timeout_ms = 5000;
  for (std::string *text :
       {&output.location, &output.etag, &output.www_authenticate, &output.content_type,
        &output.set_cookie, &output.set_cookie2, &output.body, &output.cookie_value, &output.audit,
        &output.warning, &output.notice, &output.event_label})
    *text = "left over from the last request";

  output.Clear();

  EXPECT_TRUE(output.command.args().empty());
  EXPECT_TRUE(output.cleanup.args().empty());
  EXPECT_TRUE(output.plan_commands.empty());
  EXPECT_TRUE(output.step_views.empty());
  EXPECT_TRUE(output.plan_views.empty());
  EXPECT_TRUE(output.http.method.empty());
  EXPECT_TRUE(output.http.url.empty());
  EXPECT_TRUE(output.http.authorization.empty());
  EXPECT_TRUE(output.http.body.empty());
  EXPECT_EQ(output.http.timeout_ms, 0);
  for (const std::string *text :
       {&output.location, &output.etag, &output.www_authenticate, &output.content_type,
        &output.set_cookie, &output.set_cookie2, &output.body, &output.cookie_value, &output.audit,
        &output.warning, &output.notice, &output.event_label})
    EXPECT_TRUE(text->empty());
}

// Ordinary buffers are kept for the next request; a page-sized one is not held by an idle
// transaction.
TEST(StepOutput, ClearKeepsSmallBuffersAndLetsLargeOnesGo) {
  StepOutput output;
  output.location.assign(200, 'a');
  output.body.assign(kKeptBufferCapacity * 4, 'b');
  const size_t location_capacity = output.location.capacity();

  output.Clear();

  EXPECT_EQ(output.location.capacity(), location_capacity);
  EXPECT_LE(output.body.capacity(), kKeptBufferCapacity);
}

}  // namespace
}  // namespace sso
