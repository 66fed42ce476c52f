#include "saml/signature.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>

#include <array>
#include <memory>
#include <string>

#include "crypto/public_key_check.h"
#include "saml/xml_util.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509 *x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct BnFree {
  void operator()(BIGNUM *b) const { BN_free(b); }
};

// "subject CN=idp.example, serial 0x1F..." for log lines (RFC 2253 escaping, no controls).
std::string CertificateName(X509 *cert) {
  std::string name = "subject ";
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                                XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    name += LogSafe(std::string_view(data, static_cast<size_t>(len > 0 ? len : 0)), 200);
  }
  std::unique_ptr<BIGNUM, BnFree> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char *hex = serial ? BN_bn2hex(serial.get()) : nullptr;
  if (hex) {
    name += std::string(", serial 0x") + hex;
    OPENSSL_free(hex);
  }
  return name;
}

constexpr const char *kExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char *kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr std::array<const char *, 6> kSignatureMethods = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"};
constexpr std::array<const char *, 3> kDigestMethods = {
    "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512"};

template <size_t N>
bool OneOf(const std::optional<std::string> &value, const std::array<const char *, N> &allowed) {
  if (!value) return false;
  for (const char *a : allowed)
    if (*value == a) return true;
  return false;
}

std::string StripSpace(std::string_view text) {
  std::string out;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
  return out;
}

// Structure of SignedInfo, checked before any cryptography runs.
sso_status CheckSignedInfo(xmlNode *signature, xmlNode *signed_element) {
  size_t n = 0;
  xmlNode *signed_info = OnlyChild(signature, kNsDSig, "SignedInfo", &n);
  if (!signed_info) return SSO_SAML_SIGNATURE_MALFORMED;
  xmlNode *c14n = OnlyChild(signed_info, kNsDSig, "CanonicalizationMethod", &n);
  if (!c14n || !AttributeIs(c14n, "Algorithm", kExcC14N)) return SSO_SAML_SIGNATURE_ALGORITHM;
  xmlNode *method = OnlyChild(signed_info, kNsDSig, "SignatureMethod", &n);
  if (!method || !OneOf(Attribute(method, "Algorithm"), kSignatureMethods))
    return SSO_SAML_SIGNATURE_ALGORITHM;

  xmlNode *reference = OnlyChild(signed_info, kNsDSig, "Reference", &n);
  if (!reference) return SSO_SAML_SIGNATURE_REFERENCE;
  auto id = Attribute(signed_element, "ID");
  if (!id || id->empty() || Attribute(reference, "URI") != "#" + *id)
    return SSO_SAML_SIGNATURE_REFERENCE;

  bool enveloped = false;
  if (xmlNode *transforms = OnlyChild(reference, kNsDSig, "Transforms", &n)) {
    for (xmlNode *t : EachChild(transforms, kNsDSig, "Transform")) {
      auto algorithm = Attribute(t, "Algorithm");
      if (algorithm == kEnveloped && !enveloped) {
        enveloped = true;
      } else if (algorithm != kExcC14N) {
        return SSO_SAML_SIGNATURE_ALGORITHM;
      }
    }
  } else if (n > 1) {
    return SSO_SAML_SIGNATURE_MALFORMED;
  }
  if (!enveloped) return SSO_SAML_SIGNATURE_REFERENCE;
  xmlNode *digest = OnlyChild(reference, kNsDSig, "DigestMethod", &n);
  if (!digest || !OneOf(Attribute(digest, "Algorithm"), kDigestMethods))
    return SSO_SAML_SIGNATURE_ALGORITHM;
  return SSO_OK;
}

bool RestrictAlgorithms(xmlSecDSigCtx *ctx) {
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  for (xmlSecTransformId id :
       {xmlSecTransformExclC14NId, xmlSecTransformEnvelopedId, xmlSecTransformSha256Id,
        xmlSecTransformSha384Id, xmlSecTransformSha512Id}) {
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, id) < 0) return false;
  }
  for (xmlSecTransformId id :
       {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id}) {
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, id) < 0) return false;
  }
  return true;
}

}  // namespace

sso_status LoadCertificateKey(std::string_view certificate, SharedKey &out, std::string *why) {
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  std::unique_ptr<X509, X509Free> cert;
  if (certificate.find("-----BEGIN") != std::string_view::npos) {
    std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(certificate.data(), static_cast<int>(certificate.size())));
    if (bio) cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    std::string b64 = StripSpace(certificate);
    std::string der(b64.size() / 4 * 3 + 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(der.data()),
                            reinterpret_cast<const unsigned char *>(b64.data()),
                            static_cast<int>(b64.size()));
    if (n > 0 && b64.size() % 4 == 0) {
      // EVP_DecodeBlock counts '=' padding as zero bytes; DER tolerates nothing extra, so
      // trim them.
      size_t pad =
          (b64.size() >= 1 && b64.back() == '=') + (b64.size() >= 2 && b64[b64.size() - 2] == '=');
      const unsigned char *p = reinterpret_cast<const unsigned char *>(der.data());
      cert.reset(d2i_X509(nullptr, &p, n - static_cast<long>(pad)));
    }
  }
  if (!cert) return SSO_SAML_KEY_INVALID;
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(X509_get_pubkey(cert.get()));
  int id = pkey ? EVP_PKEY_get_base_id(pkey.get()) : EVP_PKEY_NONE;
  // a key OpenSSL cannot decode from a certificate it can read: e.g. an EC point off its curve
  const char *problem = pkey ? PublicKeyProblem(pkey.get()) : "public key cannot be decoded";
  if (!problem && id != EVP_PKEY_RSA && id != EVP_PKEY_EC)
    problem = "key type is not RSA or EC";  // the signature algorithms we allow
  if (problem) {
    if (why) *why = CertificateName(cert.get()) + ": " + problem;
    return SSO_KEY_REFUSED;
  }

  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey.get());
  if (!data) return SSO_SAML_KEY_INVALID;
  pkey.release();  // owned by `data` now
  XmlSecKeyPtr key(xmlSecKeyCreate());
  if (!key || xmlSecKeySetValue(key.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    return SSO_ERR_OUT_OF_MEMORY;
  }
  out = SharedKey(key.release(), XmlSecKeyFree{});
  return SSO_OK;
}

sso_status VerifyEnvelopedSignature(xmlNode *signature, xmlNode *signed_element,
                                    std::span<const SharedKey> keys) {
  if (!signature || signature->parent != signed_element) return SSO_SAML_SIGNATURE_REFERENCE;
  if (sso_status status = CheckSignedInfo(signature, signed_element); status != SSO_OK)
    return status;
  if (keys.empty()) return SSO_SAML_SIGNATURE_INVALID;

  for (const SharedKey &key : keys) {
    DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx || !RestrictAlgorithms(ctx.get())) return SSO_ERR_OUT_OF_MEMORY;
    // The key is pinned: with signKey set, nothing in <ds:KeyInfo> is consulted.
    ctx->signKey = xmlSecKeyDuplicate(key.get());
    if (!ctx->signKey) return SSO_ERR_OUT_OF_MEMORY;
    // A failure here can be a key of the wrong type for this signature: try the next key.
    if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0) continue;
    if (ctx->status == xmlSecDSigStatusSucceeded &&
        xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1)
      return SSO_OK;
  }
  // A failed verification leaves OpenSSL errors in this thread's queue, where nginx's next
  // TLS call would find them ("ignoring stale global SSL error"): they are ours, drop them.
  ERR_clear_error();
  return SSO_SAML_SIGNATURE_INVALID;
}

}  // namespace sso::saml
