#include "saml/metadata_feed.h"

#include <openssl/err.h>

#include <algorithm>

#include "saml/signed_metadata.h"
#include "saml/xml_util.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

constexpr int64_t kMinDelayMs = 1000;
constexpr int kMaxDoublings = 10;

std::string Quoted(std::string_view text) { return "\"" + LogSafe(text, 200) + "\""; }

std::string Seconds(int64_t ms) { return std::to_string((ms + 999) / 1000) + "s"; }

// `document`: the verified document (refreshed only), a view of the caller's own bytes.
void WaitStep(MetadataFeed &feed, sso_status reason, int64_t delay_ms, bool refreshed,
              std::string_view document, sso_step &out) {
  out = sso_step{};
  out.kind = SSO_STEP_WAIT;
  out.reason = reason;
  out.delay_ms = delay_ms;
  (refreshed ? out.notice : out.warning) = Str(feed.log_line);
  out.event = SSO_EVENT_METADATA;
  out.event_provider = Str(feed.provider);
  out.event_label = Str(feed.outcome);
  if (refreshed) out.body = {document.data(), document.size()};
}

}  // namespace

int64_t NextRefreshDelay(int64_t interval_ms, int failures, int64_t now_ms,
                         int64_t valid_until_ms) {
  if (failures > 0) {
    int64_t step = std::max<int64_t>(kMinDelayMs, interval_ms / 60);
    return std::min(interval_ms, step << std::min(failures - 1, kMaxDoublings));
  }
  int64_t delay = interval_ms;
  // metadata that ends before the next refresh: fetch its successor at half its time left
  if (valid_until_ms && valid_until_ms - now_ms < 2 * interval_ms)
    delay = std::min(delay, (valid_until_ms - now_ms) / 2);
  return std::max(delay, kMinDelayMs);
}

sso_status AcceptMetadata(const MetadataFeed &feed, const IdpLines &lines, std::string_view xml,
                          int64_t now_ms, IdpData &out, std::vector<std::string> &skipped,
                          std::string &why, std::string &outcome) {
  // The IdP is read from the very tree whose signature was verified, not from `xml` parsed a
  // second time: nothing can differ between what was verified and what is used (no parser
  // differential, no change in between), and the 2.4 MB of an aggregate is parsed once.
  saml::XmlDocPtr verified;
  sso_status s = saml::VerifyMetadataSignature(xml, feed.signing_keys, verified, why);
  if (s != SSO_OK) {
    outcome = s == SSO_SAML_NOT_SIGNED ? "unsigned" : "signature";
    if (s == SSO_SAML_XML_MALFORMED || s == SSO_SAML_DTD_FORBIDDEN ||
        s == SSO_SAML_METADATA_INVALID)
      outcome = "invalid";
    return s;
  }
  IdpData data;
  outcome = "invalid";
  auto keep = [&skipped](std::string line) { skipped.push_back(std::move(line)); };
  if (!verified) return SSO_ERR_INTERNAL;  // null would read as "no metadata, the lines alone"
  if (s = BuildIdp(lines, verified.get(), keep, data, why); s != SSO_OK) return s;
  if (data.entity_in_document != lines.entity_id) {
    why = "it describes the IdP " + Quoted(data.entity_in_document) + ", not " +
          Quoted(lines.entity_id) + " (saml_idp_entity_id)";
    return SSO_SAML_METADATA_INVALID;
  }
  if (!data.valid_until_text.empty()) {
    why = "its validUntil " + Quoted(data.valid_until_text) + " is not an xs:dateTime";
    return SSO_SAML_METADATA_INVALID;
  }
  if (data.valid_until_ms && data.valid_until_ms <= now_ms) {
    outcome = "expired";
    why = "it expired at " + saml::FormatDateTime(data.valid_until_ms) + " (its validUntil)";
    return SSO_SAML_METADATA_EXPIRED;
  }
  if (why = SpKeyProblem(lines, data, feed.have_sp_key); !why.empty())
    return SSO_CONFIG_SP_KEY_REQUIRED;
  out = std::move(data);
  return SSO_OK;
}

