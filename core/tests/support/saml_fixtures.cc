#include "support/saml_fixtures.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "saml/signature.h"
#include "saml/xml_ptr.h"
#include "saml/xml_util.h"

namespace saml_test {

using sso::saml::DSigCtxPtr;
using sso::saml::XmlDocPtr;

std::string KeyPath(const std::string &name) {
  const char *dir = std::getenv("SSO_TEST_KEYS_DIR");
  return std::string(dir ? dir : SSO_TEST_KEYS_DIR) + "/" + name;
}

std::string ReadFile(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Iso(int64_t ms) { return sso::saml::FormatDateTime(ms); }

std::string BuildResponse(const ResponseSpec &s) {
  std::ostringstream x;
  x << "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\""
    << " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" << s.response_id
    << "\" Version=\"2.0\" IssueInstant=\"" << Iso(kNow) << "\"";
  if (s.destination) x << " Destination=\"" << *s.destination << "\"";
  if (s.in_response_to) x << " InResponseTo=\"" << *s.in_response_to << "\"";
  x << ">";
  if (s.response_issuer) x << "<saml:Issuer>" << *s.response_issuer << "</saml:Issuer>";
  x << "<samlp:Status><samlp:StatusCode Value=\"" << s.status << "\"/></samlp:Status>";
  x << "<saml:Assertion ID=\"" << s.assertion_id << "\" Version=\"2.0\" IssueInstant=\""
    << Iso(kNow) << "\"><saml:Issuer>" << s.assertion_issuer << "</saml:Issuer>";
  x << "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:"
    << "emailAddress\">" << s.name_id_xml << "</saml:NameID>"
    << "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
    << "<saml:SubjectConfirmationData Recipient=\"" << s.recipient << "\" NotOnOrAfter=\""
    << Iso(s.confirmation_not_on_or_after) << "\"";
  if (s.confirmation_in_response_to)
    x << " InResponseTo=\"" << *s.confirmation_in_response_to << "\"";
  x << "/></saml:SubjectConfirmation></saml:Subject>";
  if (s.conditions) {
    x << "<saml:Conditions NotBefore=\"" << Iso(s.not_before) << "\" NotOnOrAfter=\""
      << Iso(s.not_on_or_after) << "\"><saml:AudienceRestriction><saml:Audience>" << s.audience
      << "</saml:Audience></saml:AudienceRestriction></saml:Conditions>";
  }
  if (s.authn_statement) {
    x << "<saml:AuthnStatement AuthnInstant=\"" << Iso(kNow) << "\" SessionIndex=\"_sess1\">"
      << "<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:"
      << "classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>"
      << "</saml:AuthnStatement>";
  }
  if (!s.attributes.empty()) {
    x << "<saml:AttributeStatement>";
    for (const auto &[name, values] : s.attributes) {
      x << "<saml:Attribute Name=\"" << name << "\">";
      for (const auto &v : values) x << "<saml:AttributeValue>" << v << "</saml:AttributeValue>";
      x << "</saml:Attribute>";
    }
    x << "</saml:AttributeStatement>";
  }
  x << s.extra_assertion_xml << "</saml:Assertion>" << s.extra_response_xml << "</samlp:Response>";
  return x.str();
}

namespace {

xmlSecTransformId SignatureTransform(const std::string &m) {
  if (m == "rsa-sha1") return xmlSecTransformRsaSha1Id;
  if (m == "rsa-sha256") return xmlSecTransformRsaSha256Id;
  if (m == "ecdsa-sha256") return xmlSecTransformEcdsaSha256Id;
  if (m == "hmac-sha256") return xmlSecTransformHmacSha256Id;
  throw std::runtime_error("unknown signature method " + m);
}

xmlNode *FindById(xmlNode *node, const std::string &id) {
  for (; node; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    if (sso::saml::Attribute(node, "ID") == id) return node;
    if (xmlNode *found = FindById(node->children, id)) return found;
  }
  return nullptr;
}

}  // namespace

std::string Sign(const std::string &xml, const std::string &id, const SignOptions &o) {
  if (!sso::saml::InitXmlSec()) throw std::runtime_error("xmlsec init");
  XmlDocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "t.xml", nullptr, 0));
  if (!doc) throw std::runtime_error("fixture is not XML");
  xmlNode *target = FindById(xmlDocGetRootElement(doc.get()), id);
  if (!target) throw std::runtime_error("no element with ID " + id);
  for (xmlNode *n : {xmlDocGetRootElement(doc.get()), target}) {
    xmlAttr *attr = xmlHasNsProp(n, reinterpret_cast<const xmlChar *>("ID"), nullptr);
    if (attr && !xmlGetID(doc.get(), attr->children->content))
      xmlAddID(nullptr, doc.get(), attr->children->content, attr);
  }

