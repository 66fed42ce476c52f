# IdP metadata from a URL (saml_idp_metadata_url), on a real nginx with 2 workers: the
# metadata is served over HTTPS by a steerable server (t/saml/metadata_server.mjs), signed on
# its root with the real xmlsec1 tool by a federation key that nginx pins. Without a copy and
# with the URL down, sign-in answers 503 with Retry-After; the first good refresh enables it;
# a new IdP key in a properly signed update replaces the old one; every bad update (unsigned,
# another key, changed after signing, expired, too large, HTTP 500, too slow, cut off) is
# refused with a warning naming why while the previous copy keeps working; the verified copy
# lands in the backing file; a reload in the middle of a refresh; a slow fetch blocks no one.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;
use Test::Nginx::OidcOp;
use POSIX ();
use Test::TCP qw(empty_port wait_port);
use Time::HiRes qw(sleep time);

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $keys = "$root/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";
my $tls = "$root/tls";
Test::Nginx::OidcOp::make_tls($tls, md => 'IP:127.0.0.1');

my $port = $env->{server_port};
my $acs = "http://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';
my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
my $entity = $idp->entity_id;

# ---- the metadata server ----

my $md_dir = "$root/md";
mkdir $md_dir;
my $md_port = empty_port();
my $md_pid = fork // die "fork: $!";
if ($md_pid == 0) {
    open STDOUT, '>>', "$md_dir/server.log";
    open STDERR, '>&', \*STDOUT;
    exec 'node', "$env->{repo}/t/saml/metadata_server.mjs", '--port', $md_port, '--dir', $md_dir,
        '--tls-cert', "$tls/md.crt", '--tls-key', "$tls/md.key" or POSIX::_exit(127);
}
END { kill 'TERM', $md_pid if $md_pid }
wait_port({ port => $md_port, max_wait => 20 });

sub steer {
    my (%m) = @_;
    my $json = '{' . join(',', map { qq{"$_":} . ($m{$_} =~ /^\d+$/ ? $m{$_} : qq{"$m{$_}"}) } sort keys %m) . '}';
    Test::Nginx::SamlIdp::spew("$md_dir/mode.tmp", $json);
    rename "$md_dir/mode.tmp", "$md_dir/mode.json" or die;
}

