# The session store on a managed Redis: an ACL user (AUTH user password) and TLS (the
# server's certificate and name verified), for nginx's two connections per worker
# (commands, the revocation subscription) and for sso-admin. A handshake that fails, for
# whatever reason, fails closed like a Redis that is down: 503, never a hang.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::OidcOp ();
use Test::Nginx::Dns;
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

import_servers();    # a plaintext Redis first

my $env = env();
my $dir = $env->{servroot};
my $tls = "$dir/tls";
Test::Nginx::OidcOp::make_tls($tls, redis => 'DNS:redis.test.invalid,IP:127.0.0.1');

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

my $pass = write_file('sso.pass', "Acl-s3cret-Pa55\n");
my $wrong = write_file('wrong.pass', "Wr0ng-Acl-Pa55\n");

my $location = <<'CONF';
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF

sub block {
    my ($redis, %more) = @_;
    return { http_config => "sso_redis $redis;\nsso_session cache=5s;", config => $location,
        listen_options => 'reuseport', %more };
}

sub get {
    my ($cookie, @headers) = @_;
    return http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie", @headers],
        timeout => 5);
}

# An ACL user that may touch the sessions' keys and channel only, as a managed Redis has.
sub acl_user {
    is(redis_cli('ACL', 'SETUSER', 'sso', 'reset', 'on', '>Acl-s3cret-Pa55', '~sso:*',
        '&sso:*', '+@all', '-@dangerous'), 'OK', 'the ACL user');
    $env->{admin_redis_user} = ['sso', 'Acl-s3cret-Pa55'];
}

sub subscribers { (split /\n/, redis_cli('PUBSUB', 'NUMSUB', 'sso:revoked'))[1] // 0 }

sub clients_of {
    my ($user) = @_;
    my @clients = grep {/\buser=\Q$user\E\b/} split /\n/, redis_cli('CLIENT', 'LIST');
    return scalar @clients;
}

subtest 'user=: AUTH as an ACL user (Redis 6+), nginx and sso-admin' => sub {
    acl_user();
    start_nginx(block("127.0.0.1:\$TEST_NGINX_REDIS_PORT user=sso password_file=$pass "
        . 'timeout=300ms connect_timeout=300ms'));
    my $cookie = create_session(user => 'acl1');
    is(get($cookie)->{status}, 200, 'a session made by sso-admin as the ACL user is accepted');
    ok(wait_for('both connections of both workers', 5, sub { clients_of('sso') >= 4 }),
        'nginx is logged in as the ACL user');
    unlike(error_log(), qr/Acl-s3cret/, 'the password is not logged');

    start_nginx(block("127.0.0.1:\$TEST_NGINX_REDIS_PORT user=sso password_file=$wrong "
        . 'timeout=300ms connect_timeout=300ms'));
    my $res = get($cookie, 'Accept: text/html');
    is($res->{status}, 503, 'wrong password: 503');
    is($res->{headers}{'retry-after'}[0], '30', 'with Retry-After');
    like(error_log(), qr/sso: redis 127\.0\.0\.1:\d+ refused the connection setup \(AUTH or SELECT\); check sso_redis user=/,
        'the log says the setup was refused');
    unlike(error_log(), qr/Wr0ng|WRONGPASS/, 'without the password, or what Redis echoed');

    local $env->{admin_redis_user} = ['sso', 'Wr0ng-Acl-Pa55'];
    my $out = `$env->{admin} @{[ Test::Nginx::SSO::admin_store_args() ]} session list --user acl1 2>&1`;
    is($? >> 8, 1, 'sso-admin with the wrong password: exit 1');
    like($out, qr/AUTH failed: refused/, 'it says AUTH was refused');
    unlike($out, qr/Wr0ng/, 'not the password');
};

subtest 'tls=on against a plaintext Redis: 503 at once, no hang' => sub {
    start_nginx(block("127.0.0.1:\$TEST_NGINX_REDIS_PORT tls=on tls_trusted_certificate=$tls/ca.crt "
        . 'timeout=300ms connect_timeout=300ms'));
    my $res = get(create_session(user => 'plain'));
    is($res->{status}, 503, 'answers 503');
    ok($res->{elapsed} < 1.5, sprintf('bounded by connect_timeout (%.3fs)', $res->{elapsed}));
    like(error_log(), qr/sso: redis 127\.0\.0\.1:\d+: TLS (handshake failed|handshake timed out)/,
        'the log names the handshake');
};

# A server that answers anything with a line of text and hangs up.
sub start_text_server {
    my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Listen => 16, ReuseAddr => 1) or die "listen: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        while (my $c = $listener->accept) {
            print $c "HTTP/1.0 400 Bad Request\r\n\r\n";
            close $c;
        }
        POSIX::_exit(0);
    }
    return ($listener->sockport, $pid);
}

