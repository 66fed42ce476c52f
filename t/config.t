# Configuration errors are caught by `nginx -t` with a message that says what to fix.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;

import_servers();

my @cases = (
    ['sso on without sso_redis',
        { http_config => 'sso_redis_absent_marker: ;', config => 'location / { sso on; }' },
        qr/"sso on" needs "sso_redis"/],
    ['idle longer than ttl',
        { http_config => 'sso_session ttl=10m idle=1h;', config => '' },
        qr/idle= must not be longer than ttl=/],
    ['bad cookie name',
        { http_config => 'sso_session "cookie=bad name";', config => '' },
        qr/cookie name is not a valid cookie token/],
    ['__Host- cookie without Secure',
        { http_config => 'sso_session secure=off cookie=__Host-x;', config => '' },
        qr/__Host- or __Secure- cookie requires secure=on/],
    ['unknown sso_redis parameter',
        { http_config => 'sso_redis 127.0.0.1:6379 dbx=1;', config => '' },
        qr/invalid sso_redis parameter "dbx=1"/],
    ['missing password file',
        { http_config => 'sso_redis 127.0.0.1:6379 password_file=/nonexistent/pw;', config => '' },
        qr/cannot open password_file/],
    ['login url that leaves the origin',
        { http_config => 'sso_login_url https://evil.example/;', config => '' },
        qr/login url must be a same-origin path/],
    ['duplicate sso_redis',
        { http_config => "sso_redis 127.0.0.1:1;\nsso_redis 127.0.0.1:2;", config => '' },
        qr/"sso_redis" directive is duplicate/],
    ['sso_endpoints without sso_redis',
        { http_config => 'sso_redis_absent_marker: ;', config => 'location /sso/ { sso_endpoints; }' },
        qr/sso_endpoints.*needs "sso_redis"/],
);

for my $case (@cases) {
    my ($name, $block, $want) = @$case;
    # the marker keeps the harness from adding its own sso_redis line; drop it afterwards
    $block->{http_config} =~ s/sso_redis_absent_marker: ;/# sso_redis absent/;
    my ($ok, $out) = nginx_config_test($block);
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message says why");
}

# sso on where the login URL is served: browsers would be sent to the login URL forever
my @gated = (
    ['sso on covers the login URL',
        { config => 'location / { sso on; }' },
        qr{"sso on" applies to the login URL "/sso/login" in the server at \S+:\d+ \(served by location "/"\), so browsers would be sent to it forever: add "location /sso/ \{ sso_endpoints; \}" to that server}],
    ['server-level sso on, no location serves the login URL',
        { config => "sso on;\nlocation /app/ { }" },
        qr{"sso on" applies to the login URL "/sso/login" in the server at \S+:\d+ \(no location serves it\)}],
    ['http-level sso on, a one-segment login URL',
        { http_config => "sso on;\nsso_login_url /login?x=1;", config => 'location /app/ { }' },
        qr{login URL "/login\?x=1".*add "location = /login \{ sso_endpoints; \}"}],
    ['a regex location wins over the endpoints prefix',
        { config => "location /sso/ { sso_endpoints; }\nlocation ~ ^/sso/log { sso on; }" },
        qr{served by location "\^/sso/log"}],
    ['an exact location wins over the endpoints prefix',
        { config => "location /sso/ { sso_endpoints; }\nlocation = /sso/login { sso on; }" },
        qr{served by location "/sso/login"}],
    ['a second server without the endpoints',
        { config => "location /sso/ { sso_endpoints; }\nlocation / { sso on; }\n}\n"
            . "server {\n listen 127.0.0.1:1;\n sso on;\n location / { }" },
        qr{in the server at \S+:\d+ \(served by location "/"\)}],
    ['a login URL percent-encoded into a gated location',
        { http_config => 'sso_login_url /app/%6Cogin;',
          config => "location /sso/ { sso_endpoints; }\nlocation /app/login { sso on; }" },
        qr{served by location "/app/login"}],
);
for my $case (@gated) {
    my ($name, $block, $want) = @$case;
    $block->{http_config} //= '';
    my ($ok, $out) = nginx_config_test($block);
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message says what to add");
}

# ... and where it is not
my @fine = (
    ['the endpoints location', "location /sso/ { sso_endpoints; }\nlocation / { sso on; }"],
    ['endpoints under server-level sso on', "sso on;\nlocation /sso/ { sso_endpoints; }"],
    ['a custom login page with sso off',
        "location = /sso/login { sso off; return 200; }\nlocation / { sso on; }"],
    ['^~ keeps a regex from taking the login URL',
        "location ^~ /sso/ { sso_endpoints; }\nlocation ~ login { sso on; }"],
    ['no sso on anywhere', 'location / { }'],
);
for my $case (@fine) {
    my ($name, $config) = @$case;
    my ($ok, $out) = nginx_config_test({ http_config => '', config => $config });
    ok($ok, "$name: nginx -t passes") or diag($out);
}

# sso_logout_redirect: same-origin paths only (open-redirect payloads)
for my $bad ('//evil.example/', 'https://evil.example/', '/\\\\evil.example', '/a//b',
    '"/x?next=//evil.example"', '"/\\r\\nSet-Cookie: a=b"', '"/a b"', 'bye', '"/\\tx"')
{
    my ($ok, $out) = nginx_config_test({ http_config => "sso_logout_redirect $bad;",
        config => '' });
    ok(!$ok, "sso_logout_redirect $bad: nginx -t fails");
    like($out, qr/logout redirect must be a same-origin path starting with a single \//,
        "sso_logout_redirect $bad: the message says why");
}
my ($ok, $out) = nginx_config_test({ http_config => 'sso_logout_redirect /signed-out?from=sso;',
    config => '' });
ok($ok, 'sso_logout_redirect with a same-origin path passes') or diag($out);

($ok, $out) = nginx_config_test({ http_config => '',
    config => "location /sso/ { sso_endpoints; }\nlocation / { sso on; }" });
ok($ok, 'a minimal valid configuration passes nginx -t') or diag($out);

done_testing();