void MetadataRefreshBegin(MetadataFeed &feed, sso_step &out) {
  out = sso_step{};
  out.kind = SSO_STEP_HTTP;
  out.reason = SSO_OK;
  static constexpr std::string_view kGet = "GET";
  static constexpr std::string_view kAccept =
      "Accept: application/samlmetadata+xml, application/xml\r\n";
  out.http.method = {kGet.data(), kGet.size()};
  out.http.url = Str(feed.url);
  out.http.headers = {kAccept.data(), kAccept.size()};
}

void MetadataRefreshDone(MetadataFeed &feed, SamlProvider &provider, int status,
                         std::string_view body, std::string_view failure, int64_t now_ms,
                         sso_step &out) {
  std::string head = "IdP metadata of provider " + Quoted(feed.provider);
  std::string from = " from " + LogSafe(feed.url, 200);
  std::string why;
  sso_status s = SSO_OK;
  IdpData data;
  std::vector<std::string> skipped;
  if (status == 0) {
    s = SSO_SAML_METADATA_UNAVAILABLE;
    feed.outcome = "unreachable";
    why = "no answer (" + LogSafe(failure.empty() ? "see the back-channel error" : failure, 200) +
          ")";
  } else if (status != 200) {
    s = SSO_SAML_METADATA_INVALID;
    feed.outcome = "http_status";
    why = "the answer's status is " + std::to_string(status) + ", not 200";
  } else {
    s = AcceptMetadata(feed, provider.idp_lines, body, now_ms, data, skipped, why, feed.outcome);
    // whatever xmlsec and OpenSSL left behind must not reach nginx's next TLS call
    ERR_clear_error();
  }

  if (s == SSO_OK) {
    provider.SetIdp(std::move(data));
    feed.failures = 0;
    feed.last_success_ms = now_ms;
    feed.outcome = "refreshed";
    const auto &idp = provider.idp;
    feed.log_line = head + " refreshed" + from + ": entity " + Quoted(idp.entity_id) + ", " +
                    std::to_string(idp.signing_keys.size()) + " signing certificate" +
                    (idp.signing_keys.size() == 1 ? "" : "s") + ", valid until " +
                    (provider.idp_valid_until_ms ? saml::FormatDateTime(provider.idp_valid_until_ms)
                                                 : std::string("no end (no validUntil)"));
    if (!skipped.empty())
      feed.log_line +=
          "; skipped: " + skipped.front() +
          (skipped.size() > 1 ? " (and " + std::to_string(skipped.size() - 1) + " more)"
                              : std::string());
    int64_t delay = NextRefreshDelay(feed.interval_ms, 0, now_ms, provider.idp_valid_until_ms);
    feed.log_line += "; next refresh in " + Seconds(delay);
    return WaitStep(feed, SSO_OK, delay, true, body, out);
  }

  ++feed.failures;
  int64_t delay = NextRefreshDelay(feed.interval_ms, feed.failures, now_ms, 0);
  std::string kept;
  if (!provider.idp_ready) {
    kept = "there is no metadata in use yet: sign-in answers 503 until a refresh succeeds";
  } else if (provider.IdpStatus(now_ms) == SSO_SAML_METADATA_EXPIRED) {
    kept = "the metadata in use expired at " + saml::FormatDateTime(provider.idp_valid_until_ms) +
           ": sign-in answers 503";
  } else {
    kept = "the metadata in use is kept (entity " + Quoted(provider.idp.entity_id) +
           (provider.idp_valid_until_ms
                ? ", valid until " + saml::FormatDateTime(provider.idp_valid_until_ms)
                : std::string()) +
           ")";
  }
  feed.log_line = head + " not refreshed" + from + ": " + why + "; " + kept + "; failure " +
                  std::to_string(feed.failures) + " in a row, next try in " + Seconds(delay);
  WaitStep(feed, s, delay, false, {}, out);
}

}  // namespace sso
