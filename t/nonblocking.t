# One worker, Redis stalled for one request: the worker keeps answering everything else.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Time::HiRes qw(sleep time);
use POSIX ();

import_servers();

start_nginx({
    workers => 1,
    # cache=0: the stalled request must really wait on Redis, not hit the session cache
    http_config => 'sso_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT timeout=5s;
                    sso_session cache=0;',
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location /public/ { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

my $cookie = create_session(user => 'slow');
is(http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"])->{status}, 200,
    'session works');

# Stall Redis, then start a request that needs it, in a child process.
redis_cli('CLIENT', 'PAUSE', '1500', 'ALL');
pipe(my $reader, my $writer) or die;
my $pid = fork // die;
if ($pid == 0) {
    close $reader;
    my $res = http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"], timeout => 10);
    printf $writer "%s %.3f\n", $res->{status}, $res->{elapsed};
    close $writer;
    POSIX::_exit(0);
}
close $writer;
sleep 0.2;    # the slow request is now parked on Redis

my $worst = 0;
for my $i (1 .. 10) {
    my $public = http_request('GET', "/public/$i");
    my $login = http_request('GET', "/private/$i", headers => ['Accept: text/html']);
    is($public->{status}, 200, "public request $i answered");
    is($login->{status}, 302, "anonymous request $i redirected");
    $worst = $public->{elapsed} if $public->{elapsed} > $worst;
    $worst = $login->{elapsed} if $login->{elapsed} > $worst;
}
ok($worst < 0.5, sprintf('other requests answered at once while Redis stalls (worst %.3fs)', $worst));

my $line = <$reader>;
waitpid $pid, 0;
my ($status, $elapsed) = split ' ', $line // '0 0';
is($status, 200, 'the stalled request completes once Redis answers');
ok($elapsed >= 1.0, sprintf('it really waited for Redis (%.3fs)', $elapsed));

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
