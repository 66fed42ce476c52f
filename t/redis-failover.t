# A managed Redis fails over by pointing its name at the new primary. With a `resolver`, every
# new Redis connection resolves sso_redis's host name again, and a connection whose server
# answers READONLY (or MASTERDOWN, LOADING), or whose address the name no longer gives, is
# dropped: nginx follows the failover without a reload, on both workers, for the commands and
# the revocation subscription. Two real redis-servers on the same port, A on 127.0.0.1 and B
# on 127.0.0.2, and a DNS server whose answer the test changes (Test::Nginx::Dns).
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path);
use POSIX ();
use Test::More;
use Test::TCP qw(wait_port);
use Test::Nginx::SSO;
use Test::Nginx::Dns;
use Time::HiRes qw(sleep time);

import_servers();
my $env = env();
my $port = $env->{redis_port};    # A, started by the harness on 127.0.0.1

my $dir_b = "$env->{servroot}/redis-b";
make_path($dir_b);
my $pid_b = fork // die "fork: $!";
if ($pid_b == 0) {
    exec 'redis-server', '--port', $port, '--bind', '127.0.0.2', '--save', '', '--appendonly',
        'no', '--dir', $dir_b, '--logfile', "$dir_b/redis.log" or POSIX::_exit(127);
}
my $owner = $$;
END { local $?; if ($pid_b && $$ == $owner) { kill 'KILL', $pid_b; waitpid $pid_b, 0 } }
wait_port({ host => '127.0.0.2', port => $port, max_wait => 10 });

