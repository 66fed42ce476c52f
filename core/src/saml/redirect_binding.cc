#include "saml/redirect_binding.h"

#include <openssl/evp.h>
#include <xmlsec/openssl/evp.h>

#include <array>
#include <memory>
#include <vector>

#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

constexpr const char *kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr const char *kEcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

struct SignatureAlgorithm {
  const char *uri;
  int key_type;
  const EVP_MD *(*digest)();
};

constexpr std::array<SignatureAlgorithm, 6> kAllowed = {{
    {kRsaSha256, EVP_PKEY_RSA, EVP_sha256},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", EVP_PKEY_RSA, EVP_sha384},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", EVP_PKEY_RSA, EVP_sha512},
    {kEcdsaSha256, EVP_PKEY_EC, EVP_sha256},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", EVP_PKEY_EC, EVP_sha384},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", EVP_PKEY_EC, EVP_sha512},
}};

const char *ParameterName(MessageParameter parameter) {
  return parameter == MessageParameter::kRequest ? "SAMLRequest" : "SAMLResponse";
}

// Query-component encoding: everything but unreserved characters, '/' included.
std::string QueryEncode(std::string_view text) {
  std::string out;
  for (char c : UrlEncode(text)) {
    if (c == '/')
      out += "%2F";
    else
      out.push_back(c);
  }
  return out;
}

std::optional<std::string> Sign(const PrivateKey &key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto *bytes = reinterpret_cast<const unsigned char *>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1)
    return std::nullopt;
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &len, bytes,
                     data.size()) != 1)
    return std::nullopt;
  signature.resize(len);
  return signature;
}

// The parameters of a raw query, values still encoded; nullopt if one of ours is repeated.
struct RawParameters {
  std::string_view message, relay_state, sig_alg, signature;
  bool has_relay_state = false;
};

std::optional<RawParameters> SplitQuery(std::string_view query, std::string_view message_name) {
  RawParameters out;
  std::array<bool, 4> seen{};
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::array<std::pair<std::string_view, std::string_view *>, 4> fields = {{
        {message_name, &out.message},
        {"RelayState", &out.relay_state},
        {"SigAlg", &out.sig_alg},
        {"Signature", &out.signature},
    }};
    for (size_t i = 0; i < fields.size(); ++i) {
      if (name != fields[i].first) continue;
      if (seen[i]) return std::nullopt;
      seen[i] = true;
      *fields[i].second = value;
    }
  }
  out.has_relay_state = seen[1];
  return out;
}

bool Verifies(const SignatureAlgorithm &alg, const SharedKey &key, std::string_view signed_bytes,
              std::string_view signature) {
  EVP_PKEY *pkey = xmlSecOpenSSLEvpKeyDataGetEvp(xmlSecKeyGetValue(key.get()));
  if (!pkey || EVP_PKEY_get_base_id(pkey) != alg.key_type) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, alg.digest(), nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char *>(signed_bytes.data()),
                          signed_bytes.size()) == 1;
}

sso_status CheckSignature(const RawParameters &raw, std::string_view message_name,
                          std::span<const SharedKey> keys) {
  if (raw.sig_alg.empty() || raw.signature.empty()) return SSO_SAML_NOT_SIGNED;
  auto sig_alg = FormDecode(raw.sig_alg);
  if (!sig_alg) return SSO_SAML_SIGNATURE_MALFORMED;
  const SignatureAlgorithm *alg = nullptr;
  for (const auto &a : kAllowed)
    if (*sig_alg == a.uri) alg = &a;
  if (!alg) return SSO_SAML_SIGNATURE_ALGORITHM;
  auto encoded = FormDecode(raw.signature);
  auto signature = encoded ? Base64Decode(*encoded) : std::nullopt;
  if (!signature) return SSO_SAML_SIGNATURE_MALFORMED;
  // the octets as they came, in the binding's order (§3.4.4.1)
  std::string signed_bytes = std::string(message_name) + "=" + std::string(raw.message);
  if (raw.has_relay_state) signed_bytes += "&RelayState=" + std::string(raw.relay_state);
  signed_bytes += "&SigAlg=" + std::string(raw.sig_alg);
  for (const SharedKey &key : keys)
    if (Verifies(*alg, key, signed_bytes, *signature)) return SSO_OK;
  return SSO_SAML_SIGNATURE_INVALID;
}

}  // namespace

