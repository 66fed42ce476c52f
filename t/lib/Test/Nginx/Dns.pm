# A small DNS server for the tests (UDP, A records only; any other type gets an empty answer,
# an unknown name NXDOMAIN), in a child process. Its zone is a file, read again for every
# query, so a test can change an answer while nginx runs:
#
#   my $dns = Test::Nginx::Dns->start("$dir/zone", 'redis.test' => ['127.0.0.1']);
#   ... "resolver 127.0.0.1:" . $dns->port . " valid=1s;" ...
#   $dns->set('redis.test' => ['127.0.0.2']);
#
# Answers carry a TTL of 1 second.
package Test::Nginx::Dns;
use strict;
use warnings;
use IO::Socket::INET;

sub start {
    my ($class, $file, %zone) = @_;
    my $self = bless { file => $file }, $class;
    $self->set(%zone);
    my $socket = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Proto => 'udp') or die "dns socket: $!";
    $self->{port} = $socket->sockport;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        serve($socket, $file);
        exit 0;
    }
    $self->{pid} = $pid;
    $self->{owner} = $$;    # not a forked child's copy
    return $self;
}

sub port { return $_[0]{port} }

# Replaces the whole zone: name => [IPv4 addresses]; atomically (the server never reads half).
sub set {
    my ($self, %zone) = @_;
    my $tmp = "$self->{file}.tmp";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh join(' ', lc $_, @{ $zone{$_} }), "\n" for sort keys %zone;
    close $fh or die "$tmp: $!";
    rename $tmp, $self->{file} or die "$self->{file}: $!";
    return;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid} && $self->{owner} == $$;
    local $?;    # not the test's exit status
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
    return;
}

sub DESTROY { $_[0]->stop }

sub read_zone {
    my ($file) = @_;
    my %zone;
    open my $fh, '<', $file or return \%zone;
    while (my $line = <$fh>) {
        my ($name, @addrs) = split ' ', $line;
        $zone{$name} = \@addrs if defined $name;
    }
    return \%zone;
}

sub serve {
    my ($socket, $file) = @_;
    while (1) {
        my $query;
        $socket->recv($query, 512) // next;
        next if length $query < 17;
        my ($id) = unpack 'n', $query;
        my ($pos, @labels) = (12);
        while ((my $len = ord substr($query, $pos, 1)) > 0) {
            push @labels, lc substr($query, $pos + 1, $len);
            $pos += $len + 1;
            last if $pos >= length $query;
        }
        my $question = substr($query, 12, $pos + 5 - 12);
        my ($qtype) = unpack 'n', substr($query, $pos + 1, 2);
        my $addrs = read_zone($file)->{ join '.', @labels };
        my @answers = $addrs && $qtype == 1 ? @$addrs : ();
        my $flags = $addrs ? 0x8180 : 0x8183;    # NOERROR / NXDOMAIN
        my $reply = pack('nnnnnn', $id, $flags, 1, scalar @answers, 0, 0) . $question;
        $reply .= pack('nnnNn', 0xc00c, 1, 1, 1, 4) . pack('C4', split /\./) for @answers;
        $socket->send($reply);
    }
}

1;
