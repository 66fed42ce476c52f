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

my ($ok, $out) = nginx_config_test({ http_config => '', config => 'location / { sso on; }' });
ok($ok, 'a minimal valid configuration passes nginx -t') or diag($out);

done_testing();
