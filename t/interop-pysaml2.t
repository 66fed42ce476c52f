# Interop with pysaml2 (Debian's python3-pysaml2) as the identity provider: its metadata
# configures our provider, it parses our AuthnRequest and signs the response; a scripted
# SP-initiated login goes through nginx to the app.
use strict;
use warnings;
use lib 't/lib';
use JSON::PP qw(decode_json);
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $keys = "$env->{servroot}/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";
my $port = $env->{server_port};
my $acs = "http://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';
my @idp = ("$env->{repo}/t/interop/pysaml2_idp.py", '--keys', $keys,
    '--entity-id', 'https://pysaml2-idp.test.invalid', '--sso-url', 'https://pysaml2-idp.test.invalid/sso');

sub run {
    my @cmd = @_;
    open my $fh, '-|', '/usr/bin/python3', @cmd or die "python3: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    die "@cmd failed: $?" if $?;
    return $out;
}

my $metadata = "$env->{servroot}/pysaml2-idp.xml";
open my $fh, '>', $metadata or die;
print $fh run(@idp, 'metadata');
close $fh;

start_nginx({
    http_config => <<"CONF",
sso_provider pysaml2 {
    saml_idp_metadata   $metadata;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User   $sso_user;
    proxy_set_header X-Remote-Name   $sso_name;
    proxy_set_header X-Remote-Groups $sso_groups;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

my $sp_metadata = "$env->{servroot}/sp.xml";
my $md = http_request('GET', '/sso/saml/metadata?provider=pysaml2');
is($md->{status}, 200, 'our SP metadata, for pysaml2 to load');
open $fh, '>', $sp_metadata or die;
print $fh $md->{body};
close $fh;

sub idp_login {
    my (@extra) = @_;
    my $res = http_request('GET', '/sso/login?return_to=%2Fwelcome');
    is($res->{status}, 302, 'login redirects to pysaml2');
    my $answer = decode_json(run(@idp, 'respond', '--sp-metadata', $sp_metadata,
        '--redirect', $res->{headers}{location}[0], @extra));
    is($answer->{destination}, $acs, 'pysaml2 answers to our ACS');
    return Test::Nginx::SamlIdp::post_acs($answer->{SAMLResponse}, $answer->{RelayState});
}

my $res = idp_login();
is($res->{status}, 303, 'the ACS accepts the pysaml2 response') or diag(error_log());
is($res->{headers}{location}[0], "http://localhost:$port/welcome", 'back to the return URL');
my ($cookie) = join('', @{ $res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
my $app = http_request('GET', '/welcome', headers => ["Cookie: __Host-sso=$cookie"]);
is($app->{status}, 200, 'the app is reached');
like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'user from the NameID');
like($app->{body}, qr/^X-Remote-Name: New Hire$/m, 'name from displayName');
like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups from memberOf');

my $sha1 = idp_login('--sha1');
is($sha1->{status}, 403, "pysaml2's default RSA-SHA1 signature is refused");
like(error_log(), qr/SAML_SIGNATURE_ALGORITHM/, 'and the log says why');

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
