# The per-worker session cache: it saves the Redis round trip, and revocation stays at once.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Time::HiRes qw(sleep);

import_servers();

my $location = <<'CONF';
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF

sub get {
    my ($cookie) = @_;
    return http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"])->{status};
}

sub store_lookups {
    my ($calls) = redis_cli('INFO', 'commandstats') =~ /cmdstat_getex:calls=(\d+)/;
    return $calls // 0;
}

sub subscribers { (split /\n/, redis_cli('PUBSUB', 'NUMSUB', 'sso:revoked'))[1] // 0 }

sub wait_subscribed {
    my ($n) = @_;
    return Test::Nginx::SSO::wait_for("$n subscriber(s)", 5, sub { subscribers() == $n });
}

subtest 'repeated requests are served from the cache' => sub {
    start_nginx({ http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(1), 'the worker listens for revocations');
    like(error_log(), qr/sso: session cache on \(5000 ms\)/, 'logged');
    my $cookie = create_session(user => 'c1');
    my $before = store_lookups();
    is(get($cookie), 200, "request $_") for 1 .. 5;
    is(store_lookups() - $before, 1, 'five requests, one Redis lookup');
};

subtest 'revocation reaches the cache at once' => sub {
    my $cookie = create_session(user => 'c2', subject => 'leaver');
    is(get($cookie), 200, 'cached');
    is(get($cookie), 200, 'served from the cache');
    is(revoke_sessions(subject => 'leaver'), 1, 'revoked');
    is(get($cookie), 401, 'refused right away, not after the cache lifetime');
};

subtest 'logout on one worker empties the cache of every worker' => sub {
    start_nginx({ workers => 2, http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(2), 'both workers listen');
    my $cookie = create_session(user => 'c3');
    is(get($cookie), 200, "warm request $_") for 1 .. 10;
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 303, 'logged out');
    my @after = map { get($cookie) } 1 .. 10;
    is_deeply(\@after, [(401) x 10], 'no worker serves the session any more');
};

subtest 'losing the subscription turns the cache off until it is back' => sub {
    start_nginx({ http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(1), 'subscribed');
    my $cookie = create_session(user => 'c4', subject => 'by-hand');
    is(get($cookie), 200, 'cached');
    redis_cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    ok(Test::Nginx::SSO::wait_for('cache off', 3,
        sub { error_log() =~ /session cache off until revocations can be heard/ }), 'cache off');
    # delete the session behind nginx's back: without the cache, this is seen at once
    redis_cli('DEL', $_) for grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*');
    is(get($cookie), 401, 'not served from a cache that may be stale');
    ok(wait_subscribed(1), 'resubscribed by itself');
};

subtest 'a session deleted by hand (no announcement) lasts at most cache=' => sub {
    start_nginx({ http_config => 'sso_session idle=10s cache=500ms;', config => $location });
    ok(wait_subscribed(1), 'subscribed');
    my $cookie = create_session(user => 'c5');
    is(get($cookie), 200, 'cached');
    redis_cli('DEL', $_) for grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*');
    sleep 0.6;
    is(get($cookie), 401, 'gone once the cache entry aged out');
};

subtest 'cache=0 asks Redis every time' => sub {
    start_nginx({ http_config => 'sso_session cache=0;', config => $location });
    my $cookie = create_session(user => 'c6');
    my $before = store_lookups();
    is(get($cookie), 200, "request $_") for 1 .. 3;
    is(store_lookups() - $before, 3, 'three requests, three lookups');
    is(subscribers(), 0, 'no subscriber without a cache');
};

subtest 'cache longer than half of idle is refused' => sub {
    my ($ok, $out) = nginx_config_test({ http_config => 'sso_session idle=2s cache=1500ms;',
        config => '' });
    ok(!$ok, 'nginx -t fails');
    like($out, qr/session cache must be >= 0 and at most half of idle/, 'and says why');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
