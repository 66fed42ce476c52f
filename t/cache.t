# The per-worker session cache: it saves the Redis round trip, and revocation stays at once.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Time::HiRes qw(sleep time);
use POSIX ();

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
    # one worker: each worker has its own cache, and this counts one cache's lookups
    start_nginx({ workers => 1, http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(1), 'the worker listens for revocations');
    like(error_log(), qr/sso: session cache on \(5000 ms\)/, 'logged');
    my $cookie = create_session(user => 'c1');
    my $before = store_lookups();
    is(get($cookie), 200, "request $_") for 1 .. 5;
    is(store_lookups() - $before, 1, 'five requests, one Redis lookup');
};

# One request per element of @leave_after, all at once: undef waits for the answer, a number
# of seconds gives up (the client leaves) after that long. The first starts a moment before
# the others. Returns the statuses, 'left' for those that gave up.
sub concurrent_gets {
    my ($cookie, @leave_after) = @_;
    my $results = env()->{servroot} . '/concurrent.log';
    unlink $results;
    my @pids;
    for my $n (0 .. $#leave_after) {
        my $timeout = $leave_after[$n];
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my $res = http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"],
                                   defined $timeout ? (timeout => $timeout) : ());
            open my $fh, '>>', $results or POSIX::_exit(1);
            print $fh (defined $timeout ? 'left' : $res->{status}), "\n";
            close $fh;
            POSIX::_exit(0);
        }
        push @pids, $pid;
        sleep 0.05 if $n == 0;
    }
    waitpid $_, 0 for @pids;
    open my $fh, '<', $results or die "$results: $!";
    my @statuses = sort map { chomp; $_ } <$fh>;
    close $fh;
    return \@statuses;
}

# The cache is empty (a new session, or its entry aged out) and many requests of one session
# arrive together: they wait on one Redis read instead of sending one each. Redis is paused
# (CLIENT PAUSE) so that all of them are surely in flight at once.
subtest 'concurrent misses on one session share one Redis read' => sub {
    my $cookie = create_session(user => 'c1b');
    my $before = store_lookups();
    redis_cli('CLIENT', 'PAUSE', '350', 'ALL');
    is_deeply(concurrent_gets($cookie, (undef) x 8), [(200) x 8], 'all eight requests passed');
    is(store_lookups() - $before, 1, 'eight concurrent requests, one Redis read');
};

