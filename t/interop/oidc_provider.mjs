// The real `oidc-provider` from npm (pinned in t/interop/oidc-provider/package-lock.json) as
// the OpenID provider of t/interop-oidc-provider.t. Only its configuration is ours: one
// confidential client, one account, TLS with the test CA's certificate, and an interaction
// endpoint that signs the account in and grants the scopes at once (what a person would do
// on its login and consent pages).
//
//   node oidc_provider.mjs --port P --tls-cert C --tls-key K --keys keys.json
//       --redirect-uri URI --client-secret S [--backchannel-logout-uri URI]
//       [--post-logout-redirect-uri URI]
// With --backchannel-logout-uri the client is registered for Back-Channel Logout 1.0 with
// sessions required (sid in its ID tokens and logout tokens), and signing out at the
// provider's end_session endpoint POSTs a logout token there.
// With --post-logout-redirect-uri the client registers that URI in post_logout_redirect_uris,
// so RP-Initiated Logout 1.0 (oidc-provider's end_session endpoint, on by default: a confirm
// page, then a POST with its xsrf) may send the browser back there with the client's state.
// keys.json is a JWKS with private keys; the first key signs. Restarting with another file
// is how this provider rotates keys.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { default: Provider } = await import(
  require.resolve('oidc-provider', { paths: [new URL('./oidc-provider/', import.meta.url).pathname] })
);

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);

// --new-key FILE: write a JWKS with one fresh RSA signing key (and its private part), exit.
if (args['new-key']) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(6).toString('hex'), use: 'sig', alg: 'RS256' };
  fs.writeFileSync(args['new-key'], JSON.stringify({ keys: [jwk] }));
  process.exit(0);
}

const issuer = `https://127.0.0.1:${args.port}`;

const accounts = {
  alice: { sub: 'alice', email: 'alice@corp.example', email_verified: true, name: 'Alice Doe', groups: ['engineering'] },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'nginx-app',
      client_secret: args['client-secret'],
      redirect_uris: [args['redirect-uri']],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      ...(args['backchannel-logout-uri']
        ? { backchannel_logout_uri: args['backchannel-logout-uri'], backchannel_logout_session_required: true }
        : {}),
      ...(args['post-logout-redirect-uri']
        ? { post_logout_redirect_uris: [args['post-logout-redirect-uri']] }
        : {}),
    },
  ],
  jwks: JSON.parse(fs.readFileSync(args.keys, 'utf8')),
  pkce: { required: () => true },
  conformIdTokenClaims: false, // the claims of the granted scopes go into the ID token
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: Boolean(args['backchannel-logout-uri']) },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, id) =>
    accounts[id] && { accountId: id, claims: () => accounts[id] },
  cookies: { keys: ['interop-cookie-key'] },
});
provider.proxy = false;
provider.on('backchannel.success', (ctx, client, accountId, sid) => console.log(`backchannel logout sent: sid ${sid}`));
provider.on('backchannel.error', (ctx, err) => console.log(`backchannel logout failed: ${err.message}`));
provider.on('end_session.success', () => console.log('end_session: signed out'));
for (const event of ['end_session.error', 'end_session_confirm.error'])
  provider.on(event, (ctx, err) => console.log(`${event}: ${err.message} (${err.error_description || ''})`));

// Sign in as alice and grant what the client asked for.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId: 'alice', clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const result = { login: { accountId: 'alice' }, consent: { grantId } };
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
});

https
  .createServer(
    { cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) },
    provider.callback(),
  )
  .listen(Number(args.port), '127.0.0.1', () => console.log(`oidc-provider at ${issuer}`));
