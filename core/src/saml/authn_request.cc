#include "saml/authn_request.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <zlib.h>

#include <ctime>

#include "saml/xml_util.h"
#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

// Query-component encoding: everything but unreserved characters, '/' included.
std::string QueryEncode(std::string_view text) {
  std::string out = UrlEncode(text);
  std::string strict;
  for (char c : out) {
    if (c == '/')
      strict += "%2F";
    else
      strict.push_back(c);
  }
  return strict;
}

std::string Iso(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

PrivateKey LoadPrivateKey(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return nullptr;
  PrivateKey out(key, PkeyFree{});
  int id = EVP_PKEY_get_base_id(key);
  int bits = EVP_PKEY_get_bits(key);
  if ((id == EVP_PKEY_RSA && bits >= 2048) || (id == EVP_PKEY_EC && bits >= 256)) return out;
  return nullptr;
}

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

std::optional<std::string> RedirectUrl(const AuthnRequestInput &in) {
  std::string xml =
      "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
      HtmlEscape(in.id) + "\" Version=\"2.0\" IssueInstant=\"" + Iso(in.now_ms) +
      "\" Destination=\"" + HtmlEscape(in.idp_sso_url) +
      "\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
      "AssertionConsumerServiceURL=\"" +
      HtmlEscape(in.acs_url) + "\"><saml:Issuer>" + HtmlEscape(in.sp_entity_id) +
      "</saml:Issuer><samlp:NameIDPolicy AllowCreate=\"true\"/></samlp:AuthnRequest>";
  auto deflated = Deflate(xml);
  if (!deflated) return std::nullopt;

  std::string query = "SAMLRequest=" + QueryEncode(Base64Encode(*deflated));
  if (!in.relay_state.empty()) query += "&RelayState=" + QueryEncode(in.relay_state);
  if (in.signing_key) {
    bool ec = EVP_PKEY_get_base_id(in.signing_key.get()) == EVP_PKEY_EC;
    query += "&SigAlg=" + QueryEncode(ec ? "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
                                         : "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    size_t len = 0;
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, in.signing_key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char *>(query.data()), query.size()) != 1)
      return std::nullopt;
    std::string signature(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &len,
                       reinterpret_cast<const unsigned char *>(query.data()), query.size()) != 1)
      return std::nullopt;
    signature.resize(len);
    query += "&Signature=" + QueryEncode(Base64Encode(signature));
  }
  return in.idp_sso_url + (in.idp_sso_url.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace sso::saml
