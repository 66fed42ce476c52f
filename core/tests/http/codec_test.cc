// The back-channel codec: URL splitting, the request bytes, and the response parser fed
// untrusted bytes whole, in pieces and one byte at a time.
#include <gtest/gtest.h>

#include <string>

#include "http/request.h"
#include "http/response_parser.h"
#include "sso/sso.h"

namespace {

using sso::http::ResponseLimits;
using sso::http::ResponseParser;

struct Outcome {
  sso_status status;
  bool complete;
  int code;
  std::string body;
};

Outcome Whole(std::string_view bytes, bool eof = true, ResponseLimits limits = {}) {
  ResponseParser parser(limits);
  sso_status status = parser.Feed(bytes, false);
  if (status == SSO_OK && eof) status = parser.Feed("", true);
  return {status, parser.complete(), parser.status(), parser.body()};
}

Outcome ByteAtATime(std::string_view bytes, bool eof = true, ResponseLimits limits = {}) {
  ResponseParser parser(limits);
  sso_status status = SSO_OK;
  for (size_t i = 0; i < bytes.size() && status == SSO_OK; ++i) {
    status = parser.Feed(bytes.substr(i, 1), false);
  }
  if (status == SSO_OK && eof) status = parser.Feed("", true);
  return {status, parser.complete(), parser.status(), parser.body()};
}

// Every split gives the same outcome as the whole.
void ExpectOk(std::string_view bytes, int code, std::string_view body) {
  for (const Outcome &o : {Whole(bytes), ByteAtATime(bytes)}) {
    EXPECT_EQ(o.status, SSO_OK) << sso_status_name(o.status);
    EXPECT_TRUE(o.complete);
    EXPECT_EQ(o.code, code);
    EXPECT_EQ(o.body, body);
  }
}

void ExpectRefused(std::string_view bytes, sso_status expected, ResponseLimits limits = {}) {
  for (const Outcome &o : {Whole(bytes, true, limits), ByteAtATime(bytes, true, limits)}) {
    EXPECT_EQ(o.status, expected) << sso_status_name(o.status) << " for " << bytes;
    EXPECT_FALSE(o.complete);
    EXPECT_EQ(o.body, "");
  }
}

// ---- the URL and the request ----

TEST(HttpRequest, SplitsHttpsUrlWithDefaults) {
  sso::http::Target t;
  ASSERT_EQ(sso::http::ParseUrl("HTTPS://op.example/token?x=1#frag", t), SSO_OK);
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.host, "op.example");
  EXPECT_EQ(t.port, 443);
  EXPECT_EQ(t.authority, "op.example");
  EXPECT_EQ(t.path, "/token?x=1");
  EXPECT_EQ(t.log_target, "HTTPS://op.example/token?x=1");
}

TEST(HttpRequest, SplitsPortsAndIpv6) {
  sso::http::Target t;
  ASSERT_EQ(sso::http::ParseUrl("http://127.0.0.1:8080", t), SSO_OK);
  EXPECT_FALSE(t.tls);
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.path, "/");
  ASSERT_EQ(sso::http::ParseUrl("https://[::1]:8443?q", t), SSO_OK);
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, 8443);
  EXPECT_EQ(t.authority, "[::1]:8443");
  EXPECT_EQ(t.path, "/?q");
}

TEST(HttpRequest, RefusesUncallableUrls) {
  sso::http::Target t;
  for (const char *url :
       {"", "ftp://x/", "http://", "http:///path", "http://user@host/", "http://host:0/",
        "http://host:65536/", "http://host:/", "http://host:8x/", "http://[::1/", "http://[::1]x/",
        "http://ho st/", "http://host/a b", "http://host/\r\nX: y", "http://:80/",
        "http://[zz]/"}) {
    EXPECT_EQ(sso::http::ParseUrl(url, t), SSO_HTTP_BAD_URL) << url;
  }
}

TEST(HttpRequest, BuildsTheSameBytesAsTheModuleDid) {
  sso::http::Target t;
  ASSERT_EQ(sso::http::ParseUrl("https://op.example:8443/token", t), SSO_OK);
  std::string out;
  ASSERT_EQ(sso::http::BuildRequest(t,
                                    {"POST", "Basic abc", "application/x-www-form-urlencoded",
                                     "Idempotency-Key: 00ff\r\n", "a=b"},
                                    out),
            SSO_OK);
  EXPECT_EQ(out,
            "POST /token HTTP/1.0\r\n"
            "Host: op.example:8443\r\n"
            "Accept: application/json\r\n"
            "User-Agent: nginx-jit-sso\r\n"
            "Connection: close\r\n"
            "Authorization: Basic abc\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Idempotency-Key: 00ff\r\n"
            "Content-Length: 3\r\n"
            "\r\n"
            "a=b");
  ASSERT_EQ(sso::http::BuildRequest(t, {"GET", "", "", "", ""}, out), SSO_OK);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(out.ends_with("Connection: close\r\n\r\n"));
}