std::optional<std::string> RedirectBindingUrl(std::string_view destination,
                                              MessageParameter parameter, std::string_view xml,
                                              std::string_view relay_state,
                                              const PrivateKey &signing_key) {
  auto deflated = Deflate(xml);
  if (!deflated) return std::nullopt;
  std::string query =
      std::string(ParameterName(parameter)) + "=" + QueryEncode(Base64Encode(*deflated));
  if (!relay_state.empty()) query += "&RelayState=" + QueryEncode(relay_state);
  if (signing_key) {
    bool ec = EVP_PKEY_get_base_id(signing_key.get()) == EVP_PKEY_EC;
    query += "&SigAlg=" + QueryEncode(ec ? kEcdsaSha256 : kRsaSha256);
    auto signature = Sign(signing_key, query);
    if (!signature) return std::nullopt;
    query += "&Signature=" + QueryEncode(Base64Encode(*signature));
  }
  std::string url(destination);
  url += destination.find('?') == std::string_view::npos ? "?" : "&";
  return url + query;
}

namespace {

sso_status Decode(const RawParameters &raw, RedirectMessage &out) {
  auto encoded = FormDecode(raw.message);
  auto deflated = encoded ? Base64Decode(*encoded) : std::nullopt;
  auto xml = deflated ? Inflate(*deflated, kMaxRedirectMessageBytes) : std::nullopt;
  if (!xml) return SSO_SAML_BAD_ENCODING;
  auto relay_state = FormDecode(raw.relay_state);
  if (!relay_state) return SSO_SAML_BAD_ENCODING;
  out.xml = std::move(*xml);
  out.relay_state = std::move(*relay_state);
  return SSO_OK;
}

sso_status Split(std::string_view raw_query, std::string_view name, RawParameters &out) {
  auto raw = SplitQuery(raw_query, name);
  if (!raw || raw->message.empty()) return SSO_SAML_BAD_ENCODING;
  if (raw->message.size() > kMaxRedirectMessageBytes) return SSO_SAML_RESPONSE_TOO_LARGE;
  out = *raw;
  return SSO_OK;
}

}  // namespace

std::optional<MessageParameter> RedirectMessageKind(std::string_view raw_query) {
  auto request = SplitQuery(raw_query, ParameterName(MessageParameter::kRequest));
  auto response = SplitQuery(raw_query, ParameterName(MessageParameter::kResponse));
  if (!request || !response) return std::nullopt;
  bool has_request = !request->message.empty(), has_response = !response->message.empty();
  if (has_request == has_response) return std::nullopt;
  return has_request ? MessageParameter::kRequest : MessageParameter::kResponse;
}

sso_status PeekRedirectMessage(std::string_view raw_query, MessageParameter parameter,
                               RedirectMessage &out) {
  RawParameters raw;
  if (sso_status s = Split(raw_query, ParameterName(parameter), raw); s != SSO_OK) return s;
  return Decode(raw, out);
}

sso_status ReadRedirectMessage(std::string_view raw_query, MessageParameter parameter,
                               std::span<const SharedKey> keys, RedirectMessage &out) {
  std::string_view name = ParameterName(parameter);
  RawParameters raw;
  if (sso_status s = Split(raw_query, name, raw); s != SSO_OK) return s;
  if (sso_status s = CheckSignature(raw, name, keys); s != SSO_OK) return s;
  return Decode(raw, out);
}

}  // namespace sso::saml
