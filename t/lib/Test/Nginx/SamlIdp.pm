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
        # SingleLogoutService endpoints in the metadata (none unless given)
        slo_redirect => $opt{slo_redirect},
        slo_post => $opt{slo_post},
        # the SingleSignOnService's binding: 'redirect' (HTTP-Redirect) or 'post' (HTTP-POST)
        sso_binding => $opt{sso_binding} // 'redirect',
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
        . ($self->{slo_redirect} ? qq{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="$self->{slo_redirect}"/>} : '')
        . ($self->{slo_post} ? qq{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="$self->{slo_post}"/>} : '')
        . qq{<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:}
        . ($self->{sso_binding} eq 'post' ? 'HTTP-POST' : 'HTTP-Redirect') . qq{" }
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

# An enveloped-signature template for xmlsec1 --sign, over the element with ID `$id`.
sub signature_template {
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
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

sub spew {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

# A Single Logout message from this IdP: a LogoutRequest, or with `response` a LogoutResponse.
# binding => 'redirect' (default): returns { query => ..., id => ... }, the query signed with
# `openssl dgst` (sign => 'none' leaves SigAlg and Signature out; sha1 => 1 signs RSA-SHA1).
# binding => 'post': returns { form => ..., id => ... }, the XML signed with xmlsec1.
# binding => 'soap': returns { soap => ..., id => ... }, a SOAP 1.1 envelope (`header`: its
# Header's content, if any) whose LogoutRequest xmlsec1 signed in place.
# Knobs: destination (required), issuer, key, id, name_id (undef: none), session_indexes,
# issue_offset (s), in_response_to, status, relay_state, tamper (on the XML), doctype.
sub logout_message {
    my ($self, %o) = @_;
    my $n = ++$self->{counter};
    my $id = $o{id} // "_lo$n$$";
    my $issuer = $o{issuer} // $self->{entity_id};
    my $kind = $o{response} ? 'LogoutResponse' : 'LogoutRequest';
    my $binding = $o{binding} // 'redirect';
    my $sign = $o{sign} // 'yes';
    my $key = $o{key} // $self->{key};
    my $irt = defined $o{in_response_to} ? qq{ InResponseTo="$o{in_response_to}"} : '';
    my $content;
    if ($o{response}) {
        my $status = $o{status} // 'urn:oasis:names:tc:SAML:2.0:status:Success';
        $content = qq{<samlp:Status><samlp:StatusCode Value="$status"/></samlp:Status>};
    } else {
        $content = exists $o{name_id} && !defined $o{name_id} ? ''
            : qq{<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">}
              . ($o{name_id} // 'new.hire@corp.example') . '</saml:NameID>';
        $content .= "<samlp:SessionIndex>$_</samlp:SessionIndex>" for @{ $o{session_indexes} // [] };
    }
    my $xml = ($o{doctype} ? qq{<!DOCTYPE r [<!ENTITY x "y">]>} : '')
        . qq{<samlp:$kind xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" }
        . qq{xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="$id" Version="2.0" }
        . qq{IssueInstant="} . iso(time + ($o{issue_offset} // 0)) . qq{" Destination="$o{destination}"$irt>}
        . qq{<saml:Issuer>$issuer</saml:Issuer>}
        . ($binding ne 'redirect' && $sign ne 'none' ? signature_template($id) : '')
        . $content . "</samlp:$kind>";
    if ($binding eq 'soap') {
        my ($doctype, $message) = $xml =~ /^(<!DOCTYPE[^\]]*\]>)?(.*)$/s;
        $xml = ($doctype // '')
            . qq{<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/">}
            . (defined $o{header} ? "<soap11:Header>$o{header}</soap11:Header>" : '')
            . "<soap11:Body>$message</soap11:Body></soap11:Envelope>";
    }
    if ($binding ne 'redirect' && $sign ne 'none' && !$o{doctype}) {
        spew("$self->{dir}/lo$n.xml", $xml);
        system('xmlsec1', '--sign', '--privkey-pem',
            "$self->{keys_dir}/$key.key,$self->{keys_dir}/$key.crt",
            '--id-attr:ID', "urn:oasis:names:tc:SAML:2.0:protocol:$kind",
            '--output', "$self->{dir}/lo$n.signed.xml", "$self->{dir}/lo$n.xml") == 0
            or die "xmlsec1 --sign failed";
        $xml = slurp("$self->{dir}/lo$n.signed.xml");
    }
    $xml = $o{tamper}->($xml) if $o{tamper};
    return { id => $id, soap => $xml } if $binding eq 'soap';
    my $param = $o{response} ? 'SAMLResponse' : 'SAMLRequest';
    my $relay = defined $o{relay_state} ? '&RelayState=' . url_encode($o{relay_state}) : '';
    if ($binding eq 'post') {
        return { id => $id, form => "$param=" . url_encode(encode_base64($xml, '')) . $relay };
    }
    my ($deflater) = Compress::Zlib::deflateInit(-WindowBits => -15);
    my ($deflated) = $deflater->deflate($xml);
    my ($rest) = $deflater->flush();
    my $query = "$param=" . url_encode(encode_base64($deflated . $rest, '')) . $relay;
    return { id => $id, query => $query } if $sign eq 'none';
    my ($digest, $alg) = $o{sha1} ? ('-sha1', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1')
                                  : ('-sha256', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    $query .= '&SigAlg=' . url_encode($alg);
    spew("$self->{dir}/q$n", $query);
    system('openssl', 'dgst', $digest, '-sign', "$self->{keys_dir}/$key.key",
        '-out', "$self->{dir}/q$n.sig", "$self->{dir}/q$n") == 0 or die 'openssl dgst -sign failed';
    $query .= '&Signature=' . url_encode(encode_base64(slurp("$self->{dir}/q$n.sig"), ''));
    return { id => $id, query => $query };
}

# What the SP sent the browser to the IdP with (its SingleLogoutService, or an AuthnRequest
# to its SingleSignOnService), over HTTP-Redirect
# (`location`) or HTTP-POST (`form_page`, its auto-posting page): the URL, the parameter, the
# XML, the RelayState, and whether the SP's signature verifies with `$sp_cert` (openssl for
# the query's signature, xmlsec1 for the XML's).
sub read_sp_message {
    my ($self, %o) = @_;
    my %m;
    if (defined $o{location}) {
        my ($url, $query) = $o{location} =~ /^([^?]*)\?(.*)$/ or return;
        my (%raw, @order);
        for my $pair (split /&/, $query) {
            my ($k, $v) = split /=/, $pair, 2;
            $raw{$k} = $v // '';
            push @order, $k;
        }
        $m{url} = $url;
        ($m{param}) = grep { exists $raw{$_} } qw(SAMLRequest SAMLResponse);
        my ($inflater) = Compress::Zlib::inflateInit(-WindowBits => -15);
        ($m{xml}) = $inflater->inflate(decode_base64(url_decode($raw{ $m{param} })));
        $m{relay_state} = exists $raw{RelayState} ? url_decode($raw{RelayState}) : undef;
        my $signed = join '&', map {"$_=$raw{$_}"} grep { $_ ne 'Signature' } @order;
        my $n = ++$self->{counter};
        spew("$self->{dir}/v$n", $signed);
        spew("$self->{dir}/v$n.sig", decode_base64(url_decode($raw{Signature} // '')));
        system("openssl x509 -pubkey -noout -in '$o{sp_cert}' > '$self->{dir}/v$n.pub'") == 0 or die;
        $m{sig_alg} = url_decode($raw{SigAlg} // '');
        $m{signature_ok} = exists $raw{Signature} && system("openssl dgst -sha256 -verify "
            . "'$self->{dir}/v$n.pub' -signature '$self->{dir}/v$n.sig' '$self->{dir}/v$n' >/dev/null 2>&1") == 0;
    } else {
        my $page = $o{form_page};
        ($m{url}) = $page =~ /<form[^>]+action="([^"]+)"/;
        ($m{param}, my $value) = $page =~ /name="(SAMLRequest|SAMLResponse)" value="([^"]+)"/;
        my ($relay) = $page =~ /name="RelayState" value="([^"]*)"/;
        $m{relay_state} = $relay;
        $m{xml} = decode_base64($value // '');
        my $n = ++$self->{counter};
        spew("$self->{dir}/v$n.xml", $m{xml});
        my ($kind) = $m{xml} =~ /^(?:<\?xml[^>]*>\s*)?<samlp:(\w+)/;
        $kind //= 'none';
        $m{signature_ok} = system("xmlsec1 --verify --pubkey-cert-pem '$o{sp_cert}' "
            . "--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:$kind '$self->{dir}/v$n.xml' >/dev/null 2>&1") == 0;
    }
    ($m{id}) = $m{xml} =~ /\bID="([^"]+)"/;
    ($m{in_response_to}) = $m{xml} =~ /InResponseTo="([^"]+)"/;
    ($m{destination}) = $m{xml} =~ /Destination="([^"]+)"/;
    ($m{status}) = $m{xml} =~ /StatusCode Value="([^"]+)"/;
    ($m{name_id}) = $m{xml} =~ /<saml:NameID[^>]*>([^<]+)</;
    ($m{name_id_format}) = $m{xml} =~ /<saml:NameID[^>]*Format="([^"]+)"/;
    $m{session_indexes} = [ $m{xml} =~ /<samlp:SessionIndex>([^<]+)</g ];
    return \%m;
}

