# Login latency with provisioning: the callback request (token exchange, ID token, hook,
# session) with `sync on_each_login` (the hook is called every time) against `sync on_change`
# with unchanged attributes (the hook is skipped), same nginx, same run, interleaved.
#   perl scripts/bench.d/jit.pl [LOGINS] [HOOK_DELAY_MS]
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../../t/lib";
use HTTP::Tiny;
use JSON::PP qw(encode_json);
use POSIX ();
use Test::TCP qw(empty_port wait_port);
use Time::HiRes qw(time);
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;

my ($logins, $delay) = (@ARGV, 40, 20)[0, 1];
import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $port = $env->{server_port};
for (['hook.secret', 'bench-hook-secret-0123456789'], ['op.secret', 'test-secret-1']) {
    open my $fh, '>', "$root/$_->[0]" or die;
    print $fh "$_->[1]\n";
}
my $hook_port = empty_port();
my $hook_pid = fork // die;
if ($hook_pid == 0) {
    open STDOUT, '>', '/dev/null';
    exec 'node', "$env->{repo}/t/jit/test_hook.mjs", '--port', $hook_port, '--secret-file',
        "$root/hook.secret" or POSIX::_exit(127);
}
END { kill 'TERM', $hook_pid if $hook_pid }
wait_port({ port => $hook_port, max_wait => 20 });
HTTP::Tiny->new->post("http://127.0.0.1:$hook_port/control",
    { content => encode_json({ behaviour => { delay_ms => $delay + 0 } }) });
my $op = Test::Nginx::OidcOp::start();

my $providers = '';
for my $sync (qw(on_each_login on_change)) {
    $providers .= "sso_provider $sync {\n    oidc_issuer $op->{issuer};\n"
        . "    oidc_client_id nginx-app;\n    oidc_client_secret_file $root/op.secret;\n"
        . "    oidc_redirect_uri http://localhost:$port/sso/oidc/callback;\n"
        . "    role engineering developer;\n    sync $sync;\n}\n";
}
start_nginx({
    http_config => "sso_provision_hook http://127.0.0.1:$hook_port/provision "
        . "secret_file=$root/hook.secret;\nsso_audit_log off;\n$providers",
    config => "location /sso/ { sso_endpoints; }\n",
});
Test::Nginx::OidcOp::control($op, { user => { sub => 'bench-1', email => 'bench@corp.example',
    email_verified => JSON::PP::true, name => 'Bench', groups => ['engineering'] } });

my %ms;
for my $round (0 .. $logins) {
    for my $sync (qw(on_each_login on_change)) {
        my $l = Test::Nginx::OidcOp::login($op, provider => $sync, callback => 0);
        my $t0 = time;
        my $r = http_request('GET', $l->{callback_path}, headers => $l->{callback_cookie});
        my $elapsed = (time - $t0) * 1000;
        die "login failed: $r->{status}\n" . error_log() unless $r->{status} == 303;
        push @{ $ms{$sync} }, $elapsed if $round > 0;    # the first creates the account
    }
}
sub pct {
    my ($list, $p) = @_;
    my @s = sort { $a <=> $b } @$list;
    return $s[int($p * $#s + 0.5)];
}
printf "callback latency over %d logins each, hook answering in %d ms:\n", $logins, $delay;
printf "  %-36s p50 %7.1f ms   p90 %7.1f ms\n", 'sync on_each_login (hook called)',
    pct($ms{on_each_login}, 0.5), pct($ms{on_each_login}, 0.9);
printf "  %-36s p50 %7.1f ms   p90 %7.1f ms\n", 'sync on_change, unchanged (skipped)',
    pct($ms{on_change}, 0.5), pct($ms{on_change}, 0.9);
printf "  saved per login (p50): %.1f ms\n",
    pct($ms{on_each_login}, 0.5) - pct($ms{on_change}, 0.5);
