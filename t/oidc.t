# OpenID Connect through real nginx and Redis, against the OP written for the tests
# (t/oidc/test_op.mjs): the code flow over TLS, each check of the callback seen from the
# outside (status, page, log line), the four signature algorithms, key rotation, TLS
# verification of the back-channel, and a slow token endpoint that must not stall the worker.
use strict;
use warnings;
use lib 't/lib';
use JSON::PP qw(decode_json);
use Test::More;
use Time::HiRes qw(time sleep);
use POSIX ();
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $port = $env->{server_port};
my $tls = "$env->{servroot}/tls";
Test::Nginx::OidcOp::make_tls($tls, op => 'IP:127.0.0.1', wrongname => 'DNS:op.other.example');

system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $tls/client.key "
    . "2>/dev/null && openssl pkey -in $tls/client.key -pubout -out $tls/client.pub") == 0
    or die 'client key';
my $secret_file = "$env->{servroot}/op.secret";
open my $fh, '>', $secret_file or die;
print $fh "test-secret-1\n";
close $fh;

my $op = Test::Nginx::OidcOp::start(tls => ["$tls/op.crt", "$tls/op.key"], ca => "$tls/ca.crt");
my %alg_op = map { $_ => Test::Nginx::OidcOp::start(alg => $_) } qw(PS256 ES256 EdDSA);
my $wrong_name_op = Test::Nginx::OidcOp::start(tls => ["$tls/wrongname.crt", "$tls/wrongname.key"]);
my $hostile_op = Test::Nginx::OidcOp::start();    # its JWKS gets a key with exponent 1
my $redirect = "http://localhost:$port/sso/oidc/callback";

sub provider {
    my ($name, $issuer, @lines) = @_;
    return "sso_provider $name {\n    oidc_issuer $issuer;\n    oidc_client_id nginx-app;\n"
        . "    oidc_client_secret_file $secret_file;\n    oidc_redirect_uri $redirect;\n"
        . join('', map {"    $_;\n"} @lines) . "}\n";
}

