#include "saml/provider.h"

#include <array>
#include <functional>
#include <string_view>

#include "config/email_domains.h"
#include "config/provider_urls.h"
#include "saml/decrypt.h"
#include "saml/metadata.h"
#include "saml/signature.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

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
  if (c.idp_slo_url.len) {
    std::string url = String(c.idp_slo_url);
    if (!IsAcceptableEndpoint(url)) return SSO_CONFIG_BAD_SLO_URL;
    out.idp.slo_redirect_url = url;
    out.idp.slo_redirect_response_url = std::move(url);
  }
  return SSO_OK;
}

std::string Quoted(std::string_view text) { return "\"" + LogSafe(text, 200) + "\""; }

// Without metadata, the three lines that stand for it.
sso_status CheckExplicitIdp(const sso_saml_provider_config &c, ConfigError *error) {
  if (!c.idp_entity_id.len && !c.idp_sso_url.len && !c.idp_certificates_count)
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "", "",
                  "the IdP is missing: add \"saml_idp_metadata /path/to/idp-metadata.xml;\", "
                  "or \"saml_idp_entity_id\", \"saml_idp_sso_url\" and \"saml_idp_certificate\"");
  const char *missing = !c.idp_entity_id.len        ? "saml_idp_entity_id"
                        : !c.idp_sso_url.len        ? "saml_idp_sso_url"
                        : !c.idp_certificates_count ? "saml_idp_certificate"
                                                    : nullptr;
  if (missing)
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "", "",
                  std::string("\"") + missing + "\" is missing: without \"saml_idp_metadata\", " +
                      "\"saml_idp_entity_id\", \"saml_idp_sso_url\" and " +
                      "\"saml_idp_certificate\" go together");
  return SSO_OK;
}

// The IdP: its metadata (the entity saml_idp_entity_id chooses in an aggregate), completed or
// overridden by the explicit lines; whatever is still missing fails, naming it and the fix.
sso_status SetIdentityProvider(const sso_saml_provider_config &c, SamlProvider &out,
                               const std::function<void(std::string)> &warn, std::string &error) {
  saml::IdpMetadata metadata;
  if (c.idp_metadata_xml.len) {
    sso_status s =
        saml::ParseIdpMetadata(View(c.idp_metadata_xml), metadata, View(c.idp_entity_id));
    for (auto &line : metadata.warnings) warn(std::move(line));
    if (s != SSO_OK) {
      error = std::move(metadata.error);
      return s;
    }
    out.idp = std::move(metadata.idp);
    out.sign_requests = metadata.wants_signed_requests;
  }
  // Explicit settings override or complete the metadata.
  if (c.idp_entity_id.len) out.idp.entity_id = String(c.idp_entity_id);
  if (c.idp_sso_url.len) {
    out.idp.sso_url = String(c.idp_sso_url);
    if (!IsAcceptableEndpoint(out.idp.sso_url)) {
      error = "saml_idp_sso_url " + Quoted(out.idp.sso_url) +
              " is not an https URL (http only on loopback)";
      return SSO_SAML_METADATA_INVALID;
    }
  }
  for (size_t i = 0; i < c.idp_certificates_count; ++i) {
    saml::SharedKey key;
    std::string why = "not a readable PEM certificate";
    if (sso_status s = saml::LoadCertificateKey(View(c.idp_certificates[i]), key, &why);
        s != SSO_OK) {
      if (s == SSO_KEY_REFUSED)
        warn("saml_idp_certificate " + std::to_string(i + 1) + " refused: " + why);
      error = "saml_idp_certificate " + std::to_string(i + 1) + ": " + why;
      return s;
    }
    out.idp.signing_keys.push_back(std::move(key));
  }

  if (!c.idp_metadata_xml.len) {
    // without metadata, the three lines that stand for it: name the one that is missing
    ConfigError missing;
    if (sso_status s = CheckExplicitIdp(c, &missing); s != SSO_OK) {
      error = std::move(missing.message);
      return s;
    }
  }
  std::string idp = out.idp.entity_id.empty() ? "the IdP" : "IdP " + Quoted(out.idp.entity_id);
  if (out.idp.entity_id.empty()) {
    error = "no IdP entity ID: set saml_idp_metadata, or saml_idp_entity_id";
    return SSO_SAML_METADATA_INVALID;
  }
  if (out.idp.sso_url.empty() && out.idp.sso_post_url.empty()) {
    auto joined = [](const std::vector<std::string> &items) {
      std::string out;
      for (const auto &item : items) out += (out.empty() ? "" : ", ") + item;
      return out.empty() ? std::string("none") : out;
    };
    if (!metadata.skipped_sso.empty()) {
      error = idp +
              " has no SingleSignOnService at an https URL (http only on loopback) in its "
              "metadata (skipped: " +
              joined(metadata.skipped_sso) + "): set saml_idp_sso_url";
    } else {
      error = idp + " has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding" +
              (c.idp_metadata_xml.len
                   ? " in its metadata (it lists " + joined(metadata.sso_bindings) + ")"
                   : std::string()) +
              ": set saml_idp_sso_url";
    }
    return SSO_SAML_METADATA_INVALID;
  }
  if (out.idp.signing_keys.empty()) {
    if (metadata.skipped_certificates) {
      error = idp + ": none of its " + std::to_string(metadata.skipped_certificates) +
              " metadata signing certificates is usable (see the warnings): set "
              "saml_idp_certificate";
      return metadata.refused_certificates ? SSO_KEY_REFUSED : SSO_SAML_METADATA_INVALID;
    }
    error = idp + " has no signing certificate" +
            (c.idp_metadata_xml.len ? std::string(" in its metadata") : std::string()) +
            ": set saml_idp_certificate";
    return SSO_SAML_METADATA_INVALID;
  }
  return SSO_OK;
}

}  // namespace

sso_status MakeSamlProvider(const sso_saml_provider_config &c, SamlProvider &out,
                            std::vector<std::string> *warnings, ConfigError *error) {
  out = SamlProvider{};
  std::string detail;
  auto warn = [warnings](std::string line) {
    if (warnings) warnings->push_back(std::move(line));
  };
  // the IdP's and the keys' errors name their line in their text: reported at the block
  auto fail = [&](sso_status s) { return Refuse(error, s, "", "", std::move(detail)); };
  out.name = String(c.name);
  if (out.name.empty() || HasControlCharacter(out.name)) return SSO_ERR_INVALID_ARGUMENT;
  if (sso_status s = SetIdentityProvider(c, out, warn, detail); s != SSO_OK) return fail(s);

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
  if (c.sign_requests >= 0) out.sign_requests = c.sign_requests != 0;
  if (out.sign_requests && !out.sp_key) {
    detail = c.sign_requests > 0
                 ? "saml_sign_requests is on and there is no SP key: set saml_sp_key (and "
                   "saml_sp_certificate, for the SP metadata the IdP imports)"
                 : "IdP " + Quoted(out.idp.entity_id) +
                       " wants signed AuthnRequests (WantAuthnRequestsSigned=\"true\" in its "
                       "metadata) and there is no SP key: set saml_sp_key (and "
                       "saml_sp_certificate, for the SP metadata the IdP imports), or "
                       "saml_sign_requests off if the IdP accepts unsigned requests";
    return fail(SSO_CONFIG_SP_KEY_REQUIRED);
  }

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