subtest 'tls=on against a server that answers something else: 503 at once' => sub {
    my ($port, $pid) = start_text_server();
    start_nginx(block("127.0.0.1:$port tls=on tls_trusted_certificate=$tls/ca.crt "
        . 'timeout=300ms connect_timeout=300ms'));
    my $cookie = create_session(user => 'plain');
    my $res = get($cookie);
    is($res->{status}, 503, 'answers 503');
    ok($res->{elapsed} < 1.5, sprintf('at once (%.3fs)', $res->{elapsed}));
    like(error_log(), qr/\[error\].* sso: redis 127\.0\.0\.1:\d+: TLS handshake failed \(not a TLS port\?/,
        'the log names the handshake');
    like(error_log(), qr/\[info\].*SSL_do_handshake\(\) failed .*wrong version number/,
        "and OpenSSL's reason");
    get($cookie) for 1 .. 20;    # 20 more connections, 20 more handshakes
    my @lines = error_log() =~ /\[error\].*(SSL_do_handshake|TLS handshake failed)/g;
    ok(@lines <= 8, 'rate-limited (' . scalar(@lines) . ' lines)');
    unlike(error_log(), qr/\[(crit|alert|emerg)\]/, 'nothing above error');
    stop_nginx();
    kill 'KILL', $pid;
    waitpid $pid, 0;
};

# ---- Redis speaks TLS only from here on ----
stop_nginx();
stop_redis();
start_redis(tls => { cert => "$tls/redis.crt", key => "$tls/redis.key", ca => "$tls/ca.crt" });
acl_user();

my $tls_redis = "127.0.0.1:\$TEST_NGINX_REDIS_PORT tls=on tls_trusted_certificate=$tls/ca.crt "
    . "user=sso password_file=$pass timeout=500ms connect_timeout=500ms";

subtest 'TLS: sessions made by sso-admin over TLS, the gate over TLS on two workers' => sub {
    start_nginx(block("$tls_redis tls_name=redis.test.invalid"));
    ok(wait_for('both workers subscribed', 5, sub { subscribers() == 2 }),
        'both workers listen for revocations over TLS');
    my $cookie = create_session(user => 't1', subject => 'tls-leaver');
    my @warm = map { get($cookie)->{status} } 1 .. 10;
    is_deeply(\@warm, [(200) x 10], 'accepted, on both workers');
    like(get($cookie)->{body}, qr/^X-Remote-User: t1$/m, 'with its identity');
    ok(clients_of('sso') >= 4, 'all four connections are the ACL user');
    unlike(error_log(), qr/\[(error|crit|alert)\]/, 'no error');

    # the subscription over TLS: a revocation empties both workers' caches at once
    is(Test::Nginx::SSO::revoke_sessions(subject => 'tls-leaver'), 1, 'sso-admin revoked over TLS');
    my @after = map { get($cookie)->{status} } 1 .. 10;
    is_deeply(\@after, [(401) x 10], 'no worker serves the session any more');
};

subtest 'TLS: the IP address of ADDRESS is verified against the IP SAN by default' => sub {
    start_nginx(block($tls_redis));
    my $cookie = create_session(user => 't2');
    is(get($cookie)->{status}, 200, 'accepted');
};

subtest 'TLS: a host name through the resolver, 7 of its 8 addresses not TLS' => sub {
    my $port = $env->{redis_port};
    # on 127.0.0.2..8 at Redis's port, a server that answers text: each handshake fails
    my @listeners = map {
        IO::Socket::INET->new(LocalAddr => "127.0.0.$_", LocalPort => $port, Listen => 16,
            ReuseAddr => 1) or die "listen 127.0.0.$_: $!"
    } 2 .. 8;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $select = IO::Select->new(@listeners);
        while (1) {
            for my $listener ($select->can_read) {
                my $c = $listener->accept or next;
                print $c "HTTP/1.0 400 Bad Request\r\n\r\n";
                close $c;
            }
        }
    }
    close $_ for @listeners;
    my $dns = Test::Nginx::Dns->start("$dir/zone",
        'redis.test.invalid' => [(map {"127.0.0.$_"} 2 .. 8), '127.0.0.1']);
    my $block = block("redis.test.invalid:\$TEST_NGINX_REDIS_PORT tls=on "
        . "tls_trusted_certificate=$tls/ca.crt user=sso password_file=$pass "
        . 'timeout=500ms connect_timeout=500ms');
    $block->{http_config} = 'resolver 127.0.0.1:' . $dns->port . " valid=1s ipv6=off;\n"
        . $block->{http_config};
    start_nginx($block);
    ok(wait_for('both workers subscribed', 10, sub { subscribers() == 2 }),
        'both workers listen for revocations, over TLS, through the name')
        or diag(error_log());
    my $cookie = create_session(user => 't6');
    my @statuses = map { get($cookie)->{status} } 1 .. 10;
    is_deeply(\@statuses, [(200) x 10], 'accepted, on both workers');
    like(error_log(), qr/sso: redis redis\.test\.invalid:\d+ \(127\.0\.0\.[2-8]\): TLS handshake failed/,
        'a failed handshake moved on to the next address');
    unlike(error_log(), qr/\[(crit|alert|emerg)\]/, 'nothing above error');
    stop_nginx();
    $dns->stop;
    kill 'KILL', $pid;
    waitpid $pid, 0;
};

