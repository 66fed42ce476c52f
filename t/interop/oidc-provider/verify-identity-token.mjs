// Verifies an identity token with `jose` (npm, the one oidc-provider pins), not our code.
//   node verify-identity-token.mjs JWKS_FILE TOKEN ISSUER AUDIENCE [SECONDS_AHEAD]
// Prints the claims as JSON and exits 0, or prints why it refused and exits 1.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [jwksFile, token, issuer, audience, ahead = '0'] = process.argv.slice(2);
const keys = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
try {
  const { payload } = await jwtVerify(token, keys, {
    issuer,
    audience,
    algorithms: ['ES256', 'EdDSA'],
    currentDate: new Date(Date.now() + Number(ahead) * 1000),
    requiredClaims: ['exp', 'iat', 'sub', 'jti'],
  });
  console.log(JSON.stringify(payload));
} catch (e) {
  console.log(`refused: ${e.code}: ${e.message}`);
  process.exit(1);
}