TEST(HttpRequest, RefusesHeaderInjection) {
  sso::http::Target t;
  ASSERT_EQ(sso::http::ParseUrl("http://h/", t), SSO_OK);
  std::string out;
  EXPECT_EQ(sso::http::BuildRequest(t, {"GET", "x\r\nEvil: 1", "", "", ""}, out), SSO_HTTP_BAD_URL);
  EXPECT_EQ(sso::http::BuildRequest(t, {"GET", "", "a\nb", "", ""}, out), SSO_HTTP_BAD_URL);
  EXPECT_EQ(sso::http::BuildRequest(t, {"GET", "", "", "X: 1\n", ""}, out), SSO_HTTP_BAD_URL);
  EXPECT_EQ(sso::http::BuildRequest(t, {"G ET", "", "", "", ""}, out), SSO_HTTP_BAD_URL);
  EXPECT_EQ(sso::http::BuildRequest(t, {"", "", "", "", ""}, out), SSO_HTTP_BAD_URL);
}

// ---- the status line ----

TEST(HttpResponse, StatusLines) {
  ExpectOk("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 200, "hi");
  ExpectOk("HTTP/1.0 404 Not Found\r\n\r\ngone", 404, "gone");
  ExpectOk("HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", 503, "");
  ExpectOk("HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n", 500, "");
  ExpectOk("HTTP/1.1 200 caf\xc3\xa9\tok\r\nContent-Length: 0\r\n\r\n", 200, "");
}

TEST(HttpResponse, RefusesBadStatusLines) {
  for (const char *bytes :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.2 200 OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n",
        "HTTP/1.1 600 x\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n", " HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\n\r\n",
        "HTTP/1.1 200 O\rK\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1 101 Go\r\n\r\n",
        "garbage\r\n\r\n", "\r\n"}) {
    ExpectRefused(bytes, SSO_HTTP_MALFORMED_STATUS_LINE);
  }
}

TEST(HttpResponse, SkipsInterimAnswers) {
  ExpectOk(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
      201, "x");
}

// ---- headers ----

TEST(HttpResponse, HeaderNamesAndValues) {
  ExpectOk("HTTP/1.1 200 OK\r\nX-A:b\r\ncontent-LENGTH:   3 \t\r\nX-Empty:\r\n\r\nabc", 200, "abc");
}

TEST(HttpResponse, RefusesMalformedHeaders) {
  for (const char *bytes : {
           "HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\n\r\n",  // obs-fold
           "HTTP/1.1 200 OK\r\nX-A: b\r\n\tfolded\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n",  // space before the colon
           "HTTP/1.1 200 OK\r\nX A: b\r\n\r\n",
           "HTTP/1.1 200 OK\r\n: b\r\n\r\n",
           "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX-A: b\nX-B: c\r\n\r\n",  // bare LF
           "HTTP/1.1 200 OK\r\nX-A: b\rX-B: c\r\n\r\n",  // bare CR
           "HTTP/1.1 200 OK\r\nX-A: b\r\n\n",
       }) {
    ExpectRefused(bytes, SSO_HTTP_MALFORMED_HEADER);
  }
  // a NUL in a value
  static const char nul[] = "HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n";
  ExpectRefused(std::string_view(nul, sizeof nul - 1), SSO_HTTP_MALFORMED_HEADER);
}

TEST(HttpResponse, HeadSizeLimit) {
  std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(40 * 1024, 'a') + "\r\n\r\n";
  ExpectRefused(big, SSO_HTTP_HEADERS_TOO_LARGE);
  // many small interim answers add up too
  std::string interim;
  for (int i = 0; i < 2000; ++i) interim += "HTTP/1.1 100 Continue\r\n\r\n";
  ExpectRefused(interim + "HTTP/1.1 200 OK\r\n\r\n", SSO_HTTP_HEADERS_TOO_LARGE);
  // and a head just under the limit is fine
  std::string fits =
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(30 * 1024, 'a') + "\r\nContent-Length: 1\r\n\r\nz";
  ExpectOk(fits, 200, "z");
  // an endless header line without a newline
  ExpectRefused("HTTP/1.1 200 OK\r\nX: " + std::string(64 * 1024, 'a'), SSO_HTTP_HEADERS_TOO_LARGE);
}