subtest 'TLS: nginx -s reload in the middle of requests' => sub {
    start_nginx(block($tls_redis));
    my $cookie = create_session(user => 't3');
    my $pid = fork // die;
    if ($pid == 0) {
        my $bad = 0;
        for (1 .. 60) {
            my $s = get($cookie)->{status};
            $bad++ if $s != 200;
            sleep 0.02;
        }
        POSIX::_exit($bad ? 1 : 0);
    }
    sleep 0.3;
    reload_nginx();
    waitpid $pid, 0;
    is($? >> 8, 0, 'every request during the reload passed');
    is(get($cookie)->{status}, 200, 'and after it');
    ok(wait_for('new workers subscribed', 5, sub { subscribers() == 2 }), 'the new workers listen');
};

sub fails_closed {
    my ($name, $redis, $log, $tls_failure) = @_;
    subtest $name => sub {
        start_nginx(block($redis));
        my $cookie = create_session(user => 'bad');
        my $res = get($cookie, 'Accept: application/json');
        is($res->{status}, 503, 'answers 503');
        is($res->{headers}{'retry-after'}[0], '30', 'with Retry-After');
        ok($res->{elapsed} < 1.5, sprintf('at once (%.3fs)', $res->{elapsed}));
        like(error_log(), $log, 'the log names the failed check');
        is(subscribers(), 0, 'no subscription either');
        return unless $tls_failure;
        get($cookie) for 1 .. 20;    # 20 more connections, 20 more handshakes
        my @lines = error_log() =~ /(TLS [a-z ]+(?:failed|mismatch|timed out))/g;
        ok(@lines <= 8, 'rate-limited (' . scalar(@lines) . ' lines)');
    };
}

fails_closed('TLS: a certificate from another CA',
    "127.0.0.1:\$TEST_NGINX_REDIS_PORT tls=on tls_trusted_certificate=$tls/other-ca.crt "
        . 'connect_timeout=500ms',
    qr/sso: redis 127\.0\.0\.1:\d+: TLS certificate verification failed \(\d+: [^)]*(issuer|self-signed)[^)]*\)/, 1);

fails_closed('TLS: the certificate is not for tls_name',
    "127.0.0.1:\$TEST_NGINX_REDIS_PORT tls=on tls_trusted_certificate=$tls/ca.crt "
        . 'tls_name=redis.other.example connect_timeout=500ms',
    qr/sso: redis 127\.0\.0\.1:\d+: TLS name mismatch \(62: [Hh]ostname mismatch\); expected name "redis\.other\.example"/, 1);