my $app = <<'CONF';
location /sso/ { sso_endpoints; }
location /other { return 200 "other\n"; }
location / {
    sso on;
    proxy_set_header X-Remote-User     $sso_user;
    proxy_set_header X-Remote-Email    $sso_email;
    proxy_set_header X-Remote-Name     $sso_name;
    proxy_set_header X-Remote-Groups   $sso_groups;
    proxy_set_header X-Remote-Provider $sso_provider;
    proxy_set_header X-Remote-Subject  $sso_subject;
    proxy_set_header X-Email-Verified  $sso_attr_email_verified;
    proxy_set_header X-Remote-Department $sso_attr_department;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF

sub start_with {
    my (%opt) = @_;
    start_nginx({
        workers => $opt{workers},
        listen_options => $opt{listen_options},
        http_config => "sso_backchannel_trusted_certificate $tls/ca.crt;\n"
            . ($opt{http} // '')
            . provider('corp', $op->{issuer}, 'attribute groups groups', @{ $opt{corp} // [] })
            . join('', map { provider(lc $_, $alg_op{$_}{issuer}, "oidc_alg $_") } sort keys %alg_op)
            . provider('info', $op->{issuer}, 'oidc_userinfo on', 'attribute department department')
            . provider('explicit', $op->{issuer}, "oidc_authorization_endpoint $op->{issuer}/authorize",
                "oidc_token_endpoint $op->{issuer}/token", "oidc_jwks_uri $op->{issuer}/jwks")
            . provider('wrongname', $wrong_name_op->{issuer})
            . provider('hostile', $hostile_op->{issuer})
            . "sso_provider pkjwt {\n    oidc_issuer $op->{issuer};\n    oidc_client_id nginx-app;\n"
            . "    oidc_redirect_uri $redirect;\n    oidc_token_auth private_key_jwt;\n"
            . "    oidc_client_key $tls/client.key;\n    oidc_client_key_id client-1;\n}\n",
        config => ($opt{endpoints}
            ? $app =~ s/\{ sso_endpoints; \}/{ sso_endpoints; $opt{endpoints} }/r : $app),
    });
}

sub login { Test::Nginx::OidcOp::login($op, provider => 'corp', @_) }

start_with(workers => 1);    # counts the provider's fetches: one worker's cache

# ---- the code flow ----
my $flow = login();
my $auth = $flow->{login}{headers}{location}[0] // '';
is($flow->{login}{status}, 302, 'login redirects to the provider') or diag(error_log());
like($auth, qr{^\Q$op->{issuer}\E/authorize\?}, 'to its authorization endpoint (from discovery)');
like($auth, qr/[?&]code_challenge_method=S256(&|$)/, 'with PKCE S256');
like($auth, qr/[?&]state=[A-Za-z0-9_-]{32}(&|$)/, 'a state');
like($auth, qr/[?&]nonce=[A-Za-z0-9_-]{20,}(&|$)/, 'and a nonce');
ok(scalar(keys %{ $flow->{cookies} }) == 1, 'and a browser-binding cookie');
is($flow->{callback}{status}, 303, 'the callback succeeds') or diag(error_log());
is($flow->{callback}{headers}{location}[0], "http://localhost:$port/welcome", '303 to return_to');
ok($flow->{session}, 'with a session cookie');
my ($binding) = keys %{ $flow->{cookies} };
like(join("\n", @{ $flow->{callback}{headers}{'set-cookie'} }), qr/^\Q$binding\E=;.*Max-Age=0/m,
    'and the binding cookie cleared');

my $res = http_request('GET', '/welcome', headers => ["Cookie: __Host-sso=$flow->{session}"]);
is($res->{status}, 200, 'the app is reached with the session');
like($res->{body}, qr/^X-Remote-Email: alice\@corp\.example$/m, 'email from the ID token');
like($res->{body}, qr/^X-Remote-Name: Alice Doe$/m, 'name');
like($res->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups through the mapping');
like($res->{body}, qr/^X-Remote-Provider: corp$/m, 'provider');
like($res->{body}, qr/^X-Remote-Subject: alice-123$/m, 'subject = sub (of the provider\'s issuer)');
like($res->{body}, qr/^X-Email-Verified: true$/m, 'email_verified kept');
my $stats = Test::Nginx::OidcOp::stats($op);
is($stats->{discovery}, 1, 'discovery fetched once');
is($stats->{jwks}, 1, 'JWKS fetched once');
is_deeply($stats->{token_auth}, ['basic'], 'client_secret_basic by default');
is_deeply($stats->{last_token_form}, [qw(code code_verifier grant_type redirect_uri)],
    'token request: code, verifier, grant type, redirect URI; no secret in the body');

my $second = login();
is($second->{callback}{status}, 303, 'a second login');
$stats = Test::Nginx::OidcOp::stats($op);
is($stats->{discovery} + $stats->{jwks}, 2, 'reuses the cached discovery and JWKS');

# the same callback again: the state is single use
my $again = http_request('GET', $flow->{callback_path},
    headers => ['Cookie: ' . join('; ', map {"$_=$flow->{cookies}{$_}"} keys %{ $flow->{cookies} })]);
is($again->{status}, 400, 'a used state is refused (a reload of the callback)');
like($again->{body}, qr/This sign-in link was already used/, 'saying the link was used');
like($again->{body}, qr{href="/sso/login\?return_to=/">Sign in again</a>}, 'offering to start again');
unlike($again->{body}, qr/did not pass our checks/, 'not that it failed a check');
like($again->{body}, qr/reference/i, 'with a reference id');
like(error_log(), qr/LOGIN_STATE_SPENT/, 'and the log names the check');

# ---- userinfo (oidc_userinfo on) ----
{
    my $u = Test::Nginx::OidcOp::login($op, provider => 'info');
    is($u->{callback}{status}, 303, 'userinfo: the login succeeds') or diag(error_log());
    my $r = http_request('GET', '/dept', headers => ["Cookie: __Host-sso=$u->{session}"]);
    like($r->{body}, qr/^X-Remote-Department: R&D$/m, 'userinfo: its claims reach the app');
    Test::Nginx::OidcOp::control($op, { userinfo => { sub => 'someone-else' } });
    clear_error_log();
    my $bad = Test::Nginx::OidcOp::login($op, provider => 'info');
    is($bad->{callback}{status}, 403, 'userinfo for another subject: refused');
    ok(!$bad->{session}, 'userinfo for another subject: no session');
    like(error_log(), qr/OIDC_USERINFO_INVALID/, 'and the log names the check');
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });
}

# ---- explicit endpoints: no discovery ----
{
    my $before = Test::Nginx::OidcOp::stats($op)->{discovery};
    my $e = Test::Nginx::OidcOp::login($op, provider => 'explicit');
    is($e->{callback}{status}, 303, 'explicit endpoints: the login succeeds') or diag(error_log());
    is(Test::Nginx::OidcOp::stats($op)->{discovery}, $before, 'explicit endpoints: discovery is not fetched');
}

# ---- parallel tabs ----
my $tab1 = login(return_to => '%2Fone', callback => 0);
my $tab2 = login(return_to => '%2Ftwo');
$tab1->{callback} = http_request('GET', $tab1->{callback_path}, headers => $tab1->{callback_cookie});
is($tab1->{callback}{status}, 303, 'tab 1, started first, completes last');
is($tab1->{callback}{headers}{location}[0], "http://localhost:$port/one", 'to its return_to');
is($tab2->{callback}{status}, 303, 'tab 2 completes');
is($tab2->{callback}{headers}{location}[0], "http://localhost:$port/two", 'each to its own return_to');

# ---- failures: one per check ----
sub fails_with {
    my ($name, $change, $check, %opt) = @_;
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, %$change });
    clear_error_log();
    my $f = login(%opt);
    my $got = $f->{callback} // $f->{login};
    is($got->{status}, $opt{status} // 403, "$name: refused") or diag(error_log());
    ok(!$f->{session}, "$name: no session");
    like(error_log(), qr/\b$check\b/, "$name: the log says $check");
}

{
    # the callback URL alone, as someone who stole or planted it would send it
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });
    my $l = login(callback => 0);
    clear_error_log();
    my $stolen = http_request('GET', $l->{callback_path});
    is($stolen->{status}, 403, 'a callback without the binding cookie is refused');
    like(error_log(), qr/OIDC_STATE_INVALID/, 'as a state from another browser');
}
fails_with('iss parameter of another issuer', { iss_param => 'wrong' }, 'OIDC_ISSUER_MISMATCH');
fails_with('iss parameter missing though promised', { iss_param => 'omit' }, 'OIDC_ISSUER_MISMATCH');
fails_with('provider error', { authz_error => 'access_denied' }, 'OIDC_ERROR_RESPONSE');
fails_with('token endpoint 500', { token_status => 500 }, 'OIDC_TOKEN_ERROR');
fails_with('ID token for another audience', { id_token => { aud => 'someone-else' } },
    'JWT_AUDIENCE_MISMATCH');
