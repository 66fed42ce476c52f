#!/usr/bin/python3
"""A scripted SAML identity provider built on pysaml2 (Debian's python3-pysaml2), for the
interop test: nobody here wrote the code that parses our AuthnRequest, builds the response
and signs it, nor the code that builds, signs, parses and verifies the Single Logout messages.

  pysaml2_idp.py metadata --keys DIR --entity-id ID --sso-url URL [--slo-url URL]
  pysaml2_idp.py respond  --keys DIR --entity-id ID --sso-url URL --sp-metadata FILE
                          --redirect URL [--sha1] [--email E]
  pysaml2_idp.py logout-request --keys DIR --entity-id ID --sso-url URL --slo-url URL
                          --sp-metadata FILE --name-id E --session-index S [--relay-state R]
                          [--sha1]
  pysaml2_idp.py logout-response-check --keys DIR --entity-id ID --sso-url URL --slo-url URL
                          --sp-metadata FILE --redirect URL
  pysaml2_idp.py logout-respond --keys DIR --entity-id ID --sso-url URL --slo-url URL
                          --sp-metadata FILE --redirect URL [--name-id E --session-index S]
  pysaml2_idp.py soap-logout --keys DIR --entity-id ID --sso-url URL --sp-metadata FILE
                          --name-id E [--session-index S]

`respond` reads the redirect our SP sent the browser to, and prints JSON with the
SAMLResponse and RelayState a browser would POST to the ACS, and the SessionIndex pysaml2
put in the AuthnStatement.

`logout-request` (IdP-initiated logout): pysaml2 builds a LogoutRequest for our SP's
HTTP-Redirect SingleLogoutService (from our metadata) and signs the query (RSA-SHA256, or
with --sha1 pysaml2's default RSA-SHA1); prints JSON with the URL and the request's ID.

`logout-response-check`: reads the redirect our SP answered with, verifies the query
signature of its LogoutResponse with the signing certificate in our metadata (a missing or
bad signature is an error: exit status 1) and parses it; prints JSON with its status and
InResponseTo.

`logout-respond` (SP-initiated logout): reads the redirect our SP sent the browser to,
verifies its LogoutRequest's query signature the same way, parses it, checks the NameID and
SessionIndex, and prints JSON with the URL of a LogoutResponse (HTTP-Redirect, query signed
RSA-SHA256) back to our SingleLogoutService.

`soap-logout` (IdP-initiated logout, back-channel): pysaml2 builds a LogoutRequest for our
SP's SOAP SingleLogoutService (from our metadata), signs it (RSA-SHA256, enveloped), wraps it
in a SOAP envelope (apply_binding with BINDING_SOAP) and POSTs it there itself, as its own
client does in do_logout. It then opens our SOAP answer with its SOAP parser and requires
the LogoutResponse to be signed by a certificate in our metadata (pysaml2's verifier, on the
message as received: see soap_logout for why not through parse_logout_request_response);
prints JSON with the HTTP status, the answer's fields and the request's ID. An answer that
pysaml2 cannot parse, or whose signature does not verify, is an error (exit status 1).

pysaml2 verifies no HTTP-Redirect query signature by itself: parse_logout_request and
parse_logout_request_response only look for a signature inside the XML, which this binding
does not carry. Its own example IdP calls saml2.sigver.verify_redirect_signature with the
sender's certificates from metadata; so do we, and a message without SigAlg and Signature is
refused here.
"""
import argparse
import base64
import json
import re
import sys
import urllib.parse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP
from saml2 import samlp, soap
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.samlp import response_from_string
from saml2.server import Server
from saml2.sigver import verify_redirect_signature

SHA256 = ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
          "http://www.w3.org/2001/04/xmlenc#sha256")
SHA1 = ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1")


class Refused(Exception):
    pass