  xmlSecTransformId c14n = o.exclusive_c14n ? xmlSecTransformExclC14NId : xmlSecTransformInclC14NId;
  xmlNode *sig =
      xmlSecTmplSignatureCreate(doc.get(), c14n, SignatureTransform(o.signature_method), nullptr);
  // SAML's schema puts the signature right after the Issuer.
  xmlNode *issuer = target->children;
  while (issuer && !sso::saml::Is(issuer, sso::saml::kNsAssertion, "Issuer")) issuer = issuer->next;
  if (issuer)
    xmlAddNextSibling(issuer, sig);
  else
    xmlAddPrevSibling(target->children, sig);

  std::string uri = o.reference_uri.empty() ? "#" + id : o.reference_uri;
  xmlSecTransformId digest = o.digest == "sha1" ? xmlSecTransformSha1Id : xmlSecTransformSha256Id;
  xmlNode *ref = xmlSecTmplSignatureAddReference(
      sig, digest, nullptr, reinterpret_cast<const xmlChar *>(uri.c_str()), nullptr);
  xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
  xmlSecTmplReferenceAddTransform(ref, c14n);
  if (o.second_reference) {
    xmlNode *ref2 = xmlSecTmplSignatureAddReference(
        sig, digest, nullptr, reinterpret_cast<const xmlChar *>(uri.c_str()), nullptr);
    xmlSecTmplReferenceAddTransform(ref2, xmlSecTransformEnvelopedId);
  }
  if (o.key_info_certificate) {
    xmlNode *key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
    xmlSecTmplKeyInfoAddX509Data(key_info);
  }

  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (o.signature_method == "hmac-sha256") {
    static const unsigned char secret[] = "a shared secret an attacker knows";
    ctx->signKey = xmlSecKeyReadMemory(xmlSecKeyDataHmacId, secret, sizeof secret - 1);
  } else {
    std::string key = KeyPath(o.key + ".key");
    std::string cert = KeyPath(o.key + ".crt");
    ctx->signKey =
        xmlSecCryptoAppKeyLoad(key.c_str(), xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr);
    if (!ctx->signKey) throw std::runtime_error("cannot load " + key);
    if (o.key_info_certificate)
      xmlSecCryptoAppKeyCertLoad(ctx->signKey, cert.c_str(), xmlSecKeyDataFormatPem);
  }
  if (xmlSecDSigCtxSign(ctx.get(), sig) < 0) throw std::runtime_error("signing failed");

  xmlChar *out = nullptr;
  int len = 0;
  xmlDocDumpMemory(doc.get(), &out, &len);
  std::string result(reinterpret_cast<char *>(out), static_cast<size_t>(len));
  xmlFree(out);
  return result;
}

