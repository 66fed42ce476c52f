# sso-admin, the operator's tool: a person's sessions listed and revoked by subject, by the
# app's user id or by email (across providers), account records shown, --json, exit codes.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Digest::SHA qw(sha256_hex);
use JSON::PP qw(decode_json);
use Time::HiRes qw(time);

import_servers();

start_nginx({
    http_config => 'sso_session ttl=1h idle=30m cache=0;',
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

sub get {
    my ($cookie) = @_;
    return http_request('GET', '/', headers => ["Cookie: __Host-sso=$cookie"])->{status};
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# (stdout, stderr, exit code) of sso-admin with the test's store and these arguments
sub admin {
    my @args = @_;
    my $dir = Test::Nginx::SSO::env()->{servroot};
    my @store = (grep { $_ eq '--redis' } @args) ? () : Test::Nginx::SSO::admin_store_args();
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$dir/admin.out" or die;
        open STDERR, '>', "$dir/admin.err" or die;
        exec Test::Nginx::SSO::env()->{admin}, @store, '--idle', '30m', @args;
        exit 127;
    }
    waitpid $pid, 0;
    return (slurp("$dir/admin.out"), slurp("$dir/admin.err"), $? >> 8);
}

my %sam = (user => '42', email => 'Sam@Corp.example');
my $at_corp = create_session(provider => 'corp', subject => 'sam', %sam, idle => '30m');
my $at_partner = create_session(provider => 'partner', subject => 'S-1', %sam, idle => '30m');
my $other = create_session(provider => 'corp', subject => 'kim', user => '43',
    email => 'kim@corp.example', idle => '30m');
is(get($_), 200, 'signed in') for $at_corp, $at_partner, $other;

subtest 'sessions listed by user id, email (any case) or subject' => sub {
    my ($out, $err, $exit) = admin('--json', 'session', 'list', '--user', '42');
    is($exit, 0, 'exit 0') or diag($err);
    my $list = decode_json($out)->{sessions};
    is(scalar @$list, 2, 'both of the user\'s sessions, at both providers');
    is_deeply([sort map { $_->{provider} } @$list], ['corp', 'partner'], 'each with its provider');
    for my $s (@$list) {
        like($s->{session}, qr/^[0-9a-f]{12}$/, 'named by the start of its key digest');
        ok($s->{created_ms} <= time() * 1000 && $s->{expires_ms} > time() * 1000,
            'created in the past, expires in the future');
        ok(abs($s->{last_seen_ms} - time() * 1000) < 60_000, 'last seen just now (the GET above)');
    }
    unlike($out, qr/\Q$at_corp\E|\Q$at_partner\E/, 'no cookie in the output');

    ($out, $err, $exit) = admin('--json', 'session', 'list', '--email', 'sam@CORP.example');
    is(scalar @{ decode_json($out)->{sessions} }, 2, 'by email, in any case');

    ($out, $err, $exit) = admin('session', 'list', '--provider', 'corp', '--subject', 'sam');
    is($exit, 0, 'plain output: exit 0');
    my @lines = split /\n/, $out;
    is(scalar @lines, 2, 'a header and one session');
    like($lines[1], qr/corp:sam\s+42\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ .*Sam\@Corp\.example$/,
        'provider:subject, user, times, email');

    ($out, $err, $exit) = admin('session', 'list', '--user', 'nobody');
    is($exit, 4, 'nobody\'s sessions: exit 4 (nothing found)');
};

subtest 'revoked by email at every provider, others untouched' => sub {
    my ($out, $err, $exit) = admin('session', 'revoke', '--email', 'SAM@corp.example');
    is($exit, 0, 'exit 0') or diag($err);
    is($out, "2\n", 'two sessions ended');
    like($err, qr/"by":"email".*"event":"logout"/, 'its audit line says how the person was named');
    isnt(get($_), 200, 'gone') for $at_corp, $at_partner;
    is(get($other), 200, 'another person keeps their session');
    (undef, undef, $exit) = admin('session', 'list', '--user', '42');
    is($exit, 4, 'the user id index no longer lists them');

    ($out, $err, $exit) = admin('--json', 'session', 'revoke', '--user', '43');
    is($exit, 0, 'by user id: exit 0');
    is(decode_json($out)->{sessions}, 1, '--json: the core\'s answer');
    isnt(get($other), 200, 'gone');
};

subtest 'account records of just-in-time provisioning' => sub {
    my $key = 'sso:acct:' . sha256_hex("https://idp.example\n00u1");
    redis_cli('SET', $key, '{"user_id":"8","roles":["developer"],"hash":"x","at":1700000000000}',
        'PX', '86400000');
    my ($out, $err, $exit) = admin('account', 'show', '--issuer', 'https://idp.example',
        '--subject', '00u1');
    is($exit, 0, 'exit 0') or diag($err);
    like($out, qr/^user: 8\nroles: developer\nprovisioned: 2023-11-14T22:13:20Z\nexpires: \S+\n\z/,
        'the app\'s user id, roles, when');
    ($out, $err, $exit) = admin('--json', 'account', 'show', '--issuer', 'https://idp.example',
        '--subject', '00u1');
    is(decode_json($out)->{user}, '8', '--json');
    ($out, $err, $exit) = admin('account', 'show', '--issuer', 'https://idp.example',
        '--subject', 'nobody');
    is($exit, 4, 'no record: exit 4');
    like($err, qr/no account record for issuer "https:\/\/idp.example", subject "nobody"/,
        'and says so');
};

subtest 'usage errors and store failures say what is wrong' => sub {
    my @cases = (
        [['session', 'list'], qr/name the person by one of/],
        [['session', 'revoke', '--user', '42', '--email', 'a@b'], qr/name the person by one of/],
        [['session', 'revoke', '--subject', 'x'], qr/--subject needs --provider/],
        [['session', 'list', '--provider', 'corp', '--user', '42'], qr/at every provider: no --provider/],
        [['session', 'frobnicate'], qr/^usage: sso-admin/m],
    );
    for my $case (@cases) {
        my ($out, $err, $exit) = admin(@{ $case->[0] });
        is($exit, 2, "@{ $case->[0] }: exit 2");
        like($err, $case->[1], "@{ $case->[0] }: says why");
    }
    my ($out, $err, $exit) = admin('--redis', '127.0.0.1:1', 'session', 'list', '--user', '1');
    is($exit, 1, 'no Redis: exit 1');
    like($err, qr/cannot connect to redis 127\.0\.0\.1:1/, 'says which');
    ($out, undef, $exit) = admin('--help');
    is($exit, 0, '--help: exit 0');
    like($out, qr/^exit: 0 done, 1 store or core failure, 2 usage/m, 'documents the exit codes');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
