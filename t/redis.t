# Redis failures: down at start, restarted, slow, wrong password. Never a hang, always a
# clear 503 page, and recovery without a reload.
use strict;
use warnings;
use lib 't/lib';
use JSON::PP ();
use Test::More;
use Test::Nginx::SSO;
use Time::HiRes qw(sleep time);

import_servers();

my $config = {
    # no session cache here: these tests are about the Redis round trip itself
    http_config => 'sso_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT timeout=300ms connect_timeout=300ms;
                    sso_session cache=0;',
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};

sub get {
    my ($cookie, @headers) = @_;
    return http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie", @headers],
        timeout => 5);
}

my $cookie = create_session(user => 'r1');

subtest 'Redis down when nginx starts: nginx starts, logs it, answers 503' => sub {
    stop_redis();
    start_nginx($config);
    like(error_log(), qr/sso: cannot connect to redis 127\.0\.0\.1:\d+/, 'start-up logged');
    my $res = get($cookie, 'Accept: text/html');
    is($res->{status}, 503, '503 while Redis is down');
    like($res->{body}, qr/Sign-in is temporarily unavailable/, 'a page for people');
    like($res->{body}, qr/reference <code>[0-9a-f]{32}<\/code>/, 'with a correlation id');
    unlike($res->{body}, qr/redis|STORE_/i, 'and no internals');
    like($res->{body}, qr{<a class="button primary" href="/">Try again</a>}, 'try again: this page');
    is($res->{headers}{'retry-after'}[0], '30', 'Retry-After');
    like($res->{headers}{'content-security-policy'}[0], qr/^default-src 'none'; style-src 'sha256-/,
        'a strict Content-Security-Policy');
    for my $client (['an API client', 'Accept: application/json'],
                    ['curl', 'Accept: */*'],
                    ['XHR', 'Accept: text/html, */*', 'X-Requested-With: XMLHttpRequest'],
                    ['fetch()', 'Accept: text/html, */*', 'Sec-Fetch-Mode: cors']) {
        my ($who, @headers) = @$client;
        my $api = get($cookie, @headers);
        is($api->{status}, 503, "$who: 503");
        like($api->{headers}{'content-type'}[0], qr{^application/json}, "$who: as JSON");
        is($api->{headers}{'retry-after'}[0], '30', "$who: with Retry-After");
        my $body = eval { JSON::PP::decode_json($api->{body}) } || {};
        is($body->{error}, 'store_unavailable', "$who: the error");
        like($body->{request_id} // '', qr/^[0-9a-f]{32}$/, "$who: the request id");
    }
    like(error_log(), qr/sso: request failed: STORE_UNAVAILABLE .*request_id: [0-9a-f]{32}/,
        'log line names the failure and the request id');
    ok($res->{elapsed} < 2, 'answered at once');
};

subtest 'Redis comes up: the next request reconnects by itself' => sub {
    start_redis();
    $cookie = create_session(user => 'r1');
    my $ok = Test::Nginx::SSO::wait_for('reconnect', 5, sub { get($cookie)->{status} == 200 });
    ok($ok, 'session works again without a reload');
};

subtest 'Redis restart: requests fail fast, then recover' => sub {
    is(get($cookie)->{status}, 200, 'works before');
    stop_redis();
    my $res = get($cookie);
    is($res->{status}, 503, '503 during the outage');
    ok($res->{elapsed} < 2, 'no hang');
    start_redis();
    $cookie = create_session(user => 'r1');
    my $ok = Test::Nginx::SSO::wait_for('recovery', 5, sub { get($cookie)->{status} == 200 });
    ok($ok, 'recovered after the restart');
};

subtest 'Redis too slow: 503 after the timeout, never a hang; then recovery' => sub {
    redis_cli('CLIENT', 'PAUSE', '1500', 'ALL');
    my $res = get($cookie);
    is($res->{status}, 503, '503 when Redis does not answer in time');
    ok($res->{elapsed} >= 0.25 && $res->{elapsed} < 1.2,
        sprintf('answered after about timeout=300ms (%.3fs)', $res->{elapsed}));
    like(error_log(), qr/STORE_TIMEOUT/, 'log names the timeout');
    sleep 1.5;
    my $ok = Test::Nginx::SSO::wait_for('recovery', 5, sub { get($cookie)->{status} == 200 });
    ok($ok, 'works again once Redis answers');
};

subtest 'password from a file, db index and key prefix' => sub {
    stop_redis();
    start_redis(password => 's3cret-Pa55');
    my $dir = Test::Nginx::SSO::env()->{servroot};
    open my $fh, '>', "$dir/redis.pass" or die;
    print $fh "s3cret-Pa55\n";
    close $fh;
    # sso-admin writes with the default db 0 / prefix; use a matching nginx first
    start_nginx({ %$config, http_config =>
        "sso_redis 127.0.0.1:\$TEST_NGINX_REDIS_PORT password_file=$dir/redis.pass timeout=300ms;\nsso_session cache=0;" });
    my $c = create_session(user => 'pw');
    is(get($c)->{status}, 200, 'authenticated with the password from the file');
    unlike(error_log(), qr/s3cret/, 'password never logged');

    start_nginx({ %$config, http_config =>
        "sso_redis 127.0.0.1:\$TEST_NGINX_REDIS_PORT db=3 prefix=app1: password_file=$dir/redis.pass;\nsso_session cache=0;" });
    is(get($c)->{status}, 401, 'a session in db 0 is not visible from db 3');
    is(redis_cli('-n', '3', 'DBSIZE'), '0', 'nothing written to db 3 by a lookup');

    open $fh, '>', "$dir/wrong.pass" or die;
    print $fh "Wr0ngPa55\n";
    close $fh;
    start_nginx({ %$config, http_config =>
        "sso_redis 127.0.0.1:\$TEST_NGINX_REDIS_PORT password_file=$dir/wrong.pass timeout=300ms;\nsso_session cache=0;" });
    my $res = get($c);
    is($res->{status}, 503, 'wrong password: 503');
    like(error_log(), qr/refused the connection setup/, 'log says why');
    unlike(error_log(), qr/Wr0ngPa55/, 'the password is not logged');
    stop_redis();
    start_redis();
};

subtest 'a unix socket works like TCP, for nginx and sso-admin alike' => sub {
    start_nginx({ %$config, http_config =>
        "sso_redis unix:\$TEST_NGINX_REDIS_SOCKET timeout=300ms;\nsso_session cache=0;" });
    my $sock = Test::Nginx::SSO::env()->{redis_socket};
    open my $fh, '-|', Test::Nginx::SSO::env()->{admin}, '--redis', "unix:$sock", 'session',
        'create', '--provider', 'corp', '--subject', 'via-socket', '--user', 'sock'
        or die "sso-admin: $!";
    my $c = <$fh>;
    close $fh;
    chomp $c;
    like($c, qr/^[A-Za-z0-9_-]{43}$/, 'sso-admin created a session over the socket');
    my $res = get($c);
    is($res->{status}, 200, 'nginx found it over the socket');
    like($res->{body}, qr/^X-Remote-User: sock$/m, 'with its identity');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
stop_nginx();
done_testing();