sub cli {
    my ($host, @args) = @_;
    open my $fh, '-|', 'redis-cli', '-h', $host, '-p', $port, @args or die "redis-cli: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\s+\z//;
    return $out;
}
sub subscribers { (split /\n/, cli($_[0], 'PUBSUB', 'NUMSUB', 'sso:revoked'))[1] // 0 }
sub synced { cli($_[0], 'INFO', 'replication') =~ /master_link_status:up/ }

my $dns = Test::Nginx::Dns->start("$env->{servroot}/zone", 'redis.test' => ['127.0.0.1']);
my $resolver = 'resolver 127.0.0.1:' . $dns->port . ' valid=1s ipv6=off;';

start_nginx({
    listen_options => 'reuseport',    # connections spread over both workers
    http_config => "$resolver\nsso_redis redis.test:$port timeout=500ms connect_timeout=500ms;\n"
        . "sso_session cache=5s;",
    config => <<'CONF',
add_header X-Worker $pid always;
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# requests until every worker answered (at least 6): "2 worker(s): 200"
sub on_every_worker {
    my ($cookie) = @_;
    my %seen;
    for my $n (1 .. 60) {
        my $res = http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"]);
        push @{ $seen{ $res->{headers}{'x-worker'}[0] // 'none' } }, $res->{status};
        last if $n >= 6 && keys %seen >= $env->{workers};
    }
    my %statuses = map { $_ => 1 } map {@$_} values %seen;
    return sprintf('%d worker(s): %s', scalar(keys %seen), join(',', sort keys %statuses));
}
my $all = "$env->{workers} worker(s)";

# sessions written to A by sso-admin
my @sessions = map { create_session(user => "f$_", subject => "failover-$_") } 1 .. 12;

subtest 'before: redis.test is A' => sub {
    ok(Test::Nginx::SSO::wait_for('2 subscribers on A', 5, sub { subscribers('127.0.0.1') == 2 }),
        'both workers listen for revocations on A');
    is(on_every_worker($sessions[0]), "$all: 200", 'a session passes the gate on every worker');
    like(error_log(), qr/sso: connected to redis redis\.test:$port \(127\.0\.0\.1\)/,
        'the log names the host and the address it resolved to');
};

subtest 'failover: B takes A\'s data and becomes the primary, A its replica' => sub {
    cli('127.0.0.2', 'REPLICAOF', '127.0.0.1', $port);
    ok(Test::Nginx::SSO::wait_for('B in sync', 10, sub { synced('127.0.0.2') }), 'B synced');
    is(cli('127.0.0.2', 'DBSIZE'), cli('127.0.0.1', 'DBSIZE'), 'B has the sessions');
    cli('127.0.0.2', 'REPLICAOF', 'NO', 'ONE');
    cli('127.0.0.1', 'REPLICAOF', '127.0.0.2', $port);
    ok(Test::Nginx::SSO::wait_for('A in sync', 10, sub { synced('127.0.0.1') }), 'A follows B');
    like(cli('127.0.0.1', 'SET', 'probe', 1), qr/^READONLY/, 'A answers writes with READONLY');

    # the name still points to A: what needs a write fails, and the connection is dropped
    clear_error_log();
    my $res = http_request('POST', '/sso/logout',
        headers => ["Cookie: __Host-sso=$sessions[1]", 'Accept: application/json']);
    isnt($res->{status}, 303, 'a logout on A fails') or diag(error_log());
    like(error_log(), qr/sso: redis redis\.test:$port \(127\.0\.0\.1\) answered READONLY: not the primary, reconnecting/,
        'logged, naming the reply\'s first word');
    unlike(error_log(), qr/can't write|read only replica/, 'and nothing else of the reply');
};

subtest 'the name moves to B: nginx follows without a reload' => sub {
    my $t0 = time;
    $dns->set('redis.test' => ['127.0.0.2']);
    ok(Test::Nginx::SSO::wait_for('the subscriptions on B', 10,
        sub { subscribers('127.0.0.2') == 2 && subscribers('127.0.0.1') == 0 }),
        'both workers\' subscriptions moved to B') or diag(error_log());
    diag(sprintf 'subscriptions moved in %.1f s', time - $t0);

    # logouts (writes) until each worker has done one on B
    my (%ok, @statuses);
    my $i = 1;
    my $deadline = time + 10;
    while (keys %ok < $env->{workers} && $i < @sessions && time < $deadline) {
        my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$sessions[$i]"]);
        push @statuses, $res->{status};
        $ok{ $res->{headers}{'x-worker'}[0] // 'none' } = 1 if $res->{status} == 303;
        $i++ if $res->{status} == 303;
        sleep 0.1 if $res->{status} != 303;
    }
    is(scalar(keys %ok), $env->{workers}, 'a logout (a write) works on every worker')
        or diag("statuses: @statuses\n" . error_log());
    is(on_every_worker($sessions[0]), "$all: 200", 'an old session passes the gate on every worker');
    is(on_every_worker($sessions[1]), "$all: 401", 'a session logged out is refused on every worker');
};

subtest 'revocations reach both workers through B' => sub {
    my $cookie = $sessions[-1];
    is(on_every_worker($cookie), "$all: 200", 'cached on every worker');
    open my $fh, '-|', $env->{admin}, '--redis', "127.0.0.2:$port", 'session', 'revoke',
        '--provider', 'corp', '--subject', 'failover-12' or die "sso-admin: $!";
    my $count = <$fh>;
    close $fh;
    is($count // '', "1\n", 'revoked on B');
    is(on_every_worker($cookie), "$all: 401", 'refused at once on every worker');
};

subtest 'every address refuses: 503 at once, no hang' => sub {
    my $cookie = $sessions[0];
    clear_error_log();
    $dns->set('redis.test' => ['127.0.0.3', '127.0.0.4']);
    my $res;
    ok(Test::Nginx::SSO::wait_for('503', 10, sub {
        $res = http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"]);
        $res->{status} == 503 }), 'the store is unavailable') or diag(error_log());
    ok($res->{elapsed} < 2, 'answered at once');
    like(error_log(), qr/sso: redis "redis\.test" no longer resolves to the address of redis\.test:$port \(127\.0\.0\.2\): reconnecting/,
        'the connection to B noticed');
    like(error_log(), qr/cannot connect to redis redis\.test:$port \(127\.0\.0\.[34]\)/,
        'the refused address is named');
    like(error_log(), qr/sso: cannot connect to redis redis\.test:$port \(127\.0\.0\.[34]\), trying address 2 of 2 \(111: /,
        'both were tried');

    $dns->set();
    ok(Test::Nginx::SSO::wait_for('an unknown name', 5, sub {
        error_log() =~ /sso: cannot resolve redis "redis\.test": Host not found/ }),
        'a name that does not resolve: logged with the resolver\'s error') or diag(error_log());
    is(http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"])->{status}, 503,
        'the store is unavailable') or diag(error_log());

    # one address refuses, the other is B: whichever comes first, B is reached
    $dns->set('redis.test' => ['127.0.0.3', '127.0.0.2']);
    ok(Test::Nginx::SSO::wait_for('back', 10, sub {
        http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"])->{status} == 200 }),
        'the name answers again: back without a reload');
    is(on_every_worker($cookie), "$all: 200", 'on every worker');
};

subtest 'nginx -t: a host name without a resolver is resolved once, and says so' => sub {
    my $location = "location /sso/ { sso_endpoints; }\nlocation / { sso on; proxy_pass http://127.0.0.1:$env->{upstream_port}; }";
    my ($ok, $out) = nginx_config_test({ http_config => "sso_redis localhost:$port;",
                                         config => $location });
    ok($ok, 'not an error') or diag($out);
    like($out, qr/\[warn\] sso_redis "localhost:$port" is resolved once, at start; to follow a failover without a reload, add a "resolver" to the http block/,
        'one warning line');
    ($ok, $out) = nginx_config_test({ http_config => "$resolver\nsso_redis localhost:$port;",
                                      config => $location });
    unlike($out, qr/resolved once/, 'with a resolver: no warning');
    ($ok, $out) = nginx_config_test({ http_config => "sso_redis 127.0.0.1:$port;",
                                      config => $location });
    unlike($out, qr/resolved once/, 'an address: no warning');
    ($ok, $out) = nginx_config_test({ http_config => "sso_redis redis.test:$port;",
                                      config => $location });
    ok(!$ok, 'a name the system cannot resolve, without a resolver: an error');
    like($out, qr/\[emerg\] host not found in sso_redis "redis\.test:$port" \(with a "resolver" in the http block, it would be looked up again by each connection\)/,
        'saying so');
    ($ok, $out) = nginx_config_test({ http_config => "$resolver\nsso_redis redis.test:$port;",
                                      config => $location });
    ok($ok, 'with a resolver: looked up by the workers, no error') or diag($out);
};

done_testing();
