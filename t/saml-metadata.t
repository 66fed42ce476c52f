# IdP metadata as the world ships it, through nginx -t and nginx: every file of the public
# corpus in t/saml/metadata-corpus (see its README) loads or fails naming why; a federation
# aggregate over the size limit, and the IdP chosen in it; Keycloak's default descriptor
# (WantAuthnRequestsSigned) without and with an SP key; an IdP that offers only HTTP-POST gets
# an auto-posting page under a strict Content-Security-Policy, signed inside the XML (verified
# by xmlsec1), the login completes, and headless Chromium submits the page by itself.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;
use MIME::Base64 qw(decode_base64);

import_servers();
my $env = Test::Nginx::SSO::env();
my $keys = "$env->{servroot}/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";

my $corpus = "$env->{repo}/t/saml/metadata-corpus";
my $port = $env->{server_port};
my $acs = "http://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';

sub provider {
    my ($name, @lines) = @_;
    return "sso_provider $name {\n" . join('', map {"    $_;\n"} @lines)
        . "    saml_sp_entity_id $sp;\n    saml_acs_url $acs;\n}\n";
}

# file, extra lines, a regex the [emerg] line must match (none: it loads), a regex a [warn]
# line must match
my @corpus = (
    [ 'okta.xml' ],
    [ 'onelogin.xml' ],
    [ 'onelogin-sign-and-encrypt-certs.xml' ],
    [ 'google-workspace.xml' ],
    [ 'entra-id-common.xml',
      ['saml_idp_entity_id https://sts.windows.net/00000000-0000-0000-0000-000000000001/'] ],
    [ 'adfs-2.0.xml' ],
    [ 'adfs-3.0.xml' ],
    [ 'adfs-4.0.xml' ],
    [ 'adfs-sustainsys.xml' ],
    [ 'keycloak.xml', [], qr/IdP "http:\/\/localhost:8080\/realms\/firezone" wants signed AuthnRequests \(WantAuthnRequestsSigned="true" in its metadata\) and there is no SP key: set saml_sp_key/ ],
    [ 'keycloak.xml', ["saml_sp_key $keys/sp.key"] ],
    [ 'shibboleth-idp-msidlab.xml' ],
    [ 'shibboleth-idp-ruby-saml.xml', [], qr/IdP "https:\/\/idp\.example\.com\/idp\/shibboleth": none of its 1 metadata signing certificates is usable \(see the warnings\): set saml_idp_certificate/,
      qr/metadata signing certificate 1 skipped: not a readable X\.509 certificate \(the element holds a base64-encoded PEM certificate/ ],
    [ 'samltest-id-shibboleth.xml' ],
    [ 'testshib-providers.xml' ],
    [ 'simplesamlphp-umu.xml', [], qr/has no SingleSignOnService at an https URL \(http only on loopback\) in its metadata \(skipped: HTTP-Redirect "http:\/\/xenosmilus\.umdc\.umu\.se\/simplesaml\/saml2\/idp\/metadata\.php"\): set saml_idp_sso_url/,
      qr/metadata signing certificate 1 skipped: subject O=Internet Widgits Pty Ltd.*RSA modulus is shorter than 2048 bits/ ],
    [ 'multi-signing-certs.xml', [], undef,
      qr/IdP "https:\/\/idp\.examle\.com\/saml\/metadata": metadata signing certificate 2 skipped: .*RSA modulus is shorter than 2048 bits/ ],
    [ 'secureworks.xml' ],
    [ 'several-idps.xml', [], qr/the IdP metadata describes 2 IdPs \("https:\/\/foo\.example\.com\/access\/saml\/idp\.xml", "https:\/\/bar\.example\.com\/access\/saml\/idp\.xml"\): choose one with saml_idp_entity_id/ ],
    [ 'several-idps.xml', ['saml_idp_entity_id https://bar.example.com/access/saml/idp.xml'],
      qr/IdP "https:\/\/bar\.example\.com\/access\/saml\/idp\.xml": none of its 1 metadata signing certificates is usable/ ],
    [ 'swamid-1.0-aggregate.xml', ['saml_idp_entity_id https://idp.hig.se/idp/shibboleth'] ],
    [ 'switch-aaitest-aggregate.xml', [], qr/"saml_idp_metadata" cannot read file ".*switch-aaitest-aggregate\.xml" \(2471446 bytes, larger than 1048576; raise saml_idp_metadata_max_size\)/ ],
    [ 'switch-aaitest-aggregate.xml', ['saml_idp_metadata_max_size 4m',
        'saml_idp_entity_id https://aai-demo-idp.switch.ch/idp/shibboleth'] ],
    [ 'microsoft-online-sp-only.xml', [], qr/the IdP metadata describes no SAML 2.0 IdP: none of its 1 entities \("urn:federation:MicrosoftOnline"\) has an IDPSSODescriptor/ ],
);

subtest 'the public metadata corpus through nginx -t' => sub {
    for my $case (@corpus) {
        my ($file, $lines, $fails, $warns) = @$case;
        my @lines = ("saml_idp_metadata $corpus/$file", @{ $lines // [] });
        my ($ok, $out) = nginx_config_test({ config => 'location /sso/ { sso_endpoints; }',
            http_config => provider('idp', @lines) });
        my $what = join ' + ', $file, @{ $lines // [] };
        if (!$fails) {
            ok($ok, "$what loads") or diag($out);
            unlike($out, qr/\[emerg\]/, "$what: no emerg line");
        } else {
            ok(!$ok, "$what fails nginx -t");
            like($out, qr/\[emerg\].*sso_provider "idp"(?: in \S+:\d+)?: .*$fails/, "$what: the message says why");
        }
        like($out, qr/\[warn\].*sso_provider "idp" in .*$warns/, "$what: warns") if $warns;
    }
};

subtest 'weak and unreadable certificates are skipped with a warning naming the entity' => sub {
    # Okta's file with a 1024-bit certificate added next to its own
    open my $in, '<', "$corpus/okta.xml" or die $!;
    my $xml = do { local $/; <$in> };
    my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
    my $weak = '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>'
        . $idp->cert_body('weak-1024') . '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>';
    $xml =~ s/(<md:SingleSignOnService)/$weak$1/ or die;
    Test::Nginx::SamlIdp::spew("$env->{servroot}/okta-weak.xml", $xml);
    my ($ok, $out) = nginx_config_test({ config => 'location /sso/ { sso_endpoints; }',
        http_config => provider('okta', "saml_idp_metadata $env->{servroot}/okta-weak.xml") });
    ok($ok, 'loads with the usable certificate') or diag($out);
    like($out, qr/\[warn\].*sso_provider "okta" .*IdP "http:\/\/www\.okta\.com\/exkppsa1qwuFV4D7z0h7": metadata signing certificate 2 skipped: subject CN=weak-1024.*shorter than 2048 bits/,
        'the warning names the entity, the certificate and the check');
};

subtest 'explicit lines complete a file without an HTTP SingleSignOnService' => sub {
    open my $in, '<', "$corpus/okta.xml" or die $!;
    my $xml = do { local $/; <$in> };
    $xml =~ s{<md:SingleSignOnService[^>]*/>}{}g;
    $xml =~ s{</md:IDPSSODescriptor>}{<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.example/soap"/></md:IDPSSODescriptor>};
    Test::Nginx::SamlIdp::spew("$env->{servroot}/soap-only.xml", $xml);
    my ($ok, $out) = nginx_config_test({ config => 'location /sso/ { sso_endpoints; }',
        http_config => provider('soap', "saml_idp_metadata $env->{servroot}/soap-only.xml") });
    ok(!$ok, 'a SOAP-only file fails nginx -t');
    like($out, qr/has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding in its metadata \(it lists SOAP\): set saml_idp_sso_url/,
        'naming the bindings it lists and the fix');
    ($ok, $out) = nginx_config_test({ config => 'location /sso/ { sso_endpoints; }', http_config => provider('soap',
        "saml_idp_metadata $env->{servroot}/soap-only.xml", 'saml_idp_sso_url https://idp.example/sso') });
    ok($ok, 'saml_idp_sso_url completes it') or diag($out);
};

# ---- an IdP that offers only HTTP-POST ----

my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys, sso_binding => 'post',
    sso_url => "http://127.0.0.1:$port/idp/sso");
$idp->write_metadata("$env->{servroot}/post-idp.xml");
my $config = {
    http_config => provider('post', "saml_idp_metadata $env->{servroot}/post-idp.xml",
        "saml_sp_key $keys/sp.key", "saml_sp_certificate $keys/sp.crt", 'saml_sign_requests on')
        . provider('plain', "saml_idp_metadata $env->{servroot}/post-idp.xml"),
    config => <<'CONF',
location /sso/ { sso_endpoints; }
# the IdP's SingleSignOnService: shows what the browser posted
location = /idp/sso { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
};
start_nginx($config);

subtest 'HTTP-POST AuthnRequest: an auto-posting page under a strict policy, signed, to a login' => sub {
    my $res = http_request('GET', '/sso/login?provider=post&return_to=%2Freports');
    is($res->{status}, 200, 'a page, not a redirect');
    like($res->{headers}{'content-type'}[0] // '', qr{^text/html}, 'HTML');
    my $csp = $res->{headers}{'content-security-policy'}[0] // '';
    like($csp, qr/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+\/=]+'; base-uri 'none'; frame-ancestors 'none'$/,
        'with a strict Content-Security-Policy');
    unlike($res->{body}, qr/onload|javascript:/, 'no inline handler');
    like($res->{body}, qr/<noscript>/, 'a button where scripts are off');
    my ($script) = $res->{body} =~ /<script>(.*?)<\/script>/s;
    my ($hash) = $csp =~ /'sha256-([^']+)'/;
    require Digest::SHA;
    is(Digest::SHA::sha256_base64($script) . '=', $hash, 'the policy names the script by its hash');

    my $m = $idp->read_sp_message(form_page => $res->{body}, sp_cert => "$keys/sp.crt");
    is($m->{url}, "http://127.0.0.1:$port/idp/sso", 'posted to the IdP SingleSignOnService');
    is($m->{param}, 'SAMLRequest', 'an AuthnRequest');
    like($m->{xml}, qr/<samlp:AuthnRequest /, 'it is one');
    is($m->{destination}, "http://127.0.0.1:$port/idp/sso", 'its Destination');
    ok($m->{signature_ok}, 'signed inside the XML, verified by xmlsec1 with our certificate');
    ok(length($m->{relay_state} // '') == 22, 'with our RelayState handle');

    # the IdP answers; the login completes
    my $response = $idp->response(in_response_to => $m->{id}, acs => $acs, audience => $sp,
        name_id => 'post.user@corp.example');
    my $acs_res = Test::Nginx::SamlIdp::post_acs($response, $m->{relay_state});
    is($acs_res->{status}, 303, 'the ACS accepts the response') or diag($acs_res->{body});
    like($acs_res->{headers}{location}[0] // '', qr{^(http://localhost:$port)?/reports$},
        'back to where the person was going');

    my $plain = http_request('GET', '/sso/login?provider=plain');
    my $u = $idp->read_sp_message(form_page => $plain->{body}, sp_cert => "$keys/sp.crt");
    unlike($u->{xml}, qr/Signature/, 'without a key the request is not signed');
};

subtest 'headless Chromium posts the page by itself under its policy' => sub {
    plan skip_all => 'no chromium' unless -x '/usr/bin/chromium';
    my $profile = "$env->{servroot}/chromium-profile";
    my $dom = `/usr/bin/chromium --headless --no-sandbox --disable-gpu --user-data-dir=$profile --virtual-time-budget=5000 --dump-dom 'http://127.0.0.1:$port/sso/login?provider=post' 2>/dev/null`;
    like($dom, qr{request: POST /idp/sso }, 'the browser posted the form to the IdP') or diag($dom);
    like($dom, qr{content-type: application/x-www-form-urlencoded}i, 'as a form');
    unlike(error_log(), qr/Refused to execute/, 'no script refused');
};

unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');
done_testing();
