# OpenID Connect logout through real nginx (two workers, and a second node on the same Redis).
# Back-Channel Logout 1.0: the provider ends one of a person's sessions by its sid, then every
# session by its sub; each ended session stops working at once on every worker and node,
# per-worker caches included, while the others go on. Every check of the logout token has a
# negative test seen from outside: 400, the log line naming the check, and no session ended.
# RP-Initiated Logout 1.0: a local logout also sends the person to the provider's
# end_session_endpoint with the session's ID token as the hint.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP ();
use HTTP::Tiny;
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $port = $env->{server_port};
my $op = Test::Nginx::OidcOp::start();
my $secret_file = "$env->{servroot}/op.secret";
open my $fh, '>', $secret_file or die;
print $fh "test-secret-1\n";
close $fh;
my $audit = "$env->{servroot}/audit.log";

# The app's hook (t/jit/test_hook.mjs): provisions at login, and hears of every logout.
my $hook_secret = "$env->{servroot}/hook.secret";
open my $hs, '>', $hook_secret or die;
print $hs "hook-secret-0123456789abcdef\n";
close $hs;
my $hook_port = start_test_hook($hook_secret);
sub hook_events {
    return JSON::PP::decode_json(HTTP::Tiny->new->get("http://127.0.0.1:$hook_port/stats")->{content})
        ->{events};
}

