# sso_metrics: Prometheus counters in shared memory, through real nginx with two workers and
# real Redis: the gate's decisions, the session cache, logins (the test OP), logouts, the
# audit trail of each, a reload that keeps the counters, and promtool's check of the output.
use strict;
use warnings;
use lib 't/lib';
use JSON::PP qw(decode_json);
use Test::More;
use Time::HiRes qw(sleep);
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $port = $env->{server_port};

open my $fh, '>', "$root/op.secret" or die;
print $fh "test-secret-1\n";
close $fh;
my $op = Test::Nginx::OidcOp::start();
my $audit = "$root/logs/audit.log";

my $block = {
    workers => 2,
    listen_options => 'reuseport',
    http_config => "sso_session cache=30s;\nsso_audit_log $audit;\n"
        . "sso_provider corp {\n    oidc_issuer $op->{issuer};\n    oidc_client_id nginx-app;\n"
        . "    oidc_client_secret_file $root/op.secret;\n"
        . "    oidc_redirect_uri http://localhost:$port/sso/oidc/callback;\n}\n",
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location = /metrics { sso_metrics; }
location = /metrics-local { sso_metrics; allow 127.0.0.2; deny all; }
location /admin {
    sso on;
    sso_require role admin;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
location / {
    sso on;
    location = /metrics-behind-sso { sso_metrics; }
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};
start_nginx($block);

sub scrape {
    my $res = http_request('GET', '/metrics');
    is($res->{status}, 200, 'the metrics answer') if $_[0];
    return $res->{body} // '';
}
sub value {
    my ($text, $series) = @_;
    return $text =~ /^\Q$series\E (\S+)$/m ? $1 + 0 : 0;
}
sub audit_lines {
    open my $in, '<', $audit or return ();
    return map { decode_json($_) } grep {/\S/} <$in>;
}

my $before = scrape(1);
like($before, qr/^# TYPE sso_gate_decisions_total counter$/m, 'text format with TYPE lines');
like(http_request('GET', '/metrics', headers => ['Accept: text/html'])->{headers}{'content-type'}[0],
    qr{^text/plain; version=0\.0\.4}, 'Prometheus content type');
is(http_request('GET', '/metrics-local')->{status}, 403, 'allow/deny protect it');
is(http_request('GET', '/metrics-behind-sso')->{status}, 200,
    'never gated, even inside an "sso on" location');
cmp_ok(value($before, 'sso_redis_connections'), '>=', 2, 'Redis connections of the workers');

# ---- the gate: login required, allowed (cache miss, then hits), denied ----
my $n = 20;
http_request('GET', '/app', headers => ['Accept: application/json']) for 1 .. $n;
my $cookie = create_session(user => 'u1', subject => 'metrics-1', role => 'member');
http_request('GET', '/app', headers => ["Cookie: __Host-sso=$cookie"]) for 1 .. $n;
my $denied = http_request('GET', '/admin', headers => ["Cookie: __Host-sso=$cookie"]);
is($denied->{status}, 403, 'a rule not met: 403');

my $m = scrape();
is(value($m, 'sso_gate_decisions_total{decision="login_required"}')
    - value($before, 'sso_gate_decisions_total{decision="login_required"}'), $n,
    'login_required counted once per request, across both workers');
is(value($m, 'sso_gate_decisions_total{decision="allow"}'), $n, 'allow counted');
is(value($m, 'sso_gate_decisions_total{decision="denied"}'), 1, 'denied counted');
my $lookups = value($m, 'sso_session_cache_hits_total') + value($m, 'sso_session_cache_misses_total');
cmp_ok($lookups, '<=', $n + 1, 'a lookup is a hit or a miss (none while the cache is off)');
cmp_ok(value($m, 'sso_session_cache_hits_total'), '>=', $n - 4, 'mostly hits');
cmp_ok(value($m, 'sso_latency_seconds_count{target="redis"}'), '>', 0, 'Redis latency observed');
my %pids = map { $_ => 1 } error_log() =~ /\[info\] (\d+)#\d+: \*\d+ sso: login required/g;
is(scalar(keys %pids), 2, 'both workers answered');

# ---- the audit line of the refusal ----
my ($refusal) = grep { ($_->{event} // '') eq 'access_denied' } audit_lines();
ok($refusal, 'audit: the refusal has its line') or diag(error_log());
like($refusal->{rule} // "", qr/^sso_require role admin \(\S+nginx\.conf:\d+\)$/, "audit: it names the rule");
is($refusal->{subject}, 'metrics-1', 'audit: and the subject');
like($refusal->{request_id} // '', qr/^[0-9a-f]{32}$/, 'audit: and the request id');

# ---- a login (no hook), and one that fails ----
Test::Nginx::OidcOp::control($op, { user => { sub => 'oidc-1', email => 'a@corp.example' } });
my $f = Test::Nginx::OidcOp::login($op, provider => 'corp');
is($f->{callback}{status}, 303, 'login succeeds') or diag(error_log());
my $bad = http_request('GET', '/sso/oidc/callback?code=abc&state=forged');
$m = scrape();
is(value($m, 'sso_logins_total{provider="corp",protocol="oidc",outcome="OK"}'), 1,
    'the login is counted with provider, protocol and outcome');
like($m, qr/^sso_logins_total\{provider="",protocol="oidc",outcome="[A-Z_]+"\} 1$/m,
    'the failed one with its status');
cmp_ok(value($m, 'sso_latency_seconds_count{target="backchannel"}'), '>', 0,
    'IdP back-channel latency observed');
my ($login) = grep { ($_->{event} // '') eq 'login' } audit_lines();
is_deeply([map { $login->{$_} } qw(provider protocol subject user_id)],
    ['corp', 'oidc', 'oidc-1', 'oidc-1'], 'audit: the login line without a hook');
like($login->{request_id} // '', qr/^[0-9a-f]{32}$/, 'audit: with the request id');
like(error_log(), qr/login succeeded, provider "corp", subject "oidc-1", new session, request_id: \Q$login->{request_id}\E/,
    'the error log names provider, subject and request id');

# ---- logout ----
my $out = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$f->{session}"]);
is($out->{status}, 303, 'logout');
$m = scrape();
is(value($m, 'sso_logouts_total{channel="user"}'), 1, 'logout counted by channel');
is(value($m, 'sso_sessions_revoked_total{channel="user"}'), 1, 'and the sessions it ended');
my ($logout) = grep { ($_->{event} // '') eq 'logout' } audit_lines();
is($logout->{channel}, 'user', 'audit: the logout line names the channel');
is($logout->{sessions}, 1, 'audit: and how many sessions');

# ---- a reload keeps the counters ----
my $allowed = value($m, 'sso_gate_decisions_total{decision="allow"}');
reload_nginx();
my $after;
for (1 .. 50) {    # the old workers close their connections as they exit
    $after = scrape();
    last if value($after, 'sso_redis_connections') == value($m, 'sso_redis_connections');
    sleep 0.1;
}
is(value($after, 'sso_gate_decisions_total{decision="allow"}'), $allowed,
    'nginx -s reload keeps the counters');
is(value($after, 'sso_logins_total{provider="corp",protocol="oidc",outcome="OK"}'), 1,
    'and the labelled series');
is(value($after, 'sso_redis_connections'), value($m, 'sso_redis_connections'),
    'the old workers\' connections are gone, the new ones counted');
http_request('GET', '/app', headers => ["Cookie: __Host-sso=$cookie"]);
is(value(scrape(), 'sso_gate_decisions_total{decision="allow"}'), $allowed + 1,
    'and go on counting');

# ---- promtool ----
SKIP: {
    skip 'promtool not installed (apt-get install prometheus)', 1 unless -x '/usr/bin/promtool';
    my $file = "$root/metrics.txt";
    open my $o, '>', $file or die;
    print $o scrape();
    close $o;
    my $check = `/usr/bin/promtool check metrics < $file 2>&1`;
    is($? >> 8, 0, 'promtool check metrics passes') or diag($check);
}

# ---- no secrets in the audit log ----
{
    open my $in, '<', $audit or die;
    local $/;
    my $text = <$in>;
    unlike($text, qr/\Q$cookie\E|\Q$f->{session}\E|test-secret-1|code=|eyJ/,
        'the audit log has no cookie, token, code or secret');
}

stop_nginx();
done_testing();
