# sso_require: per-location rules on roles, groups, email domain, provider, user and any
# $sso_attr_* field, evaluated in the core once the session is accepted (two workers, so both
# the session read and the per-worker cache's hit path decide). A signed-in user who fails a
# rule gets 403 (a page, or JSON for an API client) and a log line naming the rule; someone
# without a session still gets the login redirect or 401. Inheritance works like add_header.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use JSON::PP ();

import_servers();

my $dn = 'CN=ops,OU=groups,DC=corp,DC=example';
start_nginx({
    http_config => 'sso_session ttl=1h idle=30m;',
    config => <<"CONF",
sso_require email_domain corp.example;
location /sso/ { sso_endpoints; }
location /admin/ {
    sso on;
    sso_require role admin;
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
location /ops/ {
    sso on;
    sso_require group "$dn" engineering;
    sso_require provider corp;
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
location /dept/ {
    sso on;
    sso_require attr department R&D "Sales EMEA";
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
location /users/ {
    sso on;
    sso_require user 42 43;
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
location /open/ {
    sso on;
    sso_require signed_in;
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
location / {
    sso on;
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

sub session {
    my (%f) = @_;
    return create_session(provider => 'corp', subject => "s-$f{user}", email => 'a@corp.example',
        %f);
}

# Eight requests: both workers, the first from Redis, the rest from their caches.
sub statuses {
    my ($cookie, $uri, @headers) = @_;
    @headers = ('Accept: text/html') unless @headers;
    return join(',', map {
        http_request('GET', $uri, headers => ["Cookie: __Host-sso=$cookie", @headers])->{status}
    } 1 .. 8);
}
my $ok = join(',', (200) x 8);
my $denied = join(',', (403) x 8);

my $admin = session(user => 40, role => 'admin');
my $dev = session(user => 41, role => ['developer', 'admins']);

subtest 'a role' => sub {
    is(statuses($admin, '/admin/'), $ok, 'an admin gets in, on every worker, cached or not');
    clear_error_log();
    is(statuses($dev, '/admin/'), $denied, 'a developer (and "admins" is not "admin") gets 403');
    my $page = http_request('GET', '/admin/', headers => ["Cookie: __Host-sso=$dev", 'Accept: text/html']);
    like($page->{body}, qr/You don&#39;t have access to this page/, 'a page that says so');
    like($page->{body}, qr{<a class="button primary" href="/">Back to the app</a>}, 'back to the app');
    like($page->{body}, qr{<form method="post" action="/sso/logout"><button [^>]*>Sign in with another account</button>},
        'or sign out to use another account');
    like($page->{headers}{'content-security-policy'}[0], qr/^default-src 'none'; style-src 'sha256-/,
        'a strict Content-Security-Policy');
    for my $client (['X-Requested-With: XMLHttpRequest', 'XHR'], ['Sec-Fetch-Mode: cors', 'fetch()']) {
        my $res = http_request('GET', '/admin/',
            headers => ["Cookie: __Host-sso=$dev", 'Accept: text/html, */*', $client->[0]]);
        is($res->{status}, 403, "$client->[1]: 403");
        like($res->{headers}{'content-type'}[0], qr{^application/json}, "$client->[1]: as JSON");
        ok(!$res->{headers}{'content-security-policy'}, "$client->[1]: no page, no page policy");
    }
    my $form = http_request('POST', '/admin/', body => 'a=1', headers => ["Cookie: __Host-sso=$dev",
        'Accept: text/html', 'Sec-Fetch-Mode: navigate', 'Content-Type: application/x-www-form-urlencoded']);
    is($form->{status}, 403, 'a form posted by a browser: 403');
    like($form->{headers}{'content-type'}[0], qr{^text/html}, 'as a page, the browser shows it');
    like($page->{body}, qr{<code>[0-9a-f]{32}</code>}, 'with the request id');
    like(error_log(), qr/ACCESS_DENIED .*: sso_require role admin \(\S+nginx\.conf:\d+\) does not hold for user "41" of provider "corp", request_id: [0-9a-f]{32}/,
        'the log names the rule, where it is written, and who');
    my $api = http_request('GET', '/admin/', headers => ["Cookie: __Host-sso=$dev", 'Accept: application/json']);
    is($api->{status}, 403, 'an API client gets 403 too');
    like($api->{headers}{'content-type'}[0], qr{^application/json}, 'as JSON');
    my $body = JSON::PP::decode_json($api->{body});
    is($body->{error}, 'access_denied', 'error: access_denied');
    like($body->{request_id}, qr/^[0-9a-f]{32}$/, 'with the request id');
};

subtest 'without a session: still the login redirect or 401, not 403' => sub {
    my $res = http_request('GET', '/admin/', headers => ['Accept: text/html']);
    is($res->{status}, 302, 'a browser is sent to log in');
    like($res->{headers}{location}[0], qr{/sso/login\?return_to=/admin/$}, 'and back afterwards');
    is(http_request('GET', '/admin/', headers => ['Accept: application/json'])->{status}, 401,
        'an API client gets 401');
};

subtest 'groups match exactly, DN syntax included; all lines must hold' => sub {
    is(statuses(session(user => 50, group => $dn), '/ops/'), $ok, 'the DN, exactly');
    is(statuses(session(user => 51, group => 'engineering'), '/ops/'), $ok, 'or the other value');
    for my $near ('CN=ops', 'OU=groups', 'cn=ops,ou=groups,dc=corp,dc=example', "$dn ", 'ops') {
        is(statuses(session(user => 52, group => $near), '/ops/'), $denied, "not \"$near\"");
    }
    clear_error_log();
    is(statuses(session(user => 53, group => 'engineering', provider => 'partner'), '/ops/'), $denied,
        'the group line holds, the provider line does not');
    like(error_log(), qr/sso_require provider corp \(/, 'the log names the line that failed');
};

subtest 'attributes' => sub {
    is(statuses(session(user => 60, attr => 'department=Sales EMEA'), '/dept/'), $ok, '"Sales EMEA"');
    is(statuses(session(user => 61, attr => 'department=R&D'), '/dept/'), $ok, '"R&D"');
    is(statuses(session(user => 62, attr => 'department=Sales'), '/dept/'), $denied, 'not "Sales"');
    is(statuses(session(user => 63), '/dept/'), $denied, 'nor no department at all');
};

subtest 'users' => sub {
    is(statuses(session(user => 42), '/users/'), $ok, 'user 42');
    is(statuses(session(user => 44), '/users/'), $denied, 'not user 44');
};

subtest 'inheritance: the server level applies where a location has no lines of its own' => sub {
    my $outsider = session(user => 70, email => 'b@partner.example');
    is(statuses($outsider, '/'), $denied, 'email_domain corp.example holds at / (inherited)');
    is(statuses(session(user => 71, email => 'c@eng.corp.example'), '/'), $ok, 'a subdomain is below it');
    is(statuses(session(user => 72, email => 'd@corp.example.evil.example'), '/'), $denied,
        'a look-alike is not');
    is(statuses($outsider, '/open/'), $ok, '"sso_require signed_in" clears the inherited rules');
    is(statuses(session(user => 73, email => 'b@partner.example', role => 'admin'), '/admin/'), $ok,
        'a location with its own lines does not inherit the server\'s (like add_header)');
};

subtest 'mistakes fail nginx -t, naming the line' => sub {
    for my $case (['colour blue', 'an unknown kind'], ['role', 'no value'],
                  ['attr department', 'an attribute without a value'],
                  ['email_domain *.corp.example', 'a wildcard domain'],
                  ['signed_in now', 'signed_in with a value']) {
        my ($ok_, $out) = nginx_config_test({ config => <<"CONF" });
location / { sso on; sso_require $case->[0]; proxy_pass http://127.0.0.1:1; }
CONF
        ok(!$ok_, "$case->[1]: refused");
        like($out, qr/CONFIG_BAD_REQUIRE.*nginx\.conf:\d+/, "$case->[1]: the message names the line");
    }
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