start_nginx({
    http_config => <<"CONF",
sso_session secure=off;
sso_audit_log $audit;
sso_provision_hook http://127.0.0.1:$hook_port/provision secret_file=$hook_secret;
sso_provider op {
    oidc_issuer $op->{issuer};
    oidc_client_id nginx-app;
    oidc_client_secret_file $secret_file;
    oidc_redirect_uri http://localhost:$port/sso/oidc/callback;
    oidc_post_logout_redirect_uri http://localhost:$port/signed-out;
    oidc_frontchannel_logout on;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});
my $node = start_node();

Test::Nginx::OidcOp::control($op, { sid => JSON::PP::true });
my @logins = map { Test::Nginx::OidcOp::login($op) } 1 .. 3;
my @sids = @{ Test::Nginx::OidcOp::stats($op)->{sids} }[-3 .. -1];
my @sessions = map { $_->{session} } @logins;
ok($_, 'a login made a session') for @sessions;

# Six requests per node reach both workers (and fill their session caches).
sub works_everywhere {
    my ($session) = @_;
    my @statuses = map {
        my $p = $_;
        map { http_request('GET', '/app', port => $p,
                  headers => ["Cookie: sso=$session", 'Accept: text/html'])->{status} } 1 .. 6
    } ($port, $node->{port});
    return join(',', @statuses);
}

sub post_logout {
    my ($token) = @_;
    return http_request('POST', '/sso/oidc/backchannel-logout', body => "logout_token=$token",
        headers => ['Content-Type: application/x-www-form-urlencoded']);
}

my $all_200 = join(',', (200) x 12);
my $all_302 = join(',', (302) x 12);
is(works_everywhere($_), $all_200, 'each session works on both nodes, both workers') for @sessions;

subtest 'a token that is not valid ends nothing' => sub {
    my @cases = (
        [ 'a forged signature', { sid => $sids[0], tamper => 1 }, 'JWT_BAD_SIGNATURE' ],
        [ 'a nonce (an ID token in disguise)', { sid => $sids[0], nonce => 'n' },
          'LOGOUT_TOKEN_HAS_NONCE' ],
        [ 'no logout event', { sid => $sids[0], events => { 'urn:other' => {} } },
          'LOGOUT_TOKEN_NOT_A_LOGOUT' ],
        [ 'neither sub nor sid', {}, 'LOGOUT_TOKEN_NO_SUBJECT' ],
        [ 'expired', { sid => $sids[0], iat_offset => -300, exp_offset => -200 },
          'JWT_EXPIRED' ],
        [ 'issued too long ago', { sid => $sids[0], iat_offset => -3600, exp_offset => 60 },
          'LOGOUT_TOKEN_STALE' ],
        [ 'issued in the future', { sid => $sids[0], iat_offset => 900 },
          'JWT_ISSUED_IN_FUTURE' ],
        [ 'for another client', { sid => $sids[0], aud => 'other-app' }, 'JWT_ISSUER_MISMATCH' ],
    );
    for my $case (@cases) {
        my ($what, $claims, $check) = @$case;
        clear_error_log();
        my $res = post_logout(Test::Nginx::OidcOp::logout_token($op, %$claims));
        is($res->{status}, 400, "$what: 400");
        like($res->{body}, qr/"error":"invalid_request"/, "$what: an OAuth error body");
        like(error_log(), qr/back-channel logout refused: \Q$check\E/, "$what: the log names $check");
    }
    is(post_logout('')->{status}, 400, 'no token: 400');
    is(works_everywhere($sessions[0]), $all_200, 'the session named by those tokens still works');
};

subtest 'a sid ends its session everywhere, at once, and no other' => sub {
    my $token = Test::Nginx::OidcOp::logout_token($op, sid => $sids[0], sub => 'alice-123');
    my $res = post_logout($token);
    is($res->{status}, 200, '200 to the provider');
    is($res->{headers}{'cache-control'}[0], 'no-store', 'not cached (§2.8)');
    my ($told) = grep { $_->{reason} eq 'backchannel' } @{ hook_events() };
    is($told->{sessions}, 1, "the app is told: one session ended") or diag(explain(hook_events()));
    is(works_everywhere($sessions[0]), $all_302, 'the session is gone on every worker and node');
    is(works_everywhere($sessions[1]), $all_200, 'the same person\'s other session goes on');
    like(error_log(), qr/back-channel logout: 1 session\(s\) ended/, 'logged');

    clear_error_log();
    is(post_logout($token)->{status}, 400, 'the same token again: 400');
    like(error_log(), qr/LOGOUT_TOKEN_REPLAY/, 'its jti was spent');
};

subtest 'a sub without a sid ends every session of the person' => sub {
    my $res = post_logout(Test::Nginx::OidcOp::logout_token($op, sub => 'alice-123'));
    is($res->{status}, 200, '200 to the provider');
    is(works_everywhere($_), $all_302, 'gone everywhere') for @sessions[1, 2];
    my $log = do { local (@ARGV, $/) = $audit; <> } // '';
    my ($line) = grep {/"reason":"backchannel"/ && /"sessions":2/} split /\n/, $log;
    like($line // '', qr/"event":"logout"/, 'the audit line says how many sessions ended');
    like($line // '', qr/"app":"told"/, 'and that the app was told');
    my ($event) = grep { $_->{reason} eq 'backchannel' && $_->{sessions} == 2 } @{ hook_events() };
    ok($event, 'the app heard of it through its hook (signature checked by the app)');
    is($event->{subject}, 'alice-123', 'whose sessions');
    like($event->{user_id} // '', qr/^\d+$/, 'the app\'s own user id');
    unlike($log, qr/\Q$sessions[1]\E/, 'no cookie in the audit log');
};

subtest 'a local logout ends the session at the provider too (RP-initiated)' => sub {
    my $flow = Test::Nginx::OidcOp::login($op);
    my $session = $flow->{session};
    my $id_token = Test::Nginx::OidcOp::stats($op)->{id_tokens}[-1];
    is(works_everywhere($session), $all_200, 'signed in');
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$session"]);
    is($res->{status}, 303, 'logout answers 303');
    my $location = $res->{headers}{location}[0] // '';
    like($location, qr{^\Q$op->{issuer}\E/end-session\?id_token_hint=}, 'to the end_session_endpoint');
    like(join('', @{ $res->{headers}{'set-cookie'} // [] }), qr/^sso=; .*Max-Age=0/, 'cookie cleared');
    is(works_everywhere($session), $all_302, 'the session is gone here before the browser leaves');
    my $at_op = Test::Nginx::OidcOp::agent($op)->get($location);
    is($at_op->{status}, 302, 'the provider ends its session');
    my $seen = Test::Nginx::OidcOp::stats($op)->{end_session}[-1];
    is($seen->{id_token_hint}, $id_token, 'with the ID token of that login as the hint');
    is($seen->{post_logout_redirect_uri}, "http://localhost:$port/signed-out", 'the configured URL, exactly');
    is($seen->{client_id}, 'nginx-app', 'our client id');
    like($seen->{state} // '', qr/^[A-Za-z0-9_-]{22}$/, 'a random state');
    like($at_op->{headers}{location}, qr{^http://localhost:$port/signed-out\?state=}, 'and sends the person back');
    unlike(error_log(), qr/\Q$id_token\E/, 'the ID token is not logged');
    my ($user_event) = grep { $_->{reason} eq 'user' } @{ hook_events() };
    ok($user_event, 'the app heard of the local logout too');
};

subtest 'an app slower than the bound does not hold the provider or the person' => sub {
    HTTP::Tiny->new->post("http://127.0.0.1:$hook_port/control",
        { content => JSON::PP::encode_json({ behaviour => { event_delay_ms => 4000 } }) });
    my @slow = map { Test::Nginx::OidcOp::login($op) } 1 .. 2;
    my @slow_sids = @{ Test::Nginx::OidcOp::stats($op)->{sids} }[-2, -1];
    my $res = post_logout(Test::Nginx::OidcOp::logout_token($op, sid => $slow_sids[0]));
    is($res->{status}, 200, 'back-channel: 200 to the provider');
    cmp_ok($res->{elapsed}, '<', 3.5, 'within the 2 s bound (not the app\'s 4 s)');
    is(works_everywhere($slow[0]{session}), $all_302, 'and the session ended');
    $res = http_request('POST', '/sso/logout', headers => ["Cookie: sso=$slow[1]{session}"]);
    is($res->{status}, 303, 'local logout: 303');
    cmp_ok($res->{elapsed}, '<', 3.5, 'within the bound too');
    my $log = do { local (@ARGV, $/) = $audit; <> } // '';
    my @unheard = grep {/"app":"no answer"/} split /\n/, $log;
    is(scalar(@unheard), 2, 'both audit lines say the app did not answer in time');
    HTTP::Tiny->new->post("http://127.0.0.1:$hook_port/control",
        { content => JSON::PP::encode_json({ behaviour => { event_delay_ms => 0 } }) });
};

subtest 'after nginx -s reload, new workers verify logout tokens too' => sub {
    my $flow = Test::Nginx::OidcOp::login($op);
    my $sid = Test::Nginx::OidcOp::stats($op)->{sids}[-1];
    my $jwks_before = Test::Nginx::OidcOp::stats($op)->{jwks};
    reload_nginx();    # new workers: no discovery document, no keys yet
    my $res = post_logout(Test::Nginx::OidcOp::logout_token($op, sid => $sid));
    is($res->{status}, 200, 'a worker started by the reload fetches the keys and ends the session');
    cmp_ok(Test::Nginx::OidcOp::stats($op)->{jwks}, '>', $jwks_before, 'it fetched them');
    is(works_everywhere($flow->{session}), $all_302, 'gone everywhere');
};

subtest 'front-channel: iss and sid in a GET end that session, and only with both' => sub {
    my @front = map { Test::Nginx::OidcOp::login($op) } 1 .. 2;
    my @front_sids = @{ Test::Nginx::OidcOp::stats($op)->{sids} }[-2, -1];
    is(works_everywhere($_->{session}), $all_200, 'signed in') for @front;
    my $iss = Test::Nginx::SamlIdp::url_encode($op->{issuer});
    for my $case (["iss=$iss", 'no sid'], ["sid=$front_sids[0]", 'no iss'],
                  ['iss=https%3A%2F%2Fevil.example&sid=' . $front_sids[0], 'another issuer']) {
        clear_error_log();
        my $res = http_request('GET', "/sso/oidc/frontchannel-logout?$case->[0]");
        is($res->{status}, 400, "$case->[1]: 400");
        like(error_log(), qr/front-channel logout refused: FRONTCHANNEL_LOGOUT_INVALID/,
            "$case->[1]: the log names the check");
    }
    is(works_everywhere($front[0]{session}), $all_200, 'nothing ended');
    my $res = http_request('GET', "/sso/oidc/frontchannel-logout?iss=$iss&sid=$front_sids[0]");
    is($res->{status}, 200, '200 for the provider\'s iframe');
    like($res->{headers}{'content-type'}[0], qr{^text/html}, 'a page');
    is($res->{headers}{'cache-control'}[0], 'no-store', 'not cached');
    ok(!$res->{headers}{'x-frame-options'}, 'that the provider may frame');
    is(works_everywhere($front[0]{session}), $all_302, 'the session of that sid is gone everywhere');
    is(works_everywhere($front[1]{session}), $all_200, 'the person\'s other session goes on');
    my ($told) = grep { $_->{reason} eq 'frontchannel' } @{ hook_events() };
    is($told->{sessions}, 1, 'the app is told') or diag(explain(hook_events()));
    is(http_request('POST', '/sso/oidc/frontchannel-logout')->{status}, 405, 'POST: 405');
};

subtest 'only POST' => sub {
    is(http_request('GET', '/sso/oidc/backchannel-logout')->{status}, 405, 'GET: 405');
};

done_testing();
