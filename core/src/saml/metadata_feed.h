// IdP metadata from a URL (saml_idp_metadata_url): what each worker's refreshes need, and the
// decision on each document fetched. The caller (the module) keeps the timer and the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "saml/provider.h"
#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso {

struct MetadataFeed {
  std::string provider;  // the SamlProvider's name
  std::string url;
  std::vector<saml::SharedKey> signing_keys;  // pinned: the metadata must be signed by one
  int64_t interval_ms = 0;
  bool have_sp_key = false;

  // per process: refreshes that failed in a row; the last success (Unix ms, 0: none)
  int failures = 0;
  int64_t last_success_ms = 0;
  // behind the views of the last step handed out
  std::string log_line, outcome;
};

// A document for the provider: signed on its root by a key of `feed`, an IdP the lines
// complete (as the file of saml_idp_metadata is read), that can send the AuthnRequests it
// asks for, and not past its validUntil at `now_ms`. SSO_OK with `out`, and the lines of
// what was skipped in `skipped`; else the failed check's status, `why` naming it, and
// `outcome` its metric label ("unsigned", "signature", "expired", "invalid").
sso_status AcceptMetadata(const MetadataFeed &feed, const IdpLines &lines, std::string_view xml,
                          int64_t now_ms, IdpData &out, std::vector<std::string> &skipped,
                          std::string &why, std::string &outcome);

// The next refresh: a GET of the feed's URL as an HTTP step.
void MetadataRefreshBegin(MetadataFeed &feed, sso_step &out);

// The fetch's answer (`status` 0: none, `failure` why): the provider's IdP data replaced, or
// kept; `out` is the WAIT step until the next refresh, with its log line and metric event.
void MetadataRefreshDone(MetadataFeed &feed, SamlProvider &provider, int status,
                         std::string_view body, std::string_view failure, int64_t now_ms,
                         sso_step &out);

// The delay before the next refresh: the interval after a success (sooner when the metadata
// expires before), backing off from a fraction of it after `failures` failures in a row.
int64_t NextRefreshDelay(int64_t interval_ms, int failures, int64_t now_ms, int64_t valid_until_ms);

}  // namespace sso
