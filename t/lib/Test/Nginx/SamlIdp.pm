package Test::Nginx::SamlIdp;

# A scripted SAML identity provider for the tests: it writes its metadata and answers
# AuthnRequests with responses signed by the real xmlsec1 command-line tool (not by our
# code), with knobs to break every rule the SP must enforce.

use strict;
use warnings;

use Compress::Zlib ();
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(strftime);

sub new {
    my ($class, %opt) = @_;
    my $self = bless {
        entity_id => $opt{entity_id} // 'https://idp.test.invalid/metadata',
        sso_url => $opt{sso_url} // 'https://idp.test.invalid/sso',
        keys_dir => $opt{keys_dir},
        key => $opt{key} // 'idp',
        dir => tempdir(CLEANUP => 1),
        counter => 0,
    }, $class;
    return $self;
}

sub entity_id { $_[0]{entity_id} }

sub cert_body {
    my ($self, $name) = @_;
    open my $fh, '<', "$self->{keys_dir}/$name.crt" or die "$name.crt: $!";
    local $/;
    my $pem = <$fh>;
    $pem =~ s/-----[A-Z ]+-----//g;
    $pem =~ s/\s+//g;
    return $pem;
}

sub write_metadata {
    my ($self, $path, @certs) = @_;
    @certs = ($self->{key}) unless @certs;
    my $keys = join '', map {
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            . $self->cert_body($_)
            . '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
    } @certs;
    open my $fh, '>', $path or die "$path: $!";
    print $fh qq{<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" }
        . qq{xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="$self->{entity_id}">}
        . qq{<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">}
        . $keys
        . qq{<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" }
        . qq{Location="$self->{sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>};
    close $fh;
}

# Reads the redirect an SP sent the browser to: the AuthnRequest and the RelayState.
sub read_redirect {
    my ($self, $location) = @_;
    my ($query) = $location =~ /\?(.*)$/ or return;
    my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => url_decode($v // '')) } split /&/, $query;
    # the HTTP-Redirect binding uses raw DEFLATE
    my ($inflater) = Compress::Zlib::inflateInit(-WindowBits => -15);
    my ($xml) = $inflater->inflate(decode_base64($q{SAMLRequest}));
    my ($id) = $xml =~ /\bID="([^"]+)"/;
    my ($acs) = $xml =~ /AssertionConsumerServiceURL="([^"]+)"/;
    my ($issuer) = $xml =~ /<saml:Issuer>([^<]+)</;
    return { id => $id, acs => $acs, issuer => $issuer, relay_state => $q{RelayState},
        xml => $xml, query => \%q };
}

sub url_decode {
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

# POSTs a SAMLResponse (and a RelayState, if defined) to the ACS as a browser form would.
sub post_acs {
    my ($saml_response, $relay_state) = @_;
    my $body = 'SAMLResponse=' . url_encode($saml_response);
    $body .= '&RelayState=' . url_encode($relay_state) if defined $relay_state;
    return Test::Nginx::SSO::http_request('POST', '/sso/saml/acs', body => $body,
        headers => ['Content-Type: application/x-www-form-urlencoded']);
}

sub url_encode {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }

# Replaces the Assertion by an EncryptedAssertion, with xmlsec1: the session key encrypted
# to the SP certificate with RSA-OAEP, the assertion with `$content` (aes128-gcm, aes128-cbc).
sub encrypt {
    my ($self, $xml, $content, $recipient) = @_;
    my %uri = ('aes128-gcm' => 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
        'aes128-cbc' => 'http://www.w3.org/2001/04/xmlenc#aes128-cbc');
    my $n = ++$self->{counter};
    my ($data, $template, $out) = map {"$self->{dir}/enc$n-$_.xml"} qw(data template out);
    open my $fh, '>', $data or die;
    print $fh $xml;
    close $fh;
    open $fh, '>', $template or die;
    print $fh qq{<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" }
        . qq{Type="http://www.w3.org/2001/04/xmlenc#Element">}
        . qq{<xenc:EncryptionMethod Algorithm="$uri{$content}"/>}
        . qq{<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>}
        . qq{<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>}
        . qq{<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey>}
        . qq{</ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>};
    close $fh;
    system('xmlsec1', '--encrypt', '--pubkey-cert-pem', "$self->{keys_dir}/$recipient.crt",
        '--session-key', 'aes-128', '--xml-data', $data,
        '--node-xpath', "//*[local-name()='Assertion']", '--output', $out, $template) == 0
        or die 'xmlsec1 --encrypt failed';
    open $fh, '<', $out or die;
    local $/;
    my $encrypted = <$fh>;
    close $fh;
    $encrypted =~ s{(<xenc:EncryptedData.*?</xenc:EncryptedData>)}
        {<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">$1</saml:EncryptedAssertion>}s
        or die 'no EncryptedData';
    return $encrypted;
}

# A signed Response (base64). Options: in_response_to, acs, audience, name_id, attributes
# (hashref of name => [values]), sign => assertion|response|none, key, issuer,
# not_on_or_after (seconds from now), doctype, encrypt (aes128-gcm|aes128-cbc) and
# encrypt_to (certificate stem), tamper (code ref on the final XML).
sub response {
    my ($self, %o) = @_;
    my $n = ++$self->{counter};
    my $now = time;
    my $rid = "_resp$n$$";
    my $aid = "_assert$n$$";
    my $issuer = $o{issuer} // $self->{entity_id};
    my $irt = defined $o{in_response_to} ? qq{ InResponseTo="$o{in_response_to}"} : '';
    my $acs = $o{acs};
    my $aud = $o{audience};
    my $nooa = iso($now + ($o{not_on_or_after} // 300));
    my $nb = iso($now - 60);
    my $name_id = $o{name_id} // 'new.hire@corp.example';
    my $sign = $o{sign} // 'assertion';
    my $attrs = '';
    for my $name (sort keys %{ $o{attributes} // {} }) {
        $attrs .= qq{<saml:Attribute Name="$name">}
            . join('', map {"<saml:AttributeValue>$_</saml:AttributeValue>"} @{ $o{attributes}{$name} })
            . '</saml:Attribute>';
    }
    $attrs = "<saml:AttributeStatement>$attrs</saml:AttributeStatement>" if $attrs;
    my $sig = sub {
        my ($id) = @_;
        return qq{<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>}
            . qq{<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>}
            . qq{<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>}
            . qq{<ds:Reference URI="#$id"><ds:Transforms>}
            . qq{<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>}
            . qq{<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>}
            . qq{<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>}
            . qq{<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>}
            . qq{<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>};
    };
    my $xml = ($o{doctype} ? qq{<!DOCTYPE r [<!ENTITY x "y">]>} : '')
        . qq{<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" }
        . qq{xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="$rid" Version="2.0" }
        . qq{IssueInstant="} . iso($now) . qq{" Destination="$acs"$irt>}
        . qq{<saml:Issuer>$issuer</saml:Issuer>}
        . ($sign eq 'response' ? $sig->($rid) : '')
        . qq{<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>}
        # the Assertion declares its own prefix, so that it can be encrypted on its own
        . qq{<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="$aid" }
        . qq{Version="2.0" IssueInstant="} . iso($now) . qq{">}
        . qq{<saml:Issuer>$issuer</saml:Issuer>}
        . ($sign eq 'assertion' ? $sig->($aid) : '')
        . qq{<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">$name_id</saml:NameID>}
        . qq{<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">}
        . qq{<saml:SubjectConfirmationData Recipient="$acs" NotOnOrAfter="$nooa"$irt/>}
        . qq{</saml:SubjectConfirmation></saml:Subject>}
        . qq{<saml:Conditions NotBefore="$nb" NotOnOrAfter="$nooa"><saml:AudienceRestriction>}
        . qq{<saml:Audience>$aud</saml:Audience></saml:AudienceRestriction></saml:Conditions>}
        . qq{<saml:AuthnStatement AuthnInstant="} . iso($now) . qq{" SessionIndex="_s$n">}
        . qq{<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>}
        . qq{</saml:AuthnStatement>$attrs</saml:Assertion></samlp:Response>};

    if ($sign ne 'none' && !$o{doctype}) {
        my $in = "$self->{dir}/in$n.xml";
        my $out = "$self->{dir}/out$n.xml";
        open my $fh, '>', $in or die;
        print $fh $xml;
        close $fh;
        my $key = $o{key} // $self->{key};
        my $node = $sign eq 'response' ? 'urn:oasis:names:tc:SAML:2.0:protocol:Response'
                                       : 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion';
        system('xmlsec1', '--sign', '--privkey-pem',
            "$self->{keys_dir}/$key.key,$self->{keys_dir}/$key.crt",
            '--id-attr:ID', $node, '--output', $out, $in) == 0 or die "xmlsec1 --sign failed";
        open $fh, '<', $out or die;
        local $/;
        $xml = <$fh>;
        close $fh;
    }
    $xml = $self->encrypt($xml, $o{encrypt}, $o{encrypt_to} // 'sp') if $o{encrypt};
    $xml = $o{tamper}->($xml) if $o{tamper};
    return encode_base64($xml, '');
}

1;