# An IdP EntityDescriptor with ID "_md" and these IdP certificates; signed on its root by
# `sign` (a key stem; '' leaves it unsigned); `valid_until` seconds from now; `pad` bytes of
# comment; `tamper` a code ref on the signed text; `entity` another entityID.
my $n = 0;
sub metadata {
    my (%o) = @_;
    my $certs = join '', map {
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            . $idp->cert_body($_) . '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
    } @{ $o{certs} // ['idp'] };
    my $sign = $o{sign} // 'mdsign';
    my $until = defined $o{valid_until}
        ? ' validUntil="' . Test::Nginx::SamlIdp::iso(time + $o{valid_until}) . '"' : '';
    my $entity_id = $o{entity} // $entity;
    my $xml = qq{<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" }
        . qq{xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_md" entityID="$entity_id"$until>}
        . ($sign ? Test::Nginx::SamlIdp::signature_template('_md') : '')
        . qq{<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">}
        . $certs
        . qq{<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" }
        . qq{Location="https://idp.test.invalid/sso"/></md:IDPSSODescriptor>}
        . ($o{pad} ? '<!-- ' . ('x' x $o{pad}) . ' -->' : '')
        . qq{</md:EntityDescriptor>};
    my $file = "$md_dir/doc" . ++$n . '.xml';
    Test::Nginx::SamlIdp::spew("$file.in", $xml);
    if ($sign) {
        system('xmlsec1', '--sign', '--privkey-pem', "$keys/$sign.key,$keys/$sign.crt",
            '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor',
            '--output', $file, "$file.in") == 0 or die 'xmlsec1 --sign failed';
    } else {
        rename "$file.in", $file or die;
    }
    if ($o{tamper}) {
        Test::Nginx::SamlIdp::spew($file, $o{tamper}->(Test::Nginx::SamlIdp::slurp($file)));
    }
    return $file;
}

# Waits until `$want` distinct running workers logged a line matching `$re` after `$from`
# bytes of the error log; returns the matching lines.
sub worker_lines {
    my ($re, $from, $want, $timeout) = @_;
    my @lines;
    my $deadline = time + ($timeout // 15);
    while (time < $deadline) {
        my %pids;
        @lines = grep { /$re/ } split /\n/, substr(error_log(), $from);
        # only workers still running: after a reload, the old ones log on their way out
        /\] (\d+)#/ and kill(0, $1) and $pids{$1} = 1 for @lines;
        return @lines if keys %pids >= $want;
        sleep 0.1;
    }
    diag("waited for $want workers: $re");
    return;
}

sub login {
    my ($key) = @_;
    my $res = http_request('GET', '/sso/login?provider=corp&return_to=%2Fapp');
    return { status => $res->{status}, res => $res } unless $res->{status} == 302;
    my $m = $idp->read_redirect($res->{headers}{location}[0]);
    my $response = $idp->response(in_response_to => $m->{id}, acs => $acs, audience => $sp,
        key => $key);
    my $acs_res = Test::Nginx::SamlIdp::post_acs($response, $m->{relay_state});
    return { status => $acs_res->{status}, res => $acs_res };
}

# the workers (user nobody when the tests run as root) may write the backing copy here
mkdir "$root/backing";
chmod 0777, "$root/backing";
my $backing = "$root/backing/idp-metadata.xml";
my $provider = <<"CONF";
sso_backchannel_trusted_certificate $tls/ca.crt;
sso_backchannel_timeout 1500ms;
sso_provider corp {
    saml_idp_metadata_url                  https://127.0.0.1:$md_port/idp-metadata.xml;
    saml_idp_metadata_signing_certificate  $keys/mdsign.crt;
    saml_idp_entity_id                     $entity;
    saml_idp_metadata_refresh              2s;
    saml_idp_metadata                      $backing;
    saml_idp_metadata_max_size             32k;
    saml_sp_entity_id                      $sp;
    saml_acs_url                           $acs;
}
CONF
my $config = {
    http_config => $provider,
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location = /metrics { sso_metrics; }
location = /plain { return 200 "plain\n"; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};

# ---- no copy, the URL down ----

steer(mode => 'status', status => 503);
start_nginx($config);

subtest 'no local copy and the URL down: 503 with Retry-After until a refresh succeeds' => sub {
    ok(worker_lines(qr/\[notice\].*provider "corp" has no IdP metadata yet: sign-in answers 503 until the first refresh from https:\/\/127\.0\.0\.1:$md_port\/idp-metadata\.xml succeeds/, 0, 2),
        'each worker says so at start');
    ok(worker_lines(qr/\[warn\].*IdP metadata of provider "corp" not refreshed from https:\/\/127\.0\.0\.1:$md_port\/idp-metadata\.xml: the answer's status is 503, not 200; there is no metadata in use yet: sign-in answers 503 until a refresh succeeds/, 0, 2),
        'each worker warns that its refresh failed, and why');
    my $res = http_request('GET', '/sso/login?provider=corp');
    is($res->{status}, 503, 'sign-in: 503');
    ok(($res->{headers}{'retry-after'}[0] // 0) > 0, 'with Retry-After');
    like($res->{body}, qr/Sign-in is not set up yet/, 'a page that says so');
    like(error_log(), qr/SAML_METADATA_UNAVAILABLE/, 'the log names the reason');
};

subtest 'the URL comes up: the next refresh enables sign-in' => sub {
    my $from = length error_log();
    steer(mode => 'serve', file => metadata(valid_until => 86400));
    my @lines = worker_lines(qr/\[notice\].*IdP metadata of provider "corp" refreshed from https:\/\/127\.0\.0\.1:$md_port\/idp-metadata\.xml: entity "\Q$entity\E", 1 signing certificate, valid until \d{4}-\d\d-\d\dT/, $from, 2);
    ok(@lines, 'both workers refreshed, and say what they got') or diag(error_log());
    is(login('idp')->{status}, 303, 'a login with the IdP key works');
    ok(-f $backing, 'the verified copy is written to the backing file') or diag(error_log());
    like(-f $backing ? Test::Nginx::SamlIdp::slurp($backing) : '', qr/SignatureValue>/,
        'signed as served');
};

# ---- bad updates: refused, the previous copy kept ----

my @bad = (
    [ 'unsigned', sub { (mode => 'serve', file => metadata(sign => '', certs => ['attacker'])) },
      qr/it is not signed \(no Signature on its root element\)/ ],
    [ 'signed by another key', sub { (mode => 'serve', file => metadata(sign => 'attacker', certs => ['attacker'])) },
      qr/its signature does not verify with the pinned signing certificate \(saml_idp_metadata_signing_certificate\): signed by another key, or changed after signing/ ],
    [ 'changed after signing', sub { (mode => 'serve', file => metadata(
          tamper => sub { my $x = shift; my $a = $idp->cert_body('idp'); my $b = $idp->cert_body('attacker'); $x =~ s/\Q$a\E/$b/; $x })) },
      qr/its signature does not verify with the pinned signing certificate \(saml_idp_metadata_signing_certificate\): signed by another key, or changed after signing/ ],
    [ 'properly signed, for another IdP entity', sub { (mode => 'serve', file => metadata(
          entity => 'https://other-idp.test.invalid', certs => ['attacker'])) },
      qr/it describes the IdP "https:\/\/other-idp\.test\.invalid", not "\Q$entity\E" \(saml_idp_entity_id\)/ ],
    [ 'expired', sub { (mode => 'serve', file => metadata(valid_until => -60)) },
      qr/it expired at \d{4}-\d\d-\d\dT[\d:]+Z \(its validUntil\)/ ],
    [ 'too large', sub { (mode => 'serve', file => metadata(pad => 40000)) },
      qr/no answer \(.*(?:too large|larger)[^)]*\)/i ],
    [ 'HTTP 500', sub { (mode => 'status', status => 500) },
      qr/the answer's status is 500, not 200/ ],
    [ 'slower than sso_backchannel_timeout', sub { (mode => 'slow', file => metadata(certs => ['attacker']), delay_ms => 3000) },
      qr/no answer \(timed out\)/ ],
    [ 'cut off in the middle of the body', sub { (mode => 'drop', file => metadata(certs => ['attacker'])) },
      qr/no answer \((?!timed out)[^)]+\)/ ],
);

for my $case (@bad) {
    my ($what, $steer, $why) = @$case;
    subtest "an update $what is refused, the previous copy kept" => sub {
        my $from = length error_log();
        steer($steer->());
        my @lines = worker_lines(qr/\[warn\].*IdP metadata of provider "corp" not refreshed from \S+: $why; the metadata in use is kept \(entity "\Q$entity\E", valid until /, $from, 2, 20);
        ok(@lines, 'both workers warn, naming why') or diag(substr(error_log(), $from));
        unlike(substr(error_log(), $from), qr/provider "corp" refreshed from/, 'no worker took it');
        is(login('idp')->{status}, 303, 'a login with the IdP key still works');
        is(login('attacker')->{status} == 303 ? 'accepted' : 'refused', 'refused',
            "the attacker's key is still refused");
    };
}

subtest 'a new IdP signing key, properly signed: the new key works, the old one not' => sub {
    my $from = length error_log();
    steer(mode => 'serve', file => metadata(certs => ['idp2'], valid_until => 86400));
    ok(worker_lines(qr/\[notice\].*provider "corp" refreshed from .*1 signing certificate/, $from, 2),
        'both workers refreshed') or diag(substr(error_log(), $from));
    is(login('idp2')->{status}, 303, 'a response signed with the new key is accepted');
    my $old = login('idp');
    isnt($old->{status}, 303, 'one signed with the old key is refused');
    like(substr(error_log(), $from), qr/SAML_SIGNATURE_INVALID/, 'for its signature');
};

subtest 'metrics: refreshes by outcome, the last success' => sub {
    my $m = http_request('GET', '/metrics')->{body};
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="refreshed"\} [1-9]/m, 'refreshed');
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="signature"\} [1-9]/m, 'signature');
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="unsigned"\} [1-9]/m, 'unsigned');
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="expired"\} [1-9]/m, 'expired');
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="unreachable"\} [1-9]/m, 'unreachable');
    like($m, qr/^sso_saml_metadata_refresh_total\{provider="corp",outcome="http_status"\} [1-9]/m, 'http_status');
    my ($t) = $m =~ /^sso_saml_metadata_last_success_seconds\{provider="corp"\} (\d+)/m;
    ok($t && abs($t - time) < 60, 'the last success is recent');
};

