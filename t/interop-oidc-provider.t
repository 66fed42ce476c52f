# Interop with the real `oidc-provider` from npm (pinned in t/interop/oidc-provider/
# package-lock.json): discovery, a scripted code flow with PKCE over TLS through its own
# interaction and consent handling, the ID token it signs, a key rotation at the provider
# (restarted with a new signing key) picked up by nginx without a restart, and its
# Back-Channel Logout: signing out at the provider ends that browser's session here.
use strict;
use warnings;
use lib 't/lib';
use LWP::UserAgent;
use HTTP::Cookies;
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
            '--backchannel-logout-uri', "http://127.0.0.1:$port/sso/oidc/backchannel-logout"]);
}
new_key("$env->{servroot}/keys-1.json");
my $op = start_op("$env->{servroot}/keys-1.json");

start_nginx({
    http_config => <<"CONF",
sso_backchannel_trusted_certificate $tls/ca.crt;
sso_provider node {
    oidc_issuer                $op->{issuer};
    oidc_client_id             nginx-app;
    oidc_client_secret_file    $env->{servroot}/op.secret;
    oidc_redirect_uri          $redirect;
    oidc_jwks_refresh_interval 1s;
    attribute groups groups;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
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
sub at_provider {
    my ($url, $ua) = @_;
    $ua //= browser();
    for (1 .. 10) {
        return $url if index($url, $redirect) == 0;
        my $res = $ua->get($url);
        die 'provider answered ' . $res->code . ': ' . $res->decoded_content unless $res->is_redirect;
        $url = URI->new_abs($res->header('Location'), $url)->as_string;
    }
    die 'too many redirects at the provider';
}

sub login {
    my ($ua) = @_;    # a browser that keeps its session at the provider
    return Test::Nginx::OidcOp::login($op, authorize => sub { at_provider($_[0], $ua) });
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

unlike(error_log(), qr/\Q$secret\E/, 'the client secret is not logged');
unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