std::string EncryptAssertion(const std::string &xml, const std::string &id,
                             const EncryptOptions &o) {
  if (!sso::saml::InitXmlSec()) throw std::runtime_error("xmlsec init");
  XmlDocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "t.xml", nullptr, 0));
  xmlNode *assertion = FindById(xmlDocGetRootElement(doc.get()), id);
  if (!assertion) throw std::runtime_error("no assertion " + id);
  // The encrypted fragment must stand alone: declare the prefix on the Assertion itself, as
  // IdPs do (exclusive c14n renders it there anyway, so the signature is unaffected).
  if (!xmlSearchNsByHref(doc.get(), assertion, BAD_CAST sso::saml::kNsAssertion) ||
      !assertion->nsDef)
    xmlNewNs(assertion, BAD_CAST sso::saml::kNsAssertion, BAD_CAST "saml");

  xmlSecTransformId content = xmlSecTransformAes128GcmId;
  xmlSecKeyDataId session_type = xmlSecKeyDataAesId;
  xmlSecSize bits = 128;
  if (o.content == "aes256-gcm") {
    content = xmlSecTransformAes256GcmId;
    bits = 256;
  } else if (o.content == "aes128-cbc") {
    content = xmlSecTransformAes128CbcId;
  } else if (o.content == "tripledes-cbc") {
    content = xmlSecTransformDes3CbcId;
    session_type = xmlSecKeyDataDesId;
    bits = 192;
  }
  xmlSecTransformId transport =
      o.key_transport == "rsa-1_5" ? xmlSecTransformRsaPkcs1Id : xmlSecTransformRsaOaepId;

  xmlNode *data =
      xmlSecTmplEncDataCreate(doc.get(), content, nullptr, xmlSecTypeEncElement, nullptr, nullptr);
  xmlSecTmplEncDataEnsureCipherValue(data);
  xmlNode *key_info = xmlSecTmplEncDataEnsureKeyInfo(data, nullptr);
  xmlNode *encrypted_key =
      xmlSecTmplKeyInfoAddEncryptedKey(key_info, transport, nullptr, nullptr, nullptr);
  xmlSecTmplEncDataEnsureCipherValue(encrypted_key);

  xmlSecKeysMngrPtr manager = xmlSecKeysMngrCreate();
  xmlSecCryptoAppDefaultKeysMngrInit(manager);
  std::string cert = KeyPath(o.recipient + ".crt");
  xmlSecKeyPtr rsa =
      xmlSecCryptoAppKeyLoad(cert.c_str(), xmlSecKeyDataFormatCertPem, nullptr, nullptr, nullptr);
  if (!rsa) throw std::runtime_error("cannot load " + cert);
  xmlSecCryptoAppDefaultKeysMngrAdoptKey(manager, rsa);
  xmlSecEncCtxPtr ctx = xmlSecEncCtxCreate(manager);
  ctx->encKey = xmlSecKeyGenerate(session_type, bits, xmlSecKeyDataTypeSession);
  int rc = xmlSecEncCtxXmlEncrypt(ctx, data, assertion);
  xmlSecEncCtxDestroy(ctx);
  xmlSecKeysMngrDestroy(manager);
  if (rc < 0) throw std::runtime_error("encryption failed");

  // <saml:EncryptedAssertion> around the EncryptedData that now stands for the assertion.
  xmlNode *wrapper = xmlNewNode(nullptr, BAD_CAST "EncryptedAssertion");
  xmlSetNs(wrapper, xmlNewNs(wrapper, BAD_CAST sso::saml::kNsAssertion, BAD_CAST "saml"));
  xmlReplaceNode(data, wrapper);
  xmlAddChild(wrapper, data);
  if (o.key_as_sibling) {
    xmlNode *key =
        xmlSecFindNode(data, BAD_CAST "EncryptedKey", BAD_CAST "http://www.w3.org/2001/04/xmlenc#");
    xmlUnlinkNode(key);
    xmlSetProp(key, BAD_CAST "Id", BAD_CAST "_key1");
    xmlAddChild(wrapper, key);
    xmlNode *retrieval = xmlNewChild(key_info, key_info->ns, BAD_CAST "RetrievalMethod", nullptr);
    xmlSetProp(retrieval, BAD_CAST "URI", BAD_CAST "#_key1");
  }

  xmlChar *out = nullptr;
  int len = 0;
  xmlDocDumpMemory(doc.get(), &out, &len);
  std::string result(reinterpret_cast<char *>(out), static_cast<size_t>(len));
  xmlFree(out);
  return result;
}

std::string Base64(const std::string &data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                          reinterpret_cast<const unsigned char *>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

sso::saml::IdentityProvider Idp(const std::vector<std::string> &certs) {
  sso::saml::IdentityProvider idp;
  idp.entity_id = kIdp;
  idp.sso_url = "https://idp.test.invalid/sso";
  for (const auto &name : certs) {
    sso::saml::SharedKey key;
    if (sso::saml::LoadCertificateKey(ReadFile(KeyPath(name + ".crt")), key) != SSO_OK)
      throw std::runtime_error("cannot load certificate " + name);
    idp.signing_keys.push_back(key);
  }
  return idp;
}

sso::saml::ServiceProvider Sp() {
  sso::saml::ServiceProvider sp;
  sp.entity_id = kSp;
  sp.acs_url = kAcs;
  sp.clock_skew_ms = 120'000;
  return sp;
}

sso::saml::Expectation Solicited(const std::string &request_id, int64_t now) {
  return {request_id, now};
}

}  // namespace saml_test