// ---- Content-Length ----

TEST(HttpResponse, ContentLength) {
  ExpectOk("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 200, "hello");
  ExpectOk("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "");
  ExpectOk("HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n1234567", 200, "1234567");
}

TEST(HttpResponse, RefusesBadContentLength) {
  for (const char *bytes : {
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
           "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello",
           "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
           "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
       }) {
    ExpectRefused(bytes, SSO_HTTP_BAD_CONTENT_LENGTH);
  }
}

TEST(HttpResponse, BodyAfterContentLengthIsASecondAnswer) {
  ExpectRefused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n\r\n",
                SSO_HTTP_TRAILING_DATA);
  ExpectRefused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi!", SSO_HTTP_TRAILING_DATA);
  ExpectRefused("HTTP/1.1 204 No Content\r\n\r\nx", SSO_HTTP_TRAILING_DATA);
}

TEST(HttpResponse, CompleteBeforeTheClose) {
  ResponseParser parser;
  ASSERT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh", false), SSO_OK);
  EXPECT_FALSE(parser.complete());
  ASSERT_EQ(parser.Feed("i", false), SSO_OK);
  EXPECT_TRUE(parser.complete());
  EXPECT_EQ(parser.body(), "hi");
  ASSERT_EQ(parser.Feed("", true), SSO_OK);  // the close after it changes nothing
  EXPECT_EQ(parser.Feed("x", false), SSO_HTTP_TRAILING_DATA);
  EXPECT_EQ(parser.Feed("", true), SSO_HTTP_TRAILING_DATA);  // and a failure stays
}

// ---- Transfer-Encoding: chunked ----

TEST(HttpResponse, Chunked) {
  ExpectOk(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "1;name=value;flag\r\n,\r\n"
      "A ; x=\"q\"\r\n0123456789\r\n"
      "0\r\nX-Trailer: t\r\n\r\n",
      200, "hello,0123456789");
  ExpectOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", 200, "");
}

TEST(HttpResponse, RefusesBadTransferEncoding) {
  for (const char *bytes : {
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       }) {
    ExpectRefused(bytes, SSO_HTTP_BAD_TRANSFER_ENCODING);
  }
}

TEST(HttpResponse, RefusesMalformedChunks) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char *chunks : {
           "x\r\n",
           "\r\n",
           ";ext\r\n",
           "5 x\r\nhello\r\n0\r\n\r\n",
           "5\r\nhelloX\r\n0\r\n\r\n",
           "5\nhello\r\n0\r\n\r\n",
           "5\r\nhello\n0\r\n\r\n",
           "-1\r\n",
           "5;a\x01\r\nhello\r\n",
       }) {
    ExpectRefused(head + chunks, SSO_HTTP_MALFORMED_CHUNK);
  }
  ExpectRefused(head + "1;" + std::string(5000, 'e') + "\r\nx\r\n0\r\n\r\n",
                SSO_HTTP_MALFORMED_CHUNK);
  ExpectRefused(head + "0\r\nbad trailer\r\n\r\n", SSO_HTTP_MALFORMED_HEADER);
  ExpectRefused(head + "0\r\n\r\nmore", SSO_HTTP_TRAILING_DATA);
}

// ---- body to the close ----

TEST(HttpResponse, BodyToTheClose) {
  ExpectOk("HTTP/1.1 200 OK\r\nX: y\r\n\r\n{\"a\":1}", 200, "{\"a\":1}");
  ResponseParser parser;
  ASSERT_EQ(parser.Feed("HTTP/1.0 200 OK\r\n\r\nabc", false), SSO_OK);
  EXPECT_FALSE(parser.complete());  // only the close ends it
  ASSERT_EQ(parser.Feed("def", true), SSO_OK);
  EXPECT_TRUE(parser.complete());
  EXPECT_EQ(parser.body(), "abcdef");
}

// ---- truncated ----

TEST(HttpResponse, Truncated) {
  for (const char *bytes : {
           "",
           "HTTP/1.1 200",
           "HTTP/1.1 200 OK\r\n",
           "HTTP/1.1 200 OK\r\nX: y\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",
           "HTTP/1.1 100 Continue\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
       }) {
    ExpectRefused(bytes, SSO_HTTP_TRUNCATED);
  }
}

// ---- oversized ----

