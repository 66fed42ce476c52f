# Sessions in Redis: lifetime, idle timeout, revocation, logout, what is stored.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;

import_servers();

my $config = {
    http_config => 'sso_session ttl=1h idle=30m;',
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};
start_nginx($config);

sub get {
    my ($cookie, %opt) = @_;
    return http_request('GET', $opt{uri} // '/', headers => [
        "Cookie: __Host-sso=$cookie", 'Accept: text/html', @{ $opt{headers} // [] }]);
}

sub session_keys { grep {/^sso:s:/} split /\n/, redis_cli('--scan', '--pattern', 'sso:s:*') }

sub key_of_subject {
    my ($subject) = @_;
    my ($key) = grep { redis_cli('GET', $_) =~ /"subject":"\Q$subject\E"/ } session_keys();
    return $key;
}

subtest 'the store holds a digest of the cookie, never the cookie' => sub {
    my $cookie = create_session(user => 'u1', subject => 'store-check');
    ok(length($cookie) >= 43, 'cookie carries at least 256 bits in base64url');
    my $keys = redis_cli('--scan', '--pattern', '*');
    unlike($keys, qr/\Q$cookie\E/, 'no key contains the cookie');
    my @values = map { redis_cli('GET', $_) } session_keys();
    ok(@values >= 1, 'a session record exists');
    unlike(join("\n", @values), qr/\Q$cookie\E/, 'no record contains the cookie');
    like($keys, qr/^sso:u:[0-9a-f]{64}$/m, 'a per-subject index exists');
};

subtest 'absolute lifetime ends the session even while it is used' => sub {
    my $cookie = create_session(user => 'u2', ttl => '2s', idle => '2s');
    is(get($cookie)->{status}, 200, 'fresh session passes');
    sleep 1.2;
    is(get($cookie)->{status}, 200, 'still inside the lifetime');
    sleep 1.2;
    my $res = get($cookie);
    is($res->{status}, 302, 'past the lifetime: back to login');
    like(join('', @{ $res->{headers}{'set-cookie'} // [] }), qr/Max-Age=0/, 'cookie cleared');
    like(error_log(), qr/SESSION_EXPIRED/, 'log names the check');
};

subtest 'a request slides the idle timeout' => sub {
    my $cookie = create_session(user => 'u3', subject => 'slide', ttl => '1h', idle => '5s');
    my $key = key_of_subject('slide');
    ok(redis_cli('PTTL', $key) <= 5000, 'a new record lives for its idle timeout');
    is(get($cookie)->{status}, 200, 'session passes');
    ok(redis_cli('PTTL', $key) > 1_700_000, 'after a request it lives for nginx idle= (30m)');
};

subtest 'idle expiry with idle=1s' => sub {
    start_nginx({ %$config, http_config => 'sso_session ttl=1h idle=1s;' });
    my $cookie = create_session(user => 'u4', ttl => '1h', idle => '1s');
    is(get($cookie)->{status}, 200, 'fresh');
    sleep 0.6;
    is(get($cookie)->{status}, 200, 'used within idle');
    sleep 0.6;
    is(get($cookie)->{status}, 200, 'still alive: each request slid the timeout');
    sleep 1.5;
    is(get($cookie)->{status}, 302, 'idle longer than 1s: back to login');
    like(error_log(), qr/SESSION_NOT_FOUND/, 'logged as not found (expired in Redis)');
    start_nginx($config);
};

subtest 'revoking a subject ends all of its sessions at once' => sub {
    my @mine = map { create_session(subject => 'leaver', user => 'L') } 1 .. 3;
    my $other = create_session(subject => 'stayer', user => 'S');
    is(get($_)->{status}, 200, 'session works before revocation') for @mine;
    is(revoke_sessions(subject => 'leaver'), 3, 'three sessions revoked');
    is(get($_)->{status}, 302, 'revoked session is refused') for @mine;
    is(get($other)->{status}, 200, 'another subject keeps its session');
};

subtest 'logout deletes the session and clears the cookie' => sub {
    my $cookie = create_session(user => 'u5', subject => 'logout-1');
    is(get($cookie)->{status}, 200, 'logged in');
    my $res = http_request('GET', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 405, 'logout by GET is refused (no cross-site logout by image tag)');
    is(get($cookie)->{status}, 200, 'still logged in');
    my $key = key_of_subject('logout-1');
    ok($key, 'the session is in the store');
    $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 303, 'logout redirects');
    like(join('', @{ $res->{headers}{location} // [] }), qr{^http://localhost:\d+/$},
        'to / by default');
    is(join('', @{ $res->{headers}{'set-cookie'} // [] }),
        '__Host-sso=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax', 'cookie cleared');
    is(redis_cli('EXISTS', $key), '0', 'the record is gone');
    is(get($cookie)->{status}, 302, 'the old cookie no longer works');
    $res = http_request('POST', '/sso/logout');
    is($res->{status}, 303, 'logout without a session redirects too');
    like(join('', @{ $res->{headers}{location} // [] }), qr{^http://localhost:\d+/$}, 'to /');
};

subtest 'logout redirects to sso_logout_redirect' => sub {
    start_nginx({ %$config,
        http_config => "sso_session ttl=1h idle=30m;\nsso_logout_redirect /signed-out?from=sso;" });
    my $cookie = create_session(user => 'u5b', subject => 'logout-2');
    my $key = key_of_subject('logout-2');
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 303, 'logout redirects');
    like(join('', @{ $res->{headers}{location} // [] }),
        qr{^http://localhost:\d+/signed-out\?from=sso$}, 'to the configured path');
    is(redis_cli('EXISTS', $key), '0', 'the record is gone');
    is(get($cookie)->{status}, 302, 'the old cookie no longer works');
    start_nginx($config);
};

# The commands Redis runs, in its order, while `run` runs (MONITOR on a connection of ours).
sub redis_monitor {
    my ($run, $until) = @_;
    my $monitor = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => env()->{redis_port}, Timeout => 5) or die "monitor: $!";
    print $monitor "MONITOR\r\n";
    my $ok = <$monitor>;
    die "MONITOR: $ok" unless ($ok // '') =~ /^\+OK/;
    $run->();
    my ($seen, $rin) = ('', '');
    vec($rin, fileno($monitor), 1) = 1;
    my $deadline = time + 5;
    while (time < $deadline && $seen !~ $until) {
        next unless select(my $rout = $rin, undef, undef, 0.2) > 0;
        sysread($monitor, my $buf, 65536) or last;
        $seen .= $buf;
    }
    close $monitor;
    return $seen;
}

subtest 'logout deletes the record before announcing it' => sub {
    my $cookie = create_session(user => 'u5c', subject => 'logout-3');
    my $digest = sha256_hex($cookie);
    my $seen = redis_monitor(sub {
        is(http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"])
            ->{status}, 303, 'logged out');
    }, qr/"PUBLISH" "sso:revoked" "$digest"/);
    my @order = map { /"(GETDEL|DEL|PUBLISH)" "(?:sso:s:|sso:revoked" ")$digest"/ ? $1 : () }
        split /\n/, $seen;
    # GETDEL: the record is read as it goes (which provider may end its own session too)
    is("@order", 'GETDEL PUBLISH',
        'Redis deleted the record, then PUBLISH: no worker hears of the logout while it exists')
        or diag($seen);
};

subtest 'each login gets a new session id' => sub {
    my %seen;
    $seen{ create_session(subject => 'same') }++ for 1 .. 5;
    is(scalar(keys %seen), 5, 'five logins, five distinct ids');
};

subtest 'a record planted with CR/LF in the store is refused' => sub {
    my $cookie = create_session(user => 'u6', subject => 'plant');
    my $key = key_of_subject('plant');
    ok($key, 'found the record');
    my $record = redis_cli('GET', $key);
    $record =~ s/"user":"u6"/"user":"u6\\r\\nX-Remote-Roles: admin"/;
    redis_cli('SET', $key, $record);
    is(get($cookie)->{status}, 302, 'refused');
    like(error_log(), qr/SESSION_CORRUPT_RECORD/, 'log names the check');
    is(redis_cli('EXISTS', $key), '0', 'the corrupt record is deleted');
};

subtest 'secure=off uses a plain cookie name and warns at start' => sub {
    start_nginx({ %$config, http_config => 'sso_session secure=off;' });
    like(error_log(), qr/\[warn\].*secure=off.*development only/, 'start-up warning');
    my $res = http_request('GET', '/', headers => ['Accept: text/html',
        'Cookie: sso=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']);
    is($res->{status}, 302, 'unknown session in plain cookie refused');
    my $set = join('', @{ $res->{headers}{'set-cookie'} // [] });
    is($set, 'sso=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax', 'plain-HTTP cookie has no Secure');
    start_nginx($config);
};

subtest 'no secret in the error log' => sub {
    my $cookie = create_session(user => 'u7');
    get($cookie);
    get('BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
    unlike(error_log(), qr/\Q$cookie\E|BBBBBBBBBBBB/, 'cookie values never logged');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');

done_testing();
