#include "saml/authn_request.h"

#include <zlib.h>

#include <ctime>

#include "saml/post_form.h"
#include "saml/redirect_binding.h"
#include "saml/xml_sign.h"
#include "saml/xml_util.h"
#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::saml {

std::optional<std::string> Deflate(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(produced);
  return out;
}

std::optional<std::string> Inflate(std::string_view data, size_t max_size) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return std::nullopt;
  std::string out(max_size, '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  size_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(produced);
  return out;
}

std::string AuthnRequestXml(const AuthnRequestInput &in) {
  return "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
         HtmlEscape(in.id) + "\" Version=\"2.0\" IssueInstant=\"" + FormatDateTime(in.now_ms) +
         "\" Destination=\"" + HtmlEscape(in.idp_sso_url) +
         "\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "AssertionConsumerServiceURL=\"" +
         HtmlEscape(in.acs_url) + "\"><saml:Issuer>" + HtmlEscape(in.sp_entity_id) +
         "</saml:Issuer><samlp:NameIDPolicy AllowCreate=\"true\"/></samlp:AuthnRequest>";
}

std::optional<std::string> RedirectUrl(const AuthnRequestInput &in) {
  return RedirectBindingUrl(in.idp_sso_url, MessageParameter::kRequest, AuthnRequestXml(in),
                            in.relay_state, in.signing_key);
}

std::optional<std::string> PostPage(const AuthnRequestInput &in) {
  std::string xml = AuthnRequestXml(in);
  if (in.signing_key) {
    auto signed_xml = SignEnveloped(xml, in.signing_key);
    if (!signed_xml) return std::nullopt;
    xml = std::move(*signed_xml);
  }
  std::vector<FormField> fields{{"SAMLRequest", Base64Encode(xml)}};
  if (!in.relay_state.empty()) fields.emplace_back("RelayState", in.relay_state);
  return AutoPostPage("Signing in", in.idp_sso_url, fields);
}

}  // namespace sso::saml
