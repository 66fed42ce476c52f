#!/usr/bin/python3
"""Verifies an identity token with jwcrypto (Debian's python3-jwcrypto), not our code.

  verify_identity_token.py JWKS_FILE TOKEN ISSUER AUDIENCE [SECONDS_AHEAD]

Prints the claims as JSON and exits 0, or prints why it refused and exits 1. SECONDS_AHEAD
moves the clock forward (an expired token must be refused).
"""
import json
import sys
import time

from jwcrypto import jwk, jwt


def main():
    jwks_file, token, issuer, audience = sys.argv[1:5]
    ahead = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    keys = jwk.JWKSet.from_json(open(jwks_file).read())
    real_time = time.time
    time.time = lambda: real_time() + ahead
    try:
        t = jwt.JWT(jwt=token, key=keys, algs=["ES256", "EdDSA"],
                    check_claims={"iss": issuer, "aud": audience, "exp": None, "iat": None})
    except Exception as e:  # every refusal of jwcrypto, named
        print(f"refused: {type(e).__name__}: {e}")
        return 1
    print(t.claims)
    return 0


if __name__ == "__main__":
    sys.exit(main())