fails_closed('a plaintext client against the TLS port',
    "127.0.0.1:\$TEST_NGINX_REDIS_PORT user=sso password_file=$pass timeout=500ms connect_timeout=500ms",
    qr/sso: redis 127\.0\.0\.1:\d+: (connection closed by redis|recv failed|command timed out)/);

subtest 'TLS: tls_verify=off connects to any certificate, after a warning' => sub {
    my $block = block("127.0.0.1:\$TEST_NGINX_REDIS_PORT tls=on tls_verify=off "
        . "tls_name=redis.other.example user=sso password_file=$pass");
    my ($ok, $out) = nginx_config_test($block);
    ok($ok, 'nginx -t passes');
    like($out, qr/\[warn\].*sso_redis tls_verify=off is unsafe/, 'and warns');
    start_nginx($block);
    is(get(create_session(user => 't4'))->{status}, 200, 'accepted');
};

subtest 'TLS: recovery once the store is right again (the cache turned off meanwhile)' => sub {
    start_nginx(block($tls_redis));
    my $cookie = create_session(user => 't5');
    is(get($cookie)->{status}, 200, 'works');
    stop_redis();
    is(get($cookie)->{status}, 503, 'Redis down: 503');
    start_redis(tls => { cert => "$tls/redis.crt", key => "$tls/redis.key", ca => "$tls/ca.crt" });
    acl_user();
    $cookie = create_session(user => 't5');
    ok(wait_for('reconnect', 5, sub { get($cookie)->{status} == 200 }), 'reconnected over TLS');
    ok(wait_for('resubscribed', 5, sub { subscribers() == 2 }), 'and subscribed again');
};

subtest 'sso-admin: TLS checks' => sub {
    my @base = ('--redis', "127.0.0.1:$env->{redis_port}", '--redis-user', 'sso',
        '--password-file', $pass);
    my $list = sub { my $o = `$env->{admin} @_ session list --user nobody 2>&1`; ($? >> 8, $o) };
    my ($rc, $out) = $list->(@base, '--tls', '--tls-ca', "$tls/other-ca.crt");
    is($rc, 1, 'another CA: exit 1');
    like($out, qr/TLS certificate verification failed/, 'named');
    ($rc, $out) = $list->(@base, '--tls', '--tls-ca', "$tls/ca.crt", '--tls-name', 'redis.other.example');
    is($rc, 1, 'another name: exit 1');
    like($out, qr/TLS name mismatch .*redis\.other\.example/, 'named');
    ($rc, $out) = $list->(@base, '--tls', '--tls-ca', "$tls/ca.crt", '--tls-name', 'redis.test.invalid');
    is($rc, 4, 'the right name: connected (nothing to list)');
    ($rc, $out) = $list->(@base);
    is($rc, 1, 'no --tls against the TLS port: exit 1, no hang');
};

subtest 'nginx -t refuses what cannot work' => sub {
    for my $case (
        ['tls=on with a unix: socket', "unix:$dir/redis.sock tls=on",
            qr/sso_redis tls=on cannot be used with a unix: socket/],
        ['an unreadable CA file', "127.0.0.1:6379 tls=on tls_trusted_certificate=$dir/none.crt",
            qr/none\.crt.*\n?.*|cannot use tls_trusted_certificate=/],
        ['user= without password_file=', '127.0.0.1:6379 user=sso',
            qr/sso_redis user= needs password_file=/],
        ['tls_name= without tls=on', '127.0.0.1:6379 tls_name=x.example',
            qr/need tls=on/],
        ['tls=maybe', '127.0.0.1:6379 tls=maybe', qr/invalid sso_redis parameter "tls=maybe"/],
    ) {
        my ($name, $redis, $re) = @$case;
        my ($ok, $out) = nginx_config_test(block($redis));
        ok(!$ok, "$name: refused");
        like($out, $re, "$name: says why");
    }
    my ($ok, $out) = nginx_config_test(block("127.0.0.1:6379 tls=on tls_trusted_certificate=$dir/none.crt"));
    like($out, qr/cannot use tls_trusted_certificate="[^"]*none\.crt"/, 'the CA file is named');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
stop_nginx();
done_testing();