# The request that sent the shared read leaves before Redis answers, and so does another
# one: the read belongs to the worker, so the requests that stay still get their answer.
subtest 'clients that leave mid-read strand nobody' => sub {
    my $cookie = create_session(user => 'c1c');
    my $before = store_lookups();
    redis_cli('CLIENT', 'PAUSE', '350', 'ALL');
    is_deeply(concurrent_gets($cookie, 0.1, undef, undef, 0.1, undef, undef),
              [(200) x 4, 'left', 'left'], 'the four that stayed passed');
    is(store_lookups() - $before, 1, 'one Redis read');
    is(get($cookie), 200, 'and it filled the cache');
    is(store_lookups() - $before, 1, 'no second read');
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

# Requests on the session keep coming (two clients, across both workers) while it logs out.
# Redis runs the logout's DEL before its PUBLISH, so a worker that hears the announcement
# and asks again finds nothing: once the logout has answered (plus a moment for the
# announcement to be read), no request may pass, and none is cached again for cache=.
subtest 'a request stream during logout never passes once the logout answered' => sub {
    start_nginx({ workers => 2, http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(2), 'both workers listen');
    my $cookie = create_session(user => 'c3b');
    my $log = env()->{servroot} . '/stream.log';
    unlink $log;
    my $stop_at = time + 2.5;
    my @pids;
    for my $n (1 .. 2) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            open my $fh, '>>', $log or POSIX::_exit(1);
            $fh->autoflush(1);
            while (time < $stop_at) {
                my $start = time;
                my $status = get($cookie);
                printf $fh "%.6f %.6f %d\n", $start, time, $status;
            }
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    sleep 0.8;
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    my $logged_out = time;
    is($res->{status}, 303, 'logged out');
    waitpid $_, 0 for @pids;
    open my $fh, '<', $log or die "$log: $!";
    my @rows = map { [split] } <$fh>;
    close $fh;
    my @before = grep { $_->[1] < $logged_out - 0.3 } @rows;
    my @after = grep { $_->[0] > $logged_out + 0.1 } @rows;
    ok(@before > 2 && !grep({ $_->[2] != 200 } @before), 'the session passed before logout')
        or diag(scalar(@before) . ' requests before');
    ok(@after > 5, scalar(@after) . ' requests after the logout answered');
    is(scalar(grep { $_->[2] == 200 } @after), 0, 'none of them passed');
    is(scalar(grep { $_->[2] != 401 } @after), 0, 'all got 401');
};

subtest 'losing the subscription turns the cache off until it is back' => sub {
    start_nginx({ http_config => 'sso_session cache=5s;', config => $location });
    ok(wait_subscribed(2), 'both workers subscribed');
    my $cookie = create_session(user => 'c4', subject => 'by-hand');
    is(get($cookie), 200, "cached $_") for 1 .. 4;
    redis_cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    ok(Test::Nginx::SSO::wait_for('cache off', 3, sub {
        my @off = error_log() =~ /session cache off until revocations can be heard/g;
        @off >= 2 }), 'cache off on both workers');
    # delete the session behind nginx's back: without the cache, this is seen at once
    redis_cli('DEL', $_) for grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*');
    is(get($cookie), 401, "not served from a cache that may be stale ($_)") for 1 .. 4;
    ok(wait_subscribed(2), 'resubscribed by themselves');
};

subtest 'a session deleted by hand (no announcement) lasts at most cache=' => sub {
    start_nginx({ http_config => 'sso_session idle=10s cache=500ms;', config => $location });
    ok(wait_subscribed(2), 'subscribed');
    my $cookie = create_session(user => 'c5');
    is(get($cookie), 200, "cached $_") for 1 .. 4;
    redis_cli('DEL', $_) for grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*');
    sleep 0.6;
    is(get($cookie), 401, "gone once the cache entry aged out ($_)") for 1 .. 4;
};

subtest 'cache=0 asks Redis every time' => sub {
    start_nginx({ http_config => 'sso_session cache=0;', config => $location });
    my $cookie = create_session(user => 'c6');
    my $before = store_lookups();
    is(get($cookie), 200, "request $_") for 1 .. 3;
    is(store_lookups() - $before, 3, 'three requests, three lookups');
    is(subscribers(), 0, 'no subscriber without a cache');
};

subtest 'cache longer than idle is refused' => sub {
    my ($ok, $out) = nginx_config_test({ http_config => 'sso_session idle=2s cache=2500ms;',
        config => '' });
    ok(!$ok, 'nginx -t fails');
    like($out, qr/session cache must be >= 0 and at most idle/, 'and says why');
};

subtest 'hits keep the idle timeout sliding in Redis, in the background' => sub {
    start_nginx({ http_config => 'sso_session idle=3s cache=3s;', config => $location });
    ok(wait_subscribed(2), 'subscribed');
    my $cookie = create_session(user => 'c7');
    my ($key) = grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*');
    my $before = store_lookups();
    my @statuses;
    my $start = time;
    while (time - $start < 7) {    # more than twice the idle timeout, in use all along
        push @statuses, get($cookie);
        sleep 0.25;
    }
    is(join(',', grep { $_ != 200 } @statuses), '', 'every request for 7 s passed (idle=3s)');
    cmp_ok(store_lookups() - $before, '<=', 2 * 3, 'mostly from the cache (a read per worker and entry life)');
    cmp_ok(redis_cli('PTTL', $key), '>', 1000, 'the key\'s idle TTL was slid by the hits');
    sleep 3.2;
    is(get($cookie), 401, 'left alone for the idle timeout, it ends');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