# The SP's answer to a SOAP LogoutRequest: whether it is well-formed XML (xmllint), the
# LogoutResponse's fields, whether its signature verifies with `$sp_cert` (xmlsec1, in place),
# or the Fault's code and string.
sub read_soap_answer {
    my ($self, $body, $sp_cert) = @_;
    my $n = ++$self->{counter};
    spew("$self->{dir}/soap$n.xml", $body);
    my %m;
    $m{well_formed} = system("xmllint --noout --nonet '$self->{dir}/soap$n.xml' >/dev/null 2>&1") == 0;
    $m{envelope} = $body =~ m{^(?:<\?xml[^>]*>\s*)?<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>}
        ? 1 : 0;
    ($m{fault_code}) = $body =~ m{<faultcode>([^<]+)</faultcode>};
    ($m{fault_string}) = $body =~ m{<faultstring>([^<]+)</faultstring>};
    if ($body =~ /<samlp:LogoutResponse/) {
        $m{signature_ok} = system("xmlsec1 --verify --pubkey-cert-pem '$sp_cert' --id-attr:ID "
            . "urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse '$self->{dir}/soap$n.xml' >/dev/null 2>&1") == 0;
        ($m{in_response_to}) = $body =~ /InResponseTo="([^"]+)"/;
        ($m{destination}) = $body =~ /Destination="([^"]+)"/;
        ($m{status}) = $body =~ /StatusCode Value="([^"]+)"/;
        ($m{issuer}) = $body =~ m{<saml:Issuer>([^<]+)</saml:Issuer>};
    }
    return \%m;
}

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
    my $sig = \&signature_template;
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
