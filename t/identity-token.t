# $sso_identity_token: a JWS the module signs for the app, verified here by two independent
# libraries (Debian's python3-jwcrypto and npm's jose) against .../jwks.json: claims, audience
# per location, reuse (no signature per request), an expired token refused by both, a key
# rotation with two published keys across nginx -s reload, and configuration mistakes.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use JSON::PP ();
use MIME::Base64 ();

import_servers();
my $env = Test::Nginx::SSO::env();
my $dir = "$env->{servroot}/token-keys";
mkdir $dir;
sub run { my ($cmd) = @_; system($cmd) == 0 or die "$cmd failed" }
run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $dir/ec.key 2>/dev/null");
run("openssl genpkey -algorithm ED25519 -out $dir/ed.key 2>/dev/null");
run("openssl pkey -in $dir/ed.key -pubout -out $dir/ed.pub 2>/dev/null");
run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $dir/rsa.key 2>/dev/null");
run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $dir/p384.key 2>/dev/null");

my $issuer = 'https://app.test.invalid';
my $jose = "$env->{repo}/t/interop/oidc-provider/verify-identity-token.mjs";
-d "$env->{repo}/t/interop/oidc-provider/node_modules/jose"
    or die "jose is not installed: npm ci --prefix t/interop/oidc-provider\n";

sub config {
    my ($keys) = @_;
    return {
        http_config => "sso_identity_token $keys issuer=$issuer ttl=60s;",
        config => <<'CONF',
location /sso/ { sso_endpoints; }
location /api/ {
    sso on;
    sso_identity_audience https://api.internal;
    proxy_set_header X-Identity $sso_identity_token;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
location / {
    sso on;
    proxy_set_header X-Identity $sso_identity_token;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
    };
}
start_nginx(config("key=$dir/ec.key key=$dir/ed.pub"));

my $cookie = create_session(provider => 'corp', subject => 's-1', user => '42',
    email => 'ann@corp.example', name => 'Ann Example', group => ['CN=ops,OU=g', 'eng'],
    role => 'admin');

sub token_of {
    my ($uri) = @_;
    my $res = http_request('GET', $uri, headers => ["Cookie: __Host-sso=$cookie"]);
    my ($token) = $res->{body} =~ /^X-Identity: (\S+)$/m;
    return $token;
}

sub jwks {
    my $res = http_request('GET', '/sso/jwks.json');
    open my $fh, '>', "$dir/jwks.json" or die;
    print $fh $res->{body};
    close $fh;
    return $res;
}

# Each verifier's claims, or undef and why it refused.
sub verify {
    my ($token, $audience, $ahead) = @_;
    $ahead //= 0;
    my %out;
    for my $tool (['jwcrypto', "/usr/bin/python3 $env->{repo}/t/interop/verify_identity_token.py"],
                  ['jose', "node $jose"]) {
        my $got = `$tool->[1] $dir/jwks.json '$token' '$issuer' '$audience' $ahead`;
        $out{ $tool->[0] } = $? == 0 ? JSON::PP::decode_json($got) : $got;
    }
    return \%out;
}

my $res = jwks();
is($res->{status}, 200, 'the keys are published');
like($res->{headers}{'content-type'}[0], qr{^application/jwk-set\+json}, 'as a JWK set');
my $set = JSON::PP::decode_json($res->{body});
is(scalar @{ $set->{keys} }, 2, 'both keys: the signing one and the other');
is_deeply([map { $_->{alg} } @{ $set->{keys} }], ['ES256', 'EdDSA'], 'ES256 and EdDSA');
unlike($res->{body}, qr/"d"/, 'no private part');

subtest 'the token, verified by two independent libraries' => sub {
    my $token = token_of('/');
    ok($token, 'passed upstream');
    my $v = verify($token, $issuer);
    for my $lib ('jwcrypto', 'jose') {
        my $c = $v->{$lib};
        is(ref $c, 'HASH', "$lib verifies it") or diag($c);
        next unless ref $c;
        is($c->{sub}, '42', "$lib: sub is the app's user id");
        is($c->{aud}, $issuer, "$lib: the default audience is the issuer");
        is($c->{email}, 'ann@corp.example', "$lib: email");
        is($c->{name}, 'Ann Example', "$lib: name");
        is_deeply($c->{groups}, ['CN=ops,OU=g', 'eng'], "$lib: groups, exactly");
        is_deeply($c->{roles}, ['admin'], "$lib: roles");
        is($c->{provider}, 'corp', "$lib: provider");
        is($c->{exp} - $c->{iat}, 60, "$lib: lives 60 s");
        like($c->{jti}, qr/^[0-9a-f]{32}$/, "$lib: a random jti");
    }
    my $api = token_of('/api/x');
    is(ref verify($api, 'https://api.internal')->{jose}, 'HASH', 'a location names its own audience');
    isnt(ref verify($api, $issuer)->{jose}, 'HASH', 'and the token is refused for another one');
    for my $lib ('jwcrypto', 'jose') {
        my $expired = verify($token, $issuer, 120)->{$lib};
        ok(!ref $expired, "$lib refuses it two minutes later");
        like($expired, qr/expire|exp/i, "$lib: because it expired");
    }
    my ($h, $p, $s) = split /\./, $token;
    isnt(ref verify("$h.$p." . reverse($s), $issuer)->{jose}, 'HASH', 'a forged signature is refused');
};

subtest 'no signature per request: a token is reused while it has life left' => sub {
    my %seen;
    $seen{ token_of('/') }++ for 1 .. 12;
    cmp_ok(scalar keys %seen, '<=', 2, 'twelve requests, at most one token per worker');
    my %api;
    $api{ token_of('/api/x') }++ for 1 .. 4;
    ok(!grep({ $seen{$_} } keys %api), 'another audience gets its own token');
};

subtest 'without a session there is no token' => sub {
    my $res = http_request('GET', '/', headers => ['Accept: application/json']);
    is($res->{status}, 401, '401 first');
};

subtest 'a key rotation: both keys published while the signing key changes' => sub {
    start_nginx(config("key=$dir/ed.key key=$dir/ec.key"));
    jwks();
    my $token = token_of('/');
    my ($header) = split /\./, $token;
    $header =~ tr/-_/+\//;
    like(MIME::Base64::decode_base64($header), qr/"alg":"EdDSA"/, 'the new key signs');
    my $v = verify($token, $issuer);
    is(ref $v->{$_}, 'HASH', "$_ verifies the new key's token with the published set")
        for 'jwcrypto', 'jose';
    reload_nginx();
    ok(token_of('/'), 'after nginx -s reload, new workers sign too');
};

subtest 'mistakes fail nginx -t' => sub {
    for my $case (["key=$dir/rsa.key issuer=$issuer", 'an RSA key'],
                  ["key=$dir/p384.key issuer=$issuer", 'a P-384 key'],
                  ["key=$dir/ed.pub issuer=$issuer", 'a public key first'],
                  ["key=$dir/ec.key issuer=http://app.example", 'an http issuer'],
                  ["key=$dir/ec.key issuer=$issuer ttl=1s", 'a one-second life']) {
        my ($ok, $out) = nginx_config_test({ http_config => "sso_identity_token $case->[0];",
            config => 'location / { return 200; }' });
        ok(!$ok, "$case->[1]: refused");
        like($out, qr/CONFIG_BAD_IDENTITY_TOKEN/, "$case->[1]: named");
    }
    start_nginx({ config => "location /sso/ { sso_endpoints; }\nlocation / { return 200; }" });
    is(http_request('GET', '/sso/jwks.json')->{status}, 404, 'no token configured: no keys (404)');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
