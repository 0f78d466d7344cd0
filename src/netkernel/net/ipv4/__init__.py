"""IPv4 (net/ipv4/): only what the packet-socket and interface ioctls reach."""
