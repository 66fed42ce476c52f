# Interop with the real `oidc-provider` from npm (pinned in t/interop/oidc-provider/
# package-lock.json): discovery, a scripted code flow with PKCE over TLS through its own
# interaction and consent handling, the ID token it signs, a key rotation at the provider
# (restarted with a new signing key) picked up by nginx without a restart, its
# Back-Channel Logout: signing out at the provider ends that browser's session here, and its
# RP-Initiated Logout: POST /sso/logout ends the session here, then the browser goes to the
# provider's end_session endpoint with the ID token as hint, confirms, and the provider ends
# its own session and sends the browser back to our post-logout URL with our state. The app
# hears of both logouts through its hook (t/jit/test_hook.mjs).
use strict;
use warnings;
use lib 't/lib';
use LWP::UserAgent;
use HTTP::Cookies;
use HTTP::Tiny;
use JSON::PP ();
use MIME::Base64 qw(decode_base64url);
use Test::More;
use Test::TCP qw(empty_port);
use Time::HiRes qw(sleep);
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;

my $env = Test::Nginx::SSO::env();
-d "$env->{repo}/t/interop/oidc-provider/node_modules/oidc-provider"
    or die "oidc-provider is not installed: npm ci --prefix t/interop/oidc-provider\n";

import_servers();
my $port = $env->{server_port};
my $tls = "$env->{servroot}/tls";
Test::Nginx::OidcOp::make_tls($tls, op => 'IP:127.0.0.1');
my $secret = 'interop-secret-' . int(rand(1e9));
open my $fh, '>', "$env->{servroot}/op.secret" or die;
print $fh "$secret\n";
close $fh;

my $script = "$env->{repo}/t/interop/oidc_provider.mjs";
my $redirect = "http://localhost:$port/sso/oidc/callback";
my $signed_out = "http://localhost:$port/signed-out";
my $op_port = empty_port();
sub new_key {
    my ($file) = @_;
    system('node', $script, '--new-key', $file) == 0 or die 'new key';
}
sub start_op {
    my ($keys) = @_;
    return Test::Nginx::OidcOp::start(script => $script, tls => ["$tls/op.crt", "$tls/op.key"],
        ca => "$tls/ca.crt", port => $op_port,
        args => ['--keys', $keys, '--redirect-uri', $redirect, '--client-secret', $secret,
            '--backchannel-logout-uri', "http://127.0.0.1:$port/sso/oidc/backchannel-logout",
            '--post-logout-redirect-uri', $signed_out]);
}
new_key("$env->{servroot}/keys-1.json");
my $op = start_op("$env->{servroot}/keys-1.json");

# The app's hook: provisions at login, and hears of every logout (stats.events).
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
    listen_options => 'reuseport',    # connections spread over both workers
    http_config => <<"CONF",