subtest 'a slow metadata fetch blocks no request' => sub {
    my $good = metadata(certs => ['idp2'], valid_until => 86400);
    my $from_requests = -s "$md_dir/requests.log";
    steer(mode => 'slow', file => $good, delay_ms => 1200);
    # wait until both workers have a fetch under way
    my $deadline = time + 10;
    sleep 0.05 while time < $deadline
        && (() = substr(Test::Nginx::SamlIdp::slurp("$md_dir/requests.log"), $from_requests) =~ /slow/g) < 2;
    my $worst = 0;
    my $answered = 0;
    for (1 .. 20) {
        my $r = http_request('GET', '/plain');
        $answered++ if $r->{status} == 200;
        $worst = $r->{elapsed} if ($r->{elapsed} // 0) > $worst;
    }
    is($answered, 20, 'every request answered while the fetches wait');
    cmp_ok($worst, '<', 0.5, "none waited for them (worst ${worst}s)");
};

subtest 'nginx -s reload in the middle of a refresh' => sub {
    my $good = metadata(certs => ['idp2'], valid_until => 86400);
    steer(mode => 'slow', file => $good, delay_ms => 1000);
    sleep 0.5;
    my $from = length error_log();
    reload_nginx();
    ok(worker_lines(qr/\[notice\].*provider "corp" refreshed from .*signing certificate/, $from, 2, 20),
        'the new workers refresh too') or diag(substr(error_log(), $from));
    is(login('idp2')->{status}, 303, 'logins work after the reload');
    unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert');
};

subtest 'a backing copy that passes the checks is used at start, before any fetch' => sub {
    steer(mode => 'status', status => 503);
    my $from = length error_log();
    reload_nginx();
    unlike(substr(error_log(), $from), qr/has no IdP metadata yet/, 'the workers start with the copy');
    is(login('idp2')->{status}, 303, 'a login works with the key of the copy');
};

subtest 'a backing copy the workers may not write: one warning each, the refresh still used' => sub {
    chmod 0555, "$root/backing";
    my $from = length error_log();
    steer(mode => 'serve', file => metadata(certs => ['idp'], valid_until => 86400));
    ok(worker_lines(qr/\[warn\].*the backing copy "\Q$backing\E" /, $from, 2, 20),
        'each worker says it cannot write the copy') or diag(substr(error_log(), $from));
    ok(worker_lines(qr/\[notice\].*provider "corp" refreshed from /, $from, 2, 20),
        'and the refresh is taken anyway');
    is(login('idp')->{status}, 303, 'logins use the refreshed key')
        or diag(substr(error_log(), $from));
    sleep 2.5;  # a few more refreshes: still one warning per worker
    my @warnings = grep { /the backing copy "\Q$backing\E" / } split /\n/, substr(error_log(), $from);
    my %per_worker;
    /\] (\d+)#/ and $per_worker{$1}++ for @warnings;
    is_deeply([ grep { $_ > 1 } values %per_worker ], [], 'once per worker, not on every refresh');
    chmod 0777, "$root/backing";
};

subtest 'an unsigned backing copy is not used (a warning at nginx -t says why)' => sub {
    # the running workers must not write a fresh verified copy over the one planted below
    # (they refresh every second; on the sanitizer build one did, between the two steps)
    steer(mode => 'status', status => 503);
    sleep 1.5;
    Test::Nginx::SamlIdp::spew($backing, Test::Nginx::SamlIdp::slurp(metadata(sign => '')));
    my ($ok, $out) = nginx_config_test($config);
    ok($ok, 'nginx -t passes: the URL may fix it');
    like($out, qr/\[warn\].*sso_provider "corp" in \S+: the backing copy of the IdP metadata \(saml_idp_metadata\) is not used: it is not signed \(no Signature on its root element\); sign-in waits for the first refresh from https:/,
        'and says why the copy is not used');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