def config(args, sp_metadata=None):
    endpoints = {"single_sign_on_service": [(args.sso_url, BINDING_HTTP_REDIRECT)]}
    if args.slo_url:
        endpoints["single_logout_service"] = [(args.slo_url, BINDING_HTTP_REDIRECT)]
    conf = {
        "entityid": args.entity_id,
        "service": {
            "idp": {
                "endpoints": endpoints,
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


def sp_entity_id(server):
    (entity_id,) = list(server.metadata.keys())
    return entity_id


def read_redirect(url, parameter):
    """The query of an HTTP-Redirect binding URL as verify_redirect_signature wants it."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    for name, values in query.items():
        if len(values) != 1:
            raise Refused(f"{name} repeated")
    msg = {name: values[0] for name, values in query.items()}
    if parameter not in msg:
        raise Refused(f"no {parameter}")
    return msg


def verify_query_signature(server, msg, issuer):
    """Required: SigAlg and Signature present, and a signing certificate of the sender's (from
    its metadata) verifies them."""
    if "SigAlg" not in msg or "Signature" not in msg:
        raise Refused("the query is not signed")
    certs = server.metadata.certs(issuer, "spsso", "signing")
    if not certs:
        raise Refused(f"no signing certificate for {issuer} in the metadata")
    for cert in certs:
        try:
            if verify_redirect_signature(msg, server.sec.sec_backend, cert):
                return msg["SigAlg"]
        except Exception as err:  # a malformed signature is a bad one
            print(f"verify_redirect_signature: {err!r}", file=sys.stderr)
    raise Refused("the query signature does not verify")


def redirect_location(info):
    return dict(info["headers"])["Location"]


def respond(server, args):
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
    # the SessionIndex pysaml2 made up for the AuthnStatement, for a later LogoutRequest
    (assertion,) = response_from_string(str(response)).assertion
    (statement,) = assertion.authn_statement
    json.dump({
        "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
        "RelayState": query.get("RelayState", [""])[0],
        "destination": response_args["destination"],
        "session_index": statement.session_index,
    }, sys.stdout)


def new_logout_request(server, args, binding, **sign):
    """A LogoutRequest for our SP's SingleLogoutService of `binding` (from our metadata), for
    the NameID and SessionIndex of `args`: its ID and XML, and where it goes."""
    sp = sp_entity_id(server)
    binding, destination = server.pick_binding(
        "single_logout_service", [binding], "spsso", entity_id=sp)
    request_id, request = server.create_logout_request(
        destination, sp,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=args.name_id),
        session_indexes=[args.session_index] if args.session_index else None, **sign)
    return binding, destination, request_id, request


def logout_request(server, args):
    # the HTTP-Redirect binding signs the query, not the XML
    binding, destination, request_id, request = new_logout_request(
        server, args, BINDING_HTTP_REDIRECT, sign=False)
    info = server.apply_binding(binding, str(request), destination, args.relay_state,
                                sign=True, sigalg=(SHA1 if args.sha1 else SHA256)[0])
    json.dump({"url": redirect_location(info), "id": request_id, "destination": destination},
              sys.stdout)


def logout_response_check(server, args):
    msg = read_redirect(args.redirect, "SAMLResponse")
    # which SP says it sent it, to pick its certificate; nothing is believed before the check
    unverified = server.parse_logout_request_response(msg["SAMLResponse"], BINDING_HTTP_REDIRECT)
    issuer = unverified.issuer()
    sig_alg = verify_query_signature(server, msg, issuer)
    response = server.parse_logout_request_response(msg["SAMLResponse"], BINDING_HTTP_REDIRECT)
    # _parse_response ignores what verify() says about Destination and IssueInstant: ask again
    if not response.verify():
        raise Refused("the LogoutResponse is not for us, or not of now")
    message = response.response
    json.dump({
        "url": urllib.parse.urlunsplit(urllib.parse.urlsplit(args.redirect)._replace(query="")),
        "issuer": issuer,
        "sig_alg": sig_alg,
        "signature_verified": True,
        "destination": message.destination,
        "in_response_to": message.in_response_to,
        "status": message.status.status_code.value,
        "relay_state": msg.get("RelayState"),
    }, sys.stdout)


def logout_respond(server, args):
    msg = read_redirect(args.redirect, "SAMLRequest")
    unverified = server.parse_logout_request(msg["SAMLRequest"], BINDING_HTTP_REDIRECT)
    issuer = unverified.sender()
    sig_alg = verify_query_signature(server, msg, issuer)
    # parse_logout_request checks the Destination is our SingleLogoutService
    request = server.parse_logout_request(msg["SAMLRequest"], BINDING_HTTP_REDIRECT)
    if not request.issue_instant_ok():
        raise Refused("the LogoutRequest is not of now")
    message = request.message
    name_id = message.name_id
    session_indexes = [si.text for si in message.session_index]
    if args.name_id is not None and (name_id is None or name_id.text != args.name_id):
        raise Refused(f"NameID {name_id and name_id.text!r}, expected {args.name_id!r}")
    if args.session_index is not None and session_indexes != [args.session_index]:
        raise Refused(f"SessionIndex {session_indexes!r}, expected {args.session_index!r}")
    # the IdP ends its session, and answers over the SP's HTTP-Redirect SingleLogoutService
    response = server.create_logout_response(message, [BINDING_HTTP_REDIRECT], sign=False)
    info = server.apply_binding(BINDING_HTTP_REDIRECT, str(response), response.destination,
                                msg.get("RelayState", ""), response=True, sign=True,
                                sigalg=SHA256[0])
    json.dump({
        "url": redirect_location(info),
        "response_id": response.id,
        "request_id": message.id,
        "issuer": issuer,
        "sig_alg": sig_alg,
        "signature_verified": True,
        "name_id": name_id.text,
        "name_id_format": name_id.format,
        "session_indexes": session_indexes,
    }, sys.stdout)


def soap_logout(server, args):
    binding, destination, request_id, request = new_logout_request(
        server, args, BINDING_SOAP, sign=True, sign_alg=SHA256[0], digest_alg=SHA256[1])
    info = server.apply_binding(binding, str(request), destination, sign=False)
    answer = server.send(**info)
    result = {"id": request_id, "posted_to": destination, "http_status": answer.status_code,
              "content_type": answer.headers.get("content-type")}
    if answer.status_code != 200:
        raise Refused(f"HTTP {answer.status_code}: {answer.text}")
    # pysaml2's own SOAP parser: an Envelope whose Body holds one LogoutResponse
    parsed = soap.parse_soap_enveloped_saml_logout_response(answer.text)
    message = samlp.logout_response_from_string(parsed)
    if message is None:
        raise Refused("no LogoutResponse in the SOAP Body")
    # Its signature, checked by pysaml2's verifier (xmlsec1, the certificate from our
    # metadata) on the LogoutResponse as it came in the Body, byte for byte. Not on what
    # parse_logout_request_response hands it: pysaml2 takes the message out of the envelope
    # through ElementTree, which renames every prefix (ns0:, ns1:...), and the exclusive C14N
    # digest of a renamed message no longer matches (pysaml2 issue #551), whoever signed it.
    inner = re.search(r"<samlp:LogoutResponse\b.*</samlp:LogoutResponse>", answer.text, re.S)
    if inner is None:
        raise Refused("no samlp:LogoutResponse in the answer")
    try:
        if not server.sec.correctly_signed_logout_response(inner.group(0), must=True):
            raise Refused("the LogoutResponse is not signed")
    except Refused:
        raise
    except Exception as err:
        raise Refused(f"the LogoutResponse's signature does not verify: {err.__class__.__name__}")
    result.update({
        "signature_verified": True,
        "signed": message.signature is not None,
        "issuer": message.issuer.text,
        "in_response_to": message.in_response_to,
        "destination": message.destination,
        "status": message.status.status_code.value,
    })
    json.dump(result, sys.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["metadata", "respond", "logout-request",
                                    "logout-response-check", "logout-respond", "soap-logout"])
    p.add_argument("--keys", required=True)
    p.add_argument("--entity-id", required=True)
    p.add_argument("--sso-url", required=True)
    p.add_argument("--slo-url", help="our SingleLogoutService (HTTP-Redirect)")
    p.add_argument("--sp-metadata")
    p.add_argument("--redirect")
    p.add_argument("--email", default="new.hire@corp.example")
    p.add_argument("--sha1", action="store_true", help="pysaml2's own default algorithms")
    p.add_argument("--name-id")
    p.add_argument("--session-index")
    p.add_argument("--relay-state", default="")
    args = p.parse_args()

    if args.mode == "metadata":
        print(str(entity_descriptor(config(args))))
        return 0

    server = Server(config=config(args, args.sp_metadata))
    try:
        {"respond": respond,
         "logout-request": logout_request,
         "logout-response-check": logout_response_check,
         "logout-respond": logout_respond,
         "soap-logout": soap_logout}[args.mode](server, args)
    except Refused as err:
        print(f"refused: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