sso_backchannel_trusted_certificate $tls/ca.crt;
sso_provision_hook http://127.0.0.1:$hook_port/provision secret_file=$hook_secret;
sso_provider node {
    oidc_issuer                   $op->{issuer};
    oidc_client_id                nginx-app;
    oidc_client_secret_file       $env->{servroot}/op.secret;
    oidc_redirect_uri             $redirect;
    oidc_post_logout_redirect_uri $signed_out;
    oidc_jwks_refresh_interval    1s;
    attribute groups groups;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location = /signed-out { return 200 "signed out\n"; }
location / {
    sso on;
    add_header X-Worker $pid always;
    proxy_set_header X-Remote-Subject $sso_subject;
    proxy_set_header X-Remote-Email   $sso_email;
    proxy_set_header X-Remote-Name    $sso_name;
    proxy_set_header X-Remote-Groups  $sso_groups;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

sub browser {
    return LWP::UserAgent->new(max_redirect => 0, timeout => 10, cookie_jar => HTTP::Cookies->new,
        ssl_opts => { SSL_ca_file => "$tls/ca.crt", verify_hostname => 0 });
}

# The browser at the provider: follow its redirects (with its cookies) until it sends us back.
# The URLs it visits go onto @$trace when given.
sub at_provider {
    my ($url, $ua, $trace) = @_;
    $ua //= browser();
    for (1 .. 10) {
        return $url if index($url, $redirect) == 0;
        push @$trace, $url if $trace;
        my $res = $ua->get($url);
        die 'provider answered ' . $res->code . ': ' . $res->decoded_content unless $res->is_redirect;
        $url = URI->new_abs($res->header('Location'), $url)->as_string;
    }
    die 'too many redirects at the provider';
}

sub login {
    my ($ua, $trace) = @_;    # a browser that keeps its session at the provider
    return Test::Nginx::OidcOp::login($op, authorize => sub { at_provider($_[0], $ua, $trace) });
}

my $flow = login();
like($flow->{login}{headers}{location}[0], qr{^\Q$op->{issuer}\E/auth\?}, 'login goes to oidc-provider');
like($flow->{back}, qr/[?&]iss=/, 'which sends the RFC 9207 iss parameter back');
is($flow->{callback}{status}, 303, 'the callback accepts its code and ID token') or diag(error_log());
my $app = http_request('GET', '/welcome', headers => ["Cookie: __Host-sso=$flow->{session}"]);
is($app->{status}, 200, 'the app is reached');
like($app->{body}, qr/^X-Remote-Subject: alice$/m, 'subject');
like($app->{body}, qr/^X-Remote-Email: alice\@corp\.example$/m, 'email');
like($app->{body}, qr/^X-Remote-Name: Alice Doe$/m, 'name');
like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups');

# Rotation: the provider restarts with a new key only; nginx keeps running.
Test::Nginx::OidcOp::stop($op);
new_key("$env->{servroot}/keys-2.json");
$op = start_op("$env->{servroot}/keys-2.json");
sleep 1.1;    # oidc_jwks_refresh_interval
clear_error_log();
my $rotated = login();
is($rotated->{callback}{status}, 303, 'after the key rotation the login still works, no restart')
    or diag(error_log());

# Back-Channel Logout: two browsers signed in; one signs out at the provider, which POSTs a
# logout token for its session (sid) to nginx.
my ($leaving, $staying) = (browser(), browser());
my $gone = login($leaving);
my $kept = login($staying);
sub app_status {
    my ($session) = @_;
    return http_request('GET', '/welcome',
        headers => ["Cookie: __Host-sso=$session", 'Accept: text/html'])->{status};
}
is(app_status($_->{session}), 200, 'signed in') for $gone, $kept;
my $end = $leaving->get("$op->{issuer}/session/end");
my ($xsrf) = $end->decoded_content =~ /name="xsrf" value="([^"]+)"/;
ok($xsrf, 'the provider asks to confirm the sign-out') or diag($end->decoded_content);
my $confirm = $leaving->post("$op->{issuer}/session/end/confirm", { xsrf => $xsrf, logout => 'yes' });
ok($confirm->code < 400, 'signed out at the provider') or diag($confirm->decoded_content);
is(app_status($gone->{session}), 302, 'its back-channel logout ended the session here at once');
is(app_status($kept->{session}), 200, 'the other browser\'s session goes on');
like(error_log(), qr/back-channel logout: 1 session\(s\) ended/, 'logged');
my @told = grep { $_->{reason} eq 'backchannel' } @{ hook_events() };
is(scalar(@told), 1, 'the app is told of the back-channel logout') or diag(explain(hook_events()));
is($told[0]{sessions}, 1, 'one session ended');
is($told[0]{subject}, 'alice', 'whose');
is($told[0]{provider}, 'node', 'at which provider');

