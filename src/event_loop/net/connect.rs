//! The one socket call std cannot make without blocking: `connect`. std's
//! `TcpStream::connect` waits for the handshake; a loop cannot. So this
//! file makes the socket itself, non-blocking from birth, and starts the
//! handshake, which the kernel then finishes on its own: the socket
//! becomes writable when it is done (Python's `sock.setblocking(False);
//! sock.connect_ex(addr)`, which returns `EINPROGRESS`).

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};

/// A socket connecting to `address`, and whether the handshake is still
/// under way (`false`: already connected, as loopback sometimes is).
pub(super) fn start(address: &SocketAddr) -> io::Result<(TcpStream, bool)> {
    let family = match address {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes no pointer; any arguments are safe to pass.
    let fd = unsafe { libc::socket(family, kind, 0) };
    if fd == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY:
    // - `fd` was just returned by a successful `socket`, so it is open;
    // - nothing else owns it. From here it is closed on every return.
    let socket = TcpStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
    let (storage, length) = raw_address(address);
    // SAFETY:
    // - `fd` is an open socket (owned by `socket`);
    // - `storage` holds a valid sockaddr_in or sockaddr_in6 of `length`
    //   bytes, alive for the call.
    let returned = unsafe { libc::connect(fd, (&raw const storage).cast(), length) };
    if returned == 0 {
        return Ok((socket, false));
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        // EINTR: the handshake goes on regardless, as with EINPROGRESS.
        Some(libc::EINPROGRESS | libc::EINTR) => Ok((socket, true)),
        _ => Err(error),
    }
}

/// `address` as the C structure `connect` reads, and its length.
fn raw_address(address: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain integers and arrays, for which all
    // zeroes is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let length = match address {
        SocketAddr::V4(v4) => {
            // SAFETY: as above, for sockaddr_in.
            let mut raw: libc::sockaddr_in = unsafe { core::mem::zeroed() };
            raw.sin_family = libc::AF_INET as libc::sa_family_t;
            raw.sin_port = v4.port().to_be();
            // The octets are in network order already: keep their bytes.
            raw.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
            // SAFETY: sockaddr_storage is large and aligned enough for any
            // socket address (that is its purpose), and `storage` is ours.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(raw) };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above, for sockaddr_in6.
            let mut raw: libc::sockaddr_in6 = unsafe { core::mem::zeroed() };
            raw.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            raw.sin6_port = v6.port().to_be();
            raw.sin6_flowinfo = v6.flowinfo();
            raw.sin6_addr.s6_addr = v6.ip().octets();
            raw.sin6_scope_id = v6.scope_id();
            // SAFETY: as for sockaddr_in above.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(raw) };
            size_of::<libc::sockaddr_in6>()
        }
    };
    // Both sizes are a few dozen bytes: they fit.
    (storage, length as libc::socklen_t)
}

#[cfg(test)]
mod tests {
    use super::super::super::super::facade::run_test;
    use super::*;
    use std::net::TcpListener;

    #[test]
    #[cfg_attr(miri, ignore = "sockets: Miri has no network")]
    fn a_connect_to_a_listener_reaches_it_for_v4_and_v6() {
        run_test(a_connect_to_a_listener_reaches_it_for_v4_and_v6_body);
    }

    fn a_connect_to_a_listener_reaches_it_for_v4_and_v6_body() {
        for local in ["127.0.0.1:0", "[::1]:0"] {
            let Ok(listener) = TcpListener::bind(local) else {
                continue; // no IPv6 on this host
            };
            let address = listener.local_addr().unwrap();
            let (socket, _) = start(&address).unwrap();
            socket.set_nonblocking(false).unwrap();
            let (_, from) = listener.accept().unwrap();
            assert_eq!(socket.peer_addr().unwrap(), address);
            assert_eq!(socket.local_addr().unwrap(), from);
        }
    }
}