fails_with('ID token of another issuer', { id_token => { iss => 'https://evil.example' } },
    'JWT_ISSUER_MISMATCH');
fails_with('expired ID token', { id_token => { exp_offset => -600 } }, 'JWT_EXPIRED');
fails_with('ID token issued in the future', { id_token => { iat_offset => 3600 } },
    'JWT_ISSUED_IN_FUTURE');
fails_with('foreign nonce', { id_token => { nonce => 'not-ours' } }, 'JWT_NONCE_MISMATCH');
fails_with('tampered signature', { tamper => 'signature' }, 'JWT_BAD_SIGNATURE');
fails_with('alg none', { tamper => 'alg_none' }, 'JWT_ALG_NOT_ALLOWED');
fails_with('unknown kid', { tamper => 'unknown_kid' }, 'JWT_UNKNOWN_KID');
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });

# ---- a hostile key in the JWKS ----
# RSA with e = 1 makes the padded digest a valid "signature": the OP mints an ID token with
# no private key at all. The key must be refused, by kid, and the login with it.
{
    Test::Nginx::OidcOp::control($hostile_op, { hostile_key => JSON::PP::true });
    clear_error_log();
    my $h = Test::Nginx::OidcOp::login($hostile_op, provider => 'hostile');
    is($h->{callback}{status}, 403, 'an ID token "signed" for a JWKS key with e = 1: refused')
        or diag(error_log());
    ok(!$h->{session}, 'an ID token "signed" for a JWKS key with e = 1: no session');
    like(error_log(), qr/\[error\].*KEY_REFUSED/, 'and the log names the check');
    like(error_log(), qr/\[warn\].*provider "hostile": JWKS key kid="hostile-e1" refused: RSA public exponent is below 65537/,
        'and the refused key by its kid');
    Test::Nginx::OidcOp::control($hostile_op, { reset => JSON::PP::true });
    is(Test::Nginx::OidcOp::login($hostile_op, provider => 'hostile')->{callback}{status}, 303,
        'the provider\'s good key still works');
}