# RP-Initiated Logout. What every nginx worker answers for a session: "N worker(s): statuses".
sub on_every_worker {
    my ($session) = @_;
    my %seen;    # worker pid -> statuses
    for my $n (1 .. 60) {
        my $res = http_request('GET', '/welcome',
            headers => ["Cookie: __Host-sso=$session", 'Accept: text/html']);
        push @{ $seen{ $res->{headers}{'x-worker'}[0] // 'none' } }, $res->{status};
        last if $n >= 6 && keys %seen >= $env->{workers};
    }
    my %statuses = map { $_ => 1 } map {@$_} values %seen;
    return sprintf('%d worker(s): %s', scalar(keys %seen), join(',', sort keys %statuses));
}
my $all = "$env->{workers} worker(s)";
sub logs_ended { my @n = error_log() =~ /back-channel logout: 1 session\(s\) ended/g; scalar @n }
my $ended_before = logs_ended();

# A browser signs in twice (the provider remembers it the second time), then signs out from
# the app with the cookie of its second login.
my $ua = browser();
my (@first_trace, @again_trace, @after_trace);
my $first = login($ua, \@first_trace);
my $again = login($ua, \@again_trace);
is($_->{callback}{status}, 303, 'signed in') for $first, $again;
ok((grep {m{/interaction/}} @first_trace), 'the first login goes through the provider\'s interaction');
ok(!(grep {m{/interaction/}} @again_trace), 'the second does not: the provider has a session')
    or diag(explain(\@again_trace));
is(on_every_worker($_->{session}), "$all: 200", 'both sessions work on every worker')
    for $first, $again;

my $logout = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$again->{session}"]);
is($logout->{status}, 303, 'POST /sso/logout: 303') or diag(error_log());
my $end_url = $logout->{headers}{location}[0] // '';
like($end_url, qr{^\Q$op->{issuer}\E/session/end\?}, 'to oidc-provider\'s end_session_endpoint');
my %sent = URI->new($end_url)->query_form;
is($sent{post_logout_redirect_uri}, $signed_out, 'post_logout_redirect_uri: the configured URL');
is($sent{client_id}, 'nginx-app', 'client_id');
like($sent{state} // '', qr/^[A-Za-z0-9_-]{22}$/, 'a random state');
my ($hint_claims) = ($sent{id_token_hint} // '') =~ /^[\w-]+\.([\w-]+)\.[\w-]+$/;
my $hint = JSON::PP::decode_json(decode_base64url($hint_claims // 'e30'));
is_deeply([@$hint{qw(iss aud sub)}], [$op->{issuer}, 'nginx-app', 'alice'],
    'id_token_hint: the ID token oidc-provider issued for this login');
like(join('', @{ $logout->{headers}{'set-cookie'} // [] }), qr/^__Host-sso=; .*Max-Age=0/,
    'the cookie is cleared');
is(on_every_worker($again->{session}), "$all: 302", 'the session is gone on every worker at once');
is(on_every_worker($first->{session}), "$all: 200",
    'the browser\'s earlier session is not the one logged out here (yet)');
my @user_events = grep { $_->{reason} eq 'user' } @{ hook_events() };
is(scalar(@user_events), 1, 'the app is told of the logout, reason "user"')
    or diag(explain(hook_events()));
is($user_events[0]{sessions}, 1, 'one session');
is($user_events[0]{subject}, 'alice', 'whose');

# The browser follows the 303 to the provider and confirms there.
my $page = $ua->get($end_url);
is($page->code, 200, 'oidc-provider accepts the id_token_hint') or diag($page->decoded_content);
like($page->decoded_content, qr/Do you want to sign-out/, 'and asks the person to confirm');
my ($action) = $page->decoded_content =~ /<form id="op\.logoutForm" method="post" action="([^"]+)"/;
my ($logout_xsrf) = $page->decoded_content =~ /name="xsrf" value="([^"]+)"/;
my $signed_out_there = $ua->post($action // "$op->{issuer}/session/end/confirm",
    { xsrf => $logout_xsrf, logout => 'yes' });    # "Yes, sign me out"
is($signed_out_there->code, 303, 'signed out at the provider')
    or diag($signed_out_there->decoded_content);
my $back = URI->new($signed_out_there->header('Location') // '');
my %back_query = $back->query_form;
my $back_base = $back->clone;
$back_base->query(undef);
is($back_base->as_string, $signed_out, 'oidc-provider sends the browser to our post-logout URL');
is_deeply(\%back_query, { state => $sent{state} }, 'with the state nginx sent');
my $landing = $ua->get($back->as_string);
is($landing->code, 200, 'the app\'s signed-out page');

# The provider's sign-out also POSTed a logout token for this browser's sid to nginx: the
# session of the first login (same sid) ends now; the one logged out here was gone already.
is(on_every_worker($first->{session}), "$all: 302",
    'the provider\'s back-channel logout ended the earlier session');
is(logs_ended() - $ended_before, 1, 'one session ended by it');
my @backchannel = grep { $_->{reason} eq 'backchannel' } @{ hook_events() };
is(scalar(@backchannel), 2, 'the app is told of that one too') or diag(explain(hook_events()));
is($backchannel[-1]{sessions}, 1, 'one session');
my $after = login($ua, \@after_trace);
is($after->{callback}{status}, 303, 'signing in again works');
ok((grep {m{/interaction/}} @after_trace),
    'but goes through the interaction: the provider\'s session is over') or diag(explain(\@after_trace));
my $op_log = do { local (@ARGV, $/) = "$env->{servroot}/logs/op-$op_port.log"; <> } // '';
like($op_log, qr/^end_session: signed out$/m, 'oidc-provider ended its session');
unlike($op_log, qr/end_session\S*\.error/, 'and logged no end_session error') or diag($op_log);
unlike(error_log(), qr/\Q$sent{id_token_hint}\E/, 'the ID token is not logged');

# A session from before the key rotation: its ID token was signed with the key the provider
# no longer has, and oidc-provider verifies an id_token_hint with its current keys only. The
# session here ends all the same; the provider answers with its error page instead of the
# confirmation: the person is not sent back to us, nor signed out at the provider (a rotation
# that keeps the old key published for a while avoids this).
my $stale = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$flow->{session}"]);
is($stale->{status}, 303, 'a session from before the rotation: logout answers 303 too');
is(on_every_worker($flow->{session}), "$all: 302", 'and it is gone here');
my $refused = browser()->get($stale->{headers}{location}[0] // '');
is($refused->code, 400, 'oidc-provider refuses its stale id_token_hint');
like($refused->decoded_content, qr/could not validate id_token_hint/, 'saying why');

unlike(error_log(), qr/\Q$secret\E/, 'the client secret is not logged');
unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