TEST(HttpResponse, BodyLimit) {
  ResponseLimits small{.max_head = 1024, .max_body = 10};
  ExpectRefused("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", SSO_HTTP_BODY_TOO_LARGE, small);
  ExpectRefused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
                SSO_HTTP_BODY_TOO_LARGE, small);
  ExpectRefused("HTTP/1.1 200 OK\r\n\r\n01234567890", SSO_HTTP_BODY_TOO_LARGE, small);
  ExpectRefused(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n",
      SSO_HTTP_BODY_TOO_LARGE, small);
  ExpectRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n",
                SSO_HTTP_BODY_TOO_LARGE, small);

  // the default is the module's old limit: 1 MiB of body
  std::string mib(1024 * 1024, 'x');
  Outcome ok = Whole("HTTP/1.1 200 OK\r\n\r\n" + mib);
  EXPECT_EQ(ok.status, SSO_OK);
  EXPECT_EQ(ok.body.size(), mib.size());
  EXPECT_EQ(Whole("HTTP/1.1 200 OK\r\n\r\n" + mib + "x").status, SSO_HTTP_BODY_TOO_LARGE);
  EXPECT_EQ(Whole("HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n", false).status,
            SSO_HTTP_BODY_TOO_LARGE);
}

// ---- garbage and splits ----

TEST(HttpResponse, Garbage) {
  ExpectRefused("\x16\x03\x01\x02\x01\xfc\x03\x03\r\n", SSO_HTTP_MALFORMED_STATUS_LINE);
  ExpectRefused("<html>hello</html>\n", SSO_HTTP_MALFORMED_STATUS_LINE);
  ExpectRefused("HTTP/1.1 200 OK\r\n\x80\x81: x\r\n\r\n", SSO_HTTP_MALFORMED_HEADER);
}

TEST(HttpResponse, EverySplitGivesTheSameAnswer) {
  const std::string bytes =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n"
      "3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: u\r\n\r\n";
  for (size_t split = 0; split <= bytes.size(); ++split) {
    ResponseParser parser;
    ASSERT_EQ(parser.Feed(std::string_view(bytes).substr(0, split), false), SSO_OK) << split;
    ASSERT_EQ(parser.Feed(std::string_view(bytes).substr(split), false), SSO_OK) << split;
    EXPECT_TRUE(parser.complete()) << split;
    EXPECT_EQ(parser.body(), "abcde") << split;
  }
}

// ---- through the C ABI ----

TEST(HttpCallCapi, BuildsAndParses) {
  sso_step step{};
  step.kind = SSO_STEP_HTTP;
  step.http.method = {"GET", 3};
  step.http.url = {"https://[::1]:9443/jwks", 23};
  sso_http_call *call = nullptr;
  sso_http_call_info info{};
  ASSERT_EQ(sso_http_call_create(&step, 0, &call, &info), SSO_OK);
  EXPECT_EQ(std::string(info.host.data, info.host.len), "::1");
  EXPECT_EQ(info.port, 9443);
  EXPECT_EQ(info.tls, 1);
  EXPECT_EQ(std::string(info.target.data, info.target.len), "https://[::1]:9443/jwks");
  EXPECT_TRUE(std::string(info.request.data, info.request.len).starts_with("GET /jwks HTTP/1.0"));

  sso_http_answer answer{};
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  ASSERT_EQ(sso_http_call_feed(call, {head.data(), head.size()}, 0, &answer), SSO_OK);
  EXPECT_EQ(answer.complete, 0);
  ASSERT_EQ(sso_http_call_feed(call, {"{}", 2}, 0, &answer), SSO_OK);
  EXPECT_EQ(answer.complete, 1);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(std::string(answer.body.data, answer.body.len), "{}");
  sso_http_call_destroy(call);

  step.http.url = {"gopher://x/", 11};
  EXPECT_EQ(sso_http_call_create(&step, 0, &call, &info), SSO_HTTP_BAD_URL);
  EXPECT_EQ(call, nullptr);
  step.kind = SSO_STEP_WAIT;
  EXPECT_EQ(sso_http_call_create(&step, 0, &call, &info), SSO_ERR_INVALID_ARGUMENT);
}

TEST(HttpCallCapi, StatusNamesAreListed) {
  EXPECT_STREQ(sso_status_name(SSO_HTTP_BAD_URL), "HTTP_BAD_URL");
  EXPECT_STREQ(sso_status_name(SSO_HTTP_TRAILING_DATA), "HTTP_TRAILING_DATA");
}

}  // namespace
