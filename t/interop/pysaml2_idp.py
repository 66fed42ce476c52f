#!/usr/bin/python3
"""A scripted SAML identity provider built on pysaml2 (Debian's python3-pysaml2), for the
interop test: nobody here wrote the code that parses our AuthnRequest, builds the response
and signs it.

  pysaml2_idp.py metadata --keys DIR --entity-id ID --sso-url URL
  pysaml2_idp.py respond  --keys DIR --entity-id ID --sso-url URL --sp-metadata FILE
                          --redirect URL [--sha1] [--email E]

`respond` reads the redirect our SP sent the browser to, and prints JSON with the
SAMLResponse and RelayState a browser would POST to the ACS.
"""
import argparse
import base64
import json
import sys
import urllib.parse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

SHA256 = ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
          "http://www.w3.org/2001/04/xmlenc#sha256")
SHA1 = ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1")


def config(args, sp_metadata=None):
    conf = {
        "entityid": args.entity_id,
        "service": {
            "idp": {
                "endpoints": {"single_sign_on_service": [(args.sso_url, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": 5},
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            },
        },
        "key_file": f"{args.keys}/idp.key",
        "cert_file": f"{args.keys}/idp.crt",
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [sp_metadata]} if sp_metadata else {},
    }
    c = IdPConfig()
    c.load(conf)
    return c


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["metadata", "respond"])
    p.add_argument("--keys", required=True)
    p.add_argument("--entity-id", required=True)
    p.add_argument("--sso-url", required=True)
    p.add_argument("--sp-metadata")
    p.add_argument("--redirect")
    p.add_argument("--email", default="new.hire@corp.example")
    p.add_argument("--sha1", action="store_true", help="pysaml2's own default algorithms")
    args = p.parse_args()

    if args.mode == "metadata":
        print(str(entity_descriptor(config(args))))
        return 0

    server = Server(config=config(args, args.sp_metadata))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(args.redirect).query)
    request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
    response_args = server.response_args(request.message, [BINDING_HTTP_POST])
    sign_alg, digest_alg = SHA1 if args.sha1 else SHA256
    response = server.create_authn_response(
        {"mail": [args.email], "displayName": ["New Hire"], "memberOf": ["engineering"]},
        userid=args.email,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=args.email),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
        sign_assertion=True,
        sign_response=False,
        sign_alg=sign_alg,
        digest_alg=digest_alg,
        **response_args,
    )
    json.dump({
        "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
        "RelayState": query.get("RelayState", [""])[0],
        "destination": response_args["destination"],
    }, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
