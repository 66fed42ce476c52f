#include "saml/provider.h"

#include <array>
#include <functional>
#include <string_view>

#include "config/email_domains.h"
#include "config/provider_urls.h"
#include "http/request.h"
#include "saml/decrypt.h"
#include "saml/metadata.h"
#include "saml/metadata_feed.h"
#include "saml/signature.h"
#include "saml/xml_util.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

constexpr int64_t kMinRefreshMs = 1000;
constexpr int64_t kDefaultRefreshMs = 3600 * 1000;

// Attribute names IdPs commonly use, tried in order when no `attribute` mapping is given.
const std::map<std::string, std::vector<std::string>> &DefaultAttributeNames() {
  static const std::map<std::string, std::vector<std::string>> names = {
      {"email",
       {"mail", "email", "emailAddress", "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}},
      {"name",
       {"displayName", "cn", "name", "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"}},
      {"groups",
       {"memberOf", "groups", "member", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"}},
  };
  return names;
}

const std::vector<std::string> *Values(const saml::Assertion &a, const SamlProvider &p,
                                       const std::string &field) {
  if (auto mapped = p.attribute_map.find(field); mapped != p.attribute_map.end()) {
    auto it = a.attributes.find(mapped->second);
    return it == a.attributes.end() ? nullptr : &it->second;
  }
  auto defaults = DefaultAttributeNames().find(field);
  if (defaults == DefaultAttributeNames().end()) return nullptr;
  for (const auto &name : defaults->second)
    if (auto it = a.attributes.find(name); it != a.attributes.end()) return &it->second;
  return nullptr;
}

// "https://app/sso/saml/acs" -> "https://app/sso/saml/slo": the endpoints location serves both.
std::string DefaultSloUrl(const std::string &acs_url) {
  constexpr std::string_view kAcs = "/acs";
  if (!acs_url.ends_with(kAcs)) return {};
  return acs_url.substr(0, acs_url.size() - kAcs.size()) + "/slo";
}

sso_status SetSingleLogout(const sso_saml_provider_config &c, SamlProvider &out) {
  out.slo_url = c.slo_url.len ? String(c.slo_url) : DefaultSloUrl(out.sp.acs_url);
  if (c.slo_url.len && !IsAcceptableEndpoint(out.slo_url)) return SSO_CONFIG_BAD_SLO_URL;
  return SSO_OK;
}

std::string Quoted(std::string_view text) { return "\"" + LogSafe(text, 200) + "\""; }

// Without metadata, the three lines that stand for it.
sso_status CheckExplicitIdp(const IdpLines &c, std::string &error) {
  if (c.entity_id.empty() && c.sso_url.empty() && c.certificates.empty()) {
    error =
        "the IdP is missing: add \"saml_idp_metadata /path/to/idp-metadata.xml;\", "
        "or \"saml_idp_entity_id\", \"saml_idp_sso_url\" and \"saml_idp_certificate\"";
    return SSO_CONFIG_MISSING_LINE;
  }
  const char *missing = c.entity_id.empty()      ? "saml_idp_entity_id"
                        : c.sso_url.empty()      ? "saml_idp_sso_url"
                        : c.certificates.empty() ? "saml_idp_certificate"
                                                 : nullptr;
  if (missing) {
    error = std::string("\"") + missing + "\" is missing: without \"saml_idp_metadata\", " +
            "\"saml_idp_entity_id\", \"saml_idp_sso_url\" and " +
            "\"saml_idp_certificate\" go together";
    return SSO_CONFIG_MISSING_LINE;
  }
  return SSO_OK;
}

// The explicit lines' values over `idp`: each checked, each overriding the metadata's.
sso_status ApplyLines(const IdpLines &c, saml::IdentityProvider &idp,
                      const std::function<void(std::string)> &warn, std::string &error) {
  if (!c.entity_id.empty()) idp.entity_id = c.entity_id;
  if (!c.sso_url.empty()) {
    idp.sso_url = c.sso_url;
    if (!IsAcceptableEndpoint(idp.sso_url)) {
      error = "saml_idp_sso_url " + Quoted(idp.sso_url) +
              " is not an https URL (http only on loopback)";
      return SSO_SAML_METADATA_INVALID;
    }
  }
  for (size_t i = 0; i < c.certificates.size(); ++i) {
    saml::SharedKey key;
    std::string why = "not a readable PEM certificate";
    if (sso_status s = saml::LoadCertificateKey(c.certificates[i], key, &why); s != SSO_OK) {
      if (s == SSO_KEY_REFUSED)
        warn("saml_idp_certificate " + std::to_string(i + 1) + " refused: " + why);
      error = "saml_idp_certificate " + std::to_string(i + 1) + ": " + why;
      return s;
    }
    idp.signing_keys.push_back(std::move(key));
  }
  if (!c.slo_url.empty()) {
    if (!IsAcceptableEndpoint(c.slo_url)) return SSO_CONFIG_BAD_SLO_URL;
    idp.slo_redirect_url = c.slo_url;
    idp.slo_redirect_response_url = c.slo_url;
  }
  return SSO_OK;
}

IdpLines LinesOf(const sso_saml_provider_config &c) {
  IdpLines lines;
  lines.entity_id = String(c.idp_entity_id);
  lines.sso_url = String(c.idp_sso_url);
  lines.slo_url = String(c.idp_slo_url);
  for (size_t i = 0; i < c.idp_certificates_count; ++i)
    lines.certificates.push_back(String(c.idp_certificates[i]));
  lines.sign_requests = c.sign_requests;
  return lines;
}

// With saml_idp_metadata_url: the URL, the pinned keys, the interval, and the backing copy
// (used when it passes the checks a refresh must pass; else the provider waits for the URL).
sso_status SetUpFeed(const sso_saml_provider_config &c, SamlProvider &out,
                     const std::function<void(std::string)> &warn, ConfigError *error,
                     MetadataFeed &feed) {
  const std::string directive = "saml_idp_metadata_url";
  std::string url = String(c.idp_metadata_url);
  http::Target target;
  if (!url.starts_with("https://") || http::ParseUrl(url, target) != SSO_OK)
    return Refuse(error, SSO_CONFIG_BAD_URL, directive, url,
                  sso::Quoted(directive, url) +
                      " is not an https URL: IdP metadata is fetched over https only");
  if (c.facts && !IsIpAddress(target.host) && !c.http_resolver)
    return Refuse(error, SSO_CONFIG_NO_RESOLVER, directive, url,
                  sso::Quoted(directive, url) + " names the host \"" + target.host +
                      "\", and the http block has no \"resolver\": add \"resolver <DNS " +
                      "server address>;\" to the http block, or name the host by its IP address");
  if (!c.idp_metadata_signing_certificates_count)
    return Refuse(error, SSO_CONFIG_MISSING_LINE, directive, url,
                  sso::Quoted(directive, url) +
                      " needs \"saml_idp_metadata_signing_certificate\": the certificate the "
                      "metadata is signed with (an unsigned metadata feed is refused)");
  // Accounts are keyed by the IdP's entity ID: a feed may not change it behind the operator.
  if (out.idp_lines.entity_id.empty())
    return Refuse(error, SSO_CONFIG_MISSING_LINE, directive, url,
                  sso::Quoted(directive, url) +
                      " needs \"saml_idp_entity_id\": the entityID the fetched metadata must "
                      "describe (accounts are keyed by it, so a refresh may not change it)");
  feed = MetadataFeed{};
  feed.provider = out.name;
  feed.url = url;
  for (size_t i = 0; i < c.idp_metadata_signing_certificates_count; ++i) {
    saml::SharedKey key;
    std::string why = "not a readable PEM certificate";
    if (sso_status s =
            saml::LoadCertificateKey(View(c.idp_metadata_signing_certificates[i]), key, &why);
        s != SSO_OK)
      return Refuse(error, s, "saml_idp_metadata_signing_certificate", "",
                    "saml_idp_metadata_signing_certificate " + std::to_string(i + 1) + ": " + why);
    feed.signing_keys.push_back(std::move(key));
  }
  if (c.idp_metadata_refresh_ms < 0 ||
      (c.idp_metadata_refresh_ms && c.idp_metadata_refresh_ms < kMinRefreshMs))
    return Refuse(error, SSO_ERR_INVALID_ARGUMENT, "saml_idp_metadata_refresh", "",
                  "\"saml_idp_metadata_refresh\" takes a time of at least 1s");
  feed.interval_ms = c.idp_metadata_refresh_ms ? c.idp_metadata_refresh_ms : kDefaultRefreshMs;
  feed.have_sp_key = c.sp_key_pem.len > 0;

  // the lines' own values, checked now whatever the URL serves later
  saml::IdentityProvider scratch;
  std::string detail;
  if (sso_status s = ApplyLines(out.idp_lines, scratch, warn, detail); s != SSO_OK)
    return Refuse(error, s, "", "", std::move(detail));
  if (c.idp_metadata_xml.len) {
    IdpData data;
    std::string outcome;
    std::vector<std::string> skipped;
    if (AcceptMetadata(feed, out.idp_lines, View(c.idp_metadata_xml), c.now_ms, data, skipped,
                       detail, outcome) == SSO_OK) {
      for (auto &line : skipped) warn(std::move(line));
      out.SetIdp(std::move(data));
      return SSO_OK;
    }
    warn("the backing copy of the IdP metadata (saml_idp_metadata) is not used: " + detail +
         "; sign-in waits for the first refresh from " + LogSafe(url, 200));
  }
  out.idp_ready = false;
  return SSO_OK;
}

}  // namespace

sso_status BuildIdp(const IdpLines &lines, std::string_view xml,
                    const std::function<void(std::string)> &warn, IdpData &out,
                    std::string &error) {
  if (xml.empty()) return BuildIdp(lines, nullptr, warn, out, error);
  if (!saml::InitXmlSec()) return SSO_ERR_INTERNAL;
  saml::XmlDocPtr doc = saml::ParseMetadataXml(xml, error);
  if (!doc) return SSO_SAML_METADATA_INVALID;
  return BuildIdp(lines, doc.get(), warn, out, error);
}

sso_status BuildIdp(const IdpLines &lines, const xmlDoc *doc,
                    const std::function<void(std::string)> &warn, IdpData &out,
                    std::string &error) {
  IdpData built;
  saml::IdpMetadata metadata;
  if (doc) {
    sso_status s = saml::ParseIdpMetadata(*doc, metadata, lines.entity_id);
    for (auto &line : metadata.warnings) warn(std::move(line));
    if (s != SSO_OK) {
      error = std::move(metadata.error);
      return s;
    }
    built.idp = std::move(metadata.idp);
    built.sign_requests = metadata.wants_signed_requests;
    built.valid_until_ms = metadata.valid_until_ms;
    built.valid_until_text = std::move(metadata.valid_until_text);
    built.entity_in_document = std::move(metadata.entity_in_document);
  }
  // Explicit settings override or complete the metadata.
  if (sso_status s = ApplyLines(lines, built.idp, warn, error); s != SSO_OK) return s;
  if (lines.sign_requests >= 0) built.sign_requests = lines.sign_requests != 0;
  if (!doc) {
    // without metadata, the three lines that stand for it: name the one that is missing
    if (sso_status s = CheckExplicitIdp(lines, error); s != SSO_OK) return s;
  }
  const saml::IdentityProvider &idp_data = built.idp;
  std::string idp = idp_data.entity_id.empty() ? "the IdP" : "IdP " + Quoted(idp_data.entity_id);
  if (idp_data.entity_id.empty()) {
    error = "no IdP entity ID: set saml_idp_metadata, or saml_idp_entity_id";
    return SSO_SAML_METADATA_INVALID;
  }
  if (idp_data.sso_url.empty() && idp_data.sso_post_url.empty()) {
    auto joined = [](const std::vector<std::string> &items) {
      std::string text;
      for (const auto &item : items) text += (text.empty() ? "" : ", ") + item;
      return text.empty() ? std::string("none") : text;
    };
    if (!metadata.skipped_sso.empty()) {
      error = idp +
              " has no SingleSignOnService at an https URL (http only on loopback) in its "
              "metadata (skipped: " +
              joined(metadata.skipped_sso) + "): set saml_idp_sso_url";
    } else {
      error = idp + " has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding" +
              (doc ? " in its metadata (it lists " + joined(metadata.sso_bindings) + ")"
                   : std::string()) +
              ": set saml_idp_sso_url";
    }
    return SSO_SAML_METADATA_INVALID;
  }
  if (idp_data.signing_keys.empty()) {
    if (metadata.skipped_certificates) {
      error = idp + ": none of its " + std::to_string(metadata.skipped_certificates) +
              " metadata signing certificates is usable (see the warnings): set "
              "saml_idp_certificate";
      return metadata.refused_certificates ? SSO_KEY_REFUSED : SSO_SAML_METADATA_INVALID;
    }
    error = idp + " has no signing certificate" +
            (doc ? std::string(" in its metadata") : std::string()) + ": set saml_idp_certificate";
    return SSO_SAML_METADATA_INVALID;
  }
  out = std::move(built);
  return SSO_OK;
}

std::string SpKeyProblem(const IdpLines &lines, const IdpData &data, bool have_sp_key) {
  if (!data.sign_requests || have_sp_key) return {};
  if (lines.sign_requests > 0)
    return "saml_sign_requests is on and there is no SP key: set saml_sp_key (and "
           "saml_sp_certificate, for the SP metadata the IdP imports)";
  return "IdP " + Quoted(data.idp.entity_id) +
         " wants signed AuthnRequests (WantAuthnRequestsSigned=\"true\" in its "
         "metadata) and there is no SP key: set saml_sp_key (and "
         "saml_sp_certificate, for the SP metadata the IdP imports), or "
         "saml_sign_requests off if the IdP accepts unsigned requests";
}

sso_status MakeSamlProvider(const sso_saml_provider_config &c, SamlProvider &out,
                            std::vector<std::string> *warnings, ConfigError *error,
                            MetadataFeed *feed) {
  out = SamlProvider{};
  std::string detail;
  auto warn = [warnings](std::string line) {
    if (warnings) warnings->push_back(std::move(line));
  };
  // the IdP's and the keys' errors name their line in their text: reported at the block
  auto fail = [&](sso_status s) { return Refuse(error, s, "", "", std::move(detail)); };
  out.name = String(c.name);
  if (out.name.empty() || HasControlCharacter(out.name)) return SSO_ERR_INVALID_ARGUMENT;
  out.idp_lines = LinesOf(c);
  MetadataFeed scratch_feed;
  if (c.idp_metadata_url.len) {
    if (sso_status s = SetUpFeed(c, out, warn, error, feed ? *feed : scratch_feed); s != SSO_OK)
      return s;
  } else if (c.idp_metadata_signing_certificates_count || c.idp_metadata_refresh_ms) {
    const char *line = c.idp_metadata_signing_certificates_count
                           ? "saml_idp_metadata_signing_certificate"
                           : "saml_idp_metadata_refresh";
    return Refuse(error, SSO_CONFIG_MISSING_LINE, line, "",
                  std::string("\"") + line + "\" is for metadata fetched from a URL: add " +
                      "\"saml_idp_metadata_url https://...;\", or remove it");
  } else {
    IdpData data;
    if (sso_status s = BuildIdp(out.idp_lines, View(c.idp_metadata_xml), warn, data, detail);
        s != SSO_OK)
      return fail(s);
    data.valid_until_ms = 0;  // a file named in the configuration is used as it is
    out.SetIdp(std::move(data));
  }

  out.sp.entity_id = String(c.sp_entity_id);
  out.sp.acs_url = String(c.acs_url);
  out.sp.clock_skew_ms = c.clock_skew_ms;
  out.sp.allow_unsolicited = c.allow_idp_initiated != 0;
  if (c.clock_skew_ms < 0) return SSO_ERR_INVALID_ARGUMENT;
  if (out.sp.entity_id.empty() || HasControlCharacter(out.sp.entity_id))
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "saml_sp_entity_id", "",
                  "\"saml_sp_entity_id\" is missing: add this app's entity ID, the name the IdP "
                  "knows it by (often its metadata URL), e.g. \"saml_sp_entity_id "
                  "https://app.example.com/sso/saml;\"");
  if (sso_status s = CheckOwnUrl("saml_acs_url", out.sp.acs_url, "/saml/acs", c.facts, error);
      s != SSO_OK)
    return s;

  if (c.sp_key_pem.len) {
    out.sp_key = saml::LoadPrivateKey(View(c.sp_key_pem));
    detail = "saml_sp_key is not a readable PEM private key";
    if (!out.sp_key) return fail(SSO_SAML_KEY_INVALID);
    if (sso_status s = saml::LoadDecryptionKey(View(c.sp_key_pem), out.sp.decryption_key);
        s != SSO_OK)
      return fail(s);
  }
  if (c.sp_certificate_pem.len) {
    out.sp_certificate = saml::PemBody(View(c.sp_certificate_pem));
    detail = "saml_sp_certificate is not a PEM certificate";
    if (out.sp_certificate.empty()) return fail(SSO_SAML_KEY_INVALID);
  }
  detail.clear();
  if (sso_status s = SetSingleLogout(c, out); s != SSO_OK) return s;
  // a metadata URL's copies are checked for this when they come (AcceptMetadata)
  IdpData asked;
  asked.sign_requests = out.idp_ready ? out.sign_requests : false;
  asked.idp.entity_id = out.idp.entity_id;
  if (c.sign_requests > 0) asked.sign_requests = true;
  if (detail = SpKeyProblem(out.idp_lines, asked, out.sp_key != nullptr); !detail.empty())
    return fail(SSO_CONFIG_SP_KEY_REQUIRED);

  if (sso_status s = CheckEmailDomains(Strings(c.email_domains, c.email_domains_count),
                                       out.email_domains, error);
      s != SSO_OK)
    return s;
  out.attribute_map = StringMap(c.attribute_map, c.attribute_map_count);
  return SSO_OK;
}

Identity IdentityFromAssertion(const SamlProvider &p, const saml::Assertion &a) {
  Identity id;
  id.provider = p.name;
  id.subject = a.name_id;
  id.issuer = a.issuer;
  // Until the provisioning hook names the app's own user id, the NameID stands in.
  id.user = a.name_id;
  if (auto v = Values(a, p, "email"); v && !v->empty()) {
    id.email = v->front();
  } else if (a.name_id_format == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress") {
    id.email = a.name_id;
  }
  if (auto v = Values(a, p, "name"); v && !v->empty()) id.name = v->front();
  if (auto v = Values(a, p, "groups")) id.groups = *v;
  for (const auto &[field, attribute] : p.attribute_map) {
    if (field == "email" || field == "name" || field == "groups") continue;
    if (auto it = a.attributes.find(attribute); it != a.attributes.end() && !it->second.empty())
      id.attributes[field] = it->second.front();
  }
  id.attributes["saml_nameid_format"] = a.name_id_format;
  if (!a.session_index.empty()) id.attributes["saml_session_index"] = a.session_index;
  // Values that could split a header are dropped here rather than failing the login later.
  auto clean = [](std::string &s) {
    if (HasControlCharacter(s)) s.clear();
  };
  clean(id.email);
  clean(id.name);
  std::erase_if(id.groups, [](const std::string &g) { return HasControlCharacter(g); });
  std::erase_if(id.attributes, [](const auto &kv) { return HasControlCharacter(kv.second); });
  return id;
}

}  // namespace sso