# ---- secrets stay out of the logs ----
{
    my $f = login();
    my ($code) = ($f->{back} // '') =~ /[?&]code=([^&]+)/;
    ok(length($code // '') > 10, 'a code was issued') or diag(explain($f));
    my $log = error_log();
    unlike($log, qr/\Q$code\E/, 'the code is not logged');
    unlike($log, qr/test-secret-1/, 'the client secret is not logged');
    unlike($log, qr/eyJ[A-Za-z0-9_-]{20,}/, 'no JWT is logged');
    unlike($log, qr/\Q$f->{session}\E/, 'the session cookie is not logged');
    like($log, qr{request: "GET /sso/oidc/callback\?\.\.\. HTTP/1\.1"}, 'the callback\'s query is redacted');
}

# ---- key rotation at the provider, picked up without a restart ----
start_with(corp => ['oidc_jwks_refresh_interval 2s'], workers => 1);    # the rate limit is per worker
{
    is(login()->{callback}{status}, 303, 'a login fetches the JWKS');
    my $before = Test::Nginx::OidcOp::stats($op)->{jwks};
    sleep 2.1;
    Test::Nginx::OidcOp::control($op, { rotate => 'RS256' });    # the old key is gone
    my $f = login();
    is($f->{callback}{status}, 303, 'a login right after the provider rotated its key')
        or diag(error_log());
    is(Test::Nginx::OidcOp::stats($op)->{jwks}, $before + 1, 'the unknown kid fetched the JWKS once');
    Test::Nginx::OidcOp::control($op, { rotate => 'RS256' });
    clear_error_log();
    my $g = login();
    is($g->{callback}{status}, 403, 'another rotation within oidc_jwks_refresh_interval: refused');
    like(error_log(), qr/JWT_UNKNOWN_KID/, '(the refresh is rate-limited)');
    is(Test::Nginx::OidcOp::stats($op)->{jwks}, $before + 1, 'without fetching');
    sleep 2.1;
    is(login()->{callback}{status}, 303, 'after the interval the new key is picked up');
}

# ---- PS256, ES256, EdDSA ----
for my $alg (sort keys %alg_op) {
    my $f = Test::Nginx::OidcOp::login($alg_op{$alg}, provider => lc $alg);
    is($f->{callback}{status}, 303, "$alg: the login succeeds") or diag(error_log());
}

# ---- the back-channel's TLS ----
clear_error_log();
my $f = Test::Nginx::OidcOp::login($wrong_name_op, provider => 'wrongname');
is($f->{login}{status}, 503, 'a certificate for another name: the login stops');
like(error_log(), qr/TLS certificate verification failed.*(mismatch|IP address)/i,
    'and the log says the certificate does not name the host');
# a host name without a resolver: nginx -t says so (before, the first login stopped)
{
    my ($ok, $out) = nginx_config_test({ config => $app,
        http_config => provider('noresolver', 'https://op.test.invalid') });
    ok(!$ok, 'a host name without a resolver: nginx -t fails');
    like($out, qr/sso_provider "noresolver": "oidc_issuer https:\/\/op\.test\.invalid" names the host "op\.test\.invalid", and the sso_endpoints location serving "\/sso\/oidc\/callback" has no "resolver"/,
        'and says what to configure');
}

# a CA we do not trust
{
    my $conf_ca = "$tls/other-ca.crt";
    start_nginx({
        http_config => "sso_backchannel_trusted_certificate $conf_ca;\n"
            . provider('corp', $op->{issuer}),
        config => $app,
    });
    clear_error_log();
    my $u = login();
    is($u->{login}{status}, 503, 'an OP certificate from an untrusted CA: the login stops');
    like(error_log(), qr/TLS certificate verification failed/, 'and the log says why');
}

# ---- client_secret_post, and a slow token endpoint on a one-worker nginx ----
start_with(corp => ['oidc_token_auth client_secret_post'], workers => 1);
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, token_auth => 'client_secret_post',
    token_delay_ms => 1500 });
{
    my $l = login(callback => 0);
    my $w = while_one_waits(path => '/other', slow => sub {
        http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie})->{status} == 303;
    });
    is($w->{answered}, 20, 'while the token endpoint is slow, other requests are answered');
    cmp_ok($w->{worst}, '<', 0.5, 'at once (the worker is not blocked)');
    ok($w->{slow_ok}, 'and the slow login completes');
    is_deeply(Test::Nginx::OidcOp::stats($op)->{token_auth}[-1], 'post', 'with client_secret_post');
}
# ---- private_key_jwt ----
{
    my $pub = do { local (@ARGV, $/) = "$tls/client.pub"; <> };
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, token_auth => 'private_key_jwt',
        client_public_key => $pub });
    my $k = Test::Nginx::OidcOp::login($op, provider => 'pkjwt');
    is($k->{callback}{status}, 303, 'private_key_jwt: the provider accepts our signed assertion')
        or diag(error_log());
    is(Test::Nginx::OidcOp::stats($op)->{token_auth}[-1], 'private_key_jwt', 'and no secret was sent');
    my $other = do { local (@ARGV, $/) = "$tls/op.crt"; <> };    # someone else's key
    Test::Nginx::OidcOp::control($op, { client_public_key => $other });
    clear_error_log();
    $k = Test::Nginx::OidcOp::login($op, provider => 'pkjwt');
    is($k->{callback}{status}, 403, 'private_key_jwt: a provider that does not know our key refuses');
    like(error_log(), qr/OIDC_TOKEN_ERROR/, 'and the log says the token endpoint refused');
}
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, token_delay_ms => 3000 });
start_with(http => "sso_backchannel_timeout 1s;\n");
{
    clear_error_log();
    my $u = login();
    is($u->{callback}{status}, 503, 'a token endpoint slower than sso_backchannel_timeout: 503');
    like(error_log(), qr/back-channel GET .*: timed out|back-channel POST .*: timed out/, 'and the log says it timed out');
}
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });

# ---- several workers: a callback on a worker that has not met the provider yet ----
# reuseport spreads connections over the four workers, so the callback of a login usually
# reaches another worker than its start; each worker fetches discovery on its own.
start_with(workers => 4, listen_options => 'reuseport');
{
    clear_error_log();
    my @status = map { login()->{callback}{status} } 1 .. 8;
    is_deeply(\@status, [(303) x 8], 'the first logins on a fresh 4-worker nginx all succeed')
        or diag(error_log());
    unlike(error_log(), qr/OIDC_STATE_INVALID/, 'no state refused');
}
# logins started before `nginx -s reload` finish on the new workers, which have fetched nothing
{
    my @started = map { login(callback => 0) } 1 .. 6;
    reload_nginx();
    clear_error_log();
    my @status = map {
        http_request('GET', $_->{callback_path}, headers => $_->{callback_cookie})->{status}
    } @started;
    is_deeply(\@status, [(303) x 6], 'logins in flight across a reload all succeed')
        or diag(error_log());
}
# concurrent callbacks, one per login, over the four workers
{
    my @started = map { login(callback => 0) } 1 .. 8;
    my @pids = map {
        my $l = $_;
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie});
            POSIX::_exit($r->{status} == 303 ? 0 : 1);
        }
        $pid;
    } @started;
    my $ok = 0;
    for (@pids) { waitpid $_, 0; $ok++ if $? == 0 }
    is($ok, 8, 'concurrent callbacks on four workers all succeed') or diag(error_log());
}
# the same callback twice at once (a double submit): one session, one refusal
{
    my $l = login(callback => 0);
    my @pids = map {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie});
            POSIX::_exit($r->{status} == 303 ? 0 : $r->{status} == 403 ? 3 : 1);
        }
        $pid;
    } 1 .. 2;
    my @codes = map { waitpid($_, 0); $? >> 8 } @pids;
    is_deeply([sort @codes], [0, 3], 'a doubled callback makes one session and one 403')
        or diag(error_log());
}
# two nginx nodes on one Redis: a login started on one finishes on the other, and the
# session works on both
{
    my $node = start_node();
    my $l = login(callback => 0);
    my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie},
        port => $node->{port});
    is($r->{status}, 303, 'a callback on another node succeeds')
        or diag(do { local (@ARGV, $/) = $node->{error_log}; <> });
    my %after = Test::Nginx::OidcOp::cookie_pairs($r);
    my $cookie = "Cookie: __Host-sso=" . ($after{'__Host-sso'} // '');
    is(http_request('GET', '/welcome', headers => [$cookie])->{status}, 200,
        'its session works on the first node');
    is(http_request('GET', '/welcome', headers => [$cookie], port => $node->{port})->{status}, 200,
        'and on the second');
    stop_nodes();
}
# a discovery outage at callback time does not spend the login: it completes once the
# provider is back
{
    my $l = login(callback => 0);
    reload_nginx();    # the new workers have no discovery document
    Test::Nginx::OidcOp::control($op, { discovery_status => 503 });
    clear_error_log();
    my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie});
    is($r->{status}, 503, 'provider down at callback time: 503') or diag(error_log());
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });
    $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie});
    is($r->{status}, 303, 'and the same callback succeeds when it is back') or diag(error_log());
}
# the module's pages are typed as nginx types its own responses, so nginx's filters that
# match on the type (gzip_types, sub_filter_types, ssi_types) see text/html
start_with(endpoints => 'gzip on; gzip_min_length 1;');
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, token_status => 400 });
{
    my $l = login(callback => 0);
    my $r = http_request('GET', $l->{callback_path},
        headers => [@{ $l->{callback_cookie} }, 'Accept-Encoding: gzip']);
    is($r->{status}, 403, 'the token endpoint refuses: 403 page');
    is($r->{headers}{'content-encoding'}[0], 'gzip', 'gzip on applies to the text/html page');
}
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });
start_with(workers => 4, listen_options => 'reuseport');
# a client that leaves while the token endpoint is slow: nothing breaks
Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true, token_delay_ms => 800 });
{
    my $l = login(callback => 0);
    clear_error_log();
    my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie},
        timeout => 0.2);
    is($r->{status}, 0, 'the client gave up mid-login');
    sleep 1.2;
    unlike(error_log(), qr/\[(alert|crit|emerg)\]|exited on signal/, 'no worker crashed');
    Test::Nginx::OidcOp::control($op, { reset => JSON::PP::true });
    is(login()->{callback}{status}, 303, 'and the next login succeeds');
}

# ---- configuration mistakes fail nginx -t ----
my @bad = (
    ['saml and oidc lines mixed', "sso_provider x { oidc_issuer https://a.example; saml_acs_url https://b.example/acs; }",
        qr/mixes saml_ and oidc_ lines/],
    ['plain http issuer off loopback', provider('x', 'http://op.example'),
        qr/"oidc_issuer http:\/\/op\.example" is not an https URL/],
    ['unknown algorithm', provider('x', 'https://127.0.0.1', 'oidc_alg HS256'),
        qr/"oidc_alg HS256" is not an ID token algorithm this module takes/],
    ['unknown token auth', provider('x', 'https://op.example', 'oidc_token_auth private_key'),
        qr/client_secret_basic/],
    ['missing secret file', "sso_provider x { oidc_client_secret_file /nonexistent/secret; }",
        qr/cannot open/],
    ['private_key_jwt without a key', provider('x', 'https://op.example', 'oidc_token_auth private_key_jwt'),
        qr/go together/],
);
for my $case (@bad) {
    my ($name, $http, $want) = @$case;
    my ($ok, $out) = nginx_config_test({ http_config => $http,
        config => "location /sso/ { sso_endpoints; }\nlocation / { return 200; }" });
    ok(!$ok, "nginx -t fails: $name");
    like($out, $want, "nginx -t says why: $name");
}

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
