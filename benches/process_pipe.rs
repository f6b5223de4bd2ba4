//! Pipes between processes: turnstile's `Connection` against a plain Unix
//! socket with hand-written framing (no serde at all: the floor) and
//! against `ipc-channel` (Servo's serde channel between processes).
//!
//! `cargo bench --bench process_pipe`. Each channel talks to a child
//! process started once per channel (with `turnstile::process::Process`,
//! which is also how the plain socket's end and ipc-channel's server name
//! reach the child). Groups:
//! - `pipe_round_trip`: the parent sends a `u64`, the child sends it back;
//!   one iteration is one round trip.
//! - `pipe_throughput_4k`: the parent sends 1,000 messages of 4 KiB, then
//!   asks how many arrived and waits for the answer; time per iteration
//!   divided by 1,000 is the cost per message.
//!
//! The turnstile and ipc-channel rows carry the same serde type (`Msg`,
//! its payload a `Vec<u8>` that serde walks byte by byte); the plain socket
//! copies the bytes as they are. Results are in BENCHMARKS.md.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use serde::{Deserialize, Serialize};
use turnstile::process::{Connection, Process, RecvError, pipe};

const BATCH: u64 = 1_000;
const PAYLOAD: usize = 4096;

/// What the parent and the child say to each other.
#[derive(Serialize, Deserialize)]
enum Msg {
    /// Send this number back.
    Ping(u64),
    /// Count this message.
    Data(Vec<u8>),
    /// Say how many `Data` came since the last `Flush`.
    Flush,
    /// The answer to `Flush` (or the echo of a `Ping`).
    Count(u64),
    /// ipc-channel only: where to send replies.
    Hello(IpcSender<Msg>),
}

/// What the child does with one message; `Some(reply)` to answer.
fn answer(msg: Msg, count: &mut u64) -> Option<Msg> {
    match msg {
        Msg::Ping(n) => Some(Msg::Count(n)),
        Msg::Data(_) => {
            *count += 1;
            None
        }
        Msg::Flush => Some(Msg::Count(std::mem::take(count))),
        Msg::Count(_) | Msg::Hello(_) => panic!("the child only answers"),
    }
}

/// The turnstile child: answers until the parent hangs up.
fn connection_child(conn: Connection) {
    let mut count = 0;
    loop {
        match conn.recv::<Msg>() {
            Ok(msg) => {
                if let Some(reply) = answer(msg, &mut count) {
                    conn.send(&reply).expect("the parent listens");
                }
            }
            Err(RecvError::Closed) => return,
            Err(other) => panic!("{other}"),
        }
    }
}

/// Plain framing: a 4-byte little-endian length, a tag byte, the payload.
fn write_frame(stream: &mut UnixStream, tag: u8, payload: &[u8]) {
    let len = (payload.len() + 1) as u32;
    let mut frame = Vec::with_capacity(5 + payload.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.push(tag);
    frame.extend_from_slice(payload);
    stream.write_all(&frame).expect("the peer listens");
}

/// Reads one frame into `buf`; its tag, or `None` at the end.
fn read_frame(stream: &mut UnixStream, buf: &mut Vec<u8>) -> Option<u8> {
    let mut header = [0_u8; 4];
    stream.read_exact(&mut header).ok()?;
    let len = u32::from_le_bytes(header) as usize;
    buf.resize(len, 0);
    stream.read_exact(buf).expect("a whole frame");
    Some(buf[0])
}

const PING: u8 = 0;
const DATA: u8 = 1;
const FLUSH: u8 = 2;

/// The plain child: the same protocol in hand-written frames.
fn plain_child(conn: Connection) {
    let mut stream = UnixStream::from(conn.as_fd().try_clone_to_owned().expect("a dup"));
    drop(conn);
    let mut buf = Vec::new();
    let mut count = 0_u64;
    while let Some(tag) = read_frame(&mut stream, &mut buf) {
        match tag {
            PING => {
                let echo = buf[1..9].to_vec();
                write_frame(&mut stream, PING, &echo);
            }
            DATA => count += 1,
            FLUSH => write_frame(
                &mut stream,
                FLUSH,
                &std::mem::take(&mut count).to_le_bytes(),
            ),
            other => panic!("unknown tag {other}"),
        }
    }
}

/// The ipc-channel child: connects to the parent's one-shot server, hands
/// it a sender, then answers on the sender the parent hands back.
fn ipc_child(server: String) {
    let (to_child, from_parent) = ipc::channel::<Msg>().expect("a channel");
    IpcSender::<IpcSender<Msg>>::connect(server)
        .expect("the parent's server")
        .send(to_child)
        .expect("the parent listens");
    let Ok(Msg::Hello(reply)) = from_parent.recv() else {
        panic!("the parent says hello first")
    };
    let mut count = 0;
    while let Ok(msg) = from_parent.recv() {
        if let Some(answer) = answer(msg, &mut count) {
            reply.send(answer).expect("the parent listens");
        }
    }
}

/// One side of a channel to a child, as the parent uses it.
trait Link {
    fn ping(&mut self, n: u64) -> u64;
    fn batch(&mut self, payload: &[u8]) -> u64;
}

impl Link for Connection {
    fn ping(&mut self, n: u64) -> u64 {
        self.send(&Msg::Ping(n)).unwrap();
        match self.recv().unwrap() {
            Msg::Count(n) => n,
            _ => panic!("an echo"),
        }
    }
    fn batch(&mut self, payload: &[u8]) -> u64 {
        for _ in 0..BATCH {
            self.send(&Msg::Data(payload.to_vec())).unwrap();
        }
        self.send(&Msg::Flush).unwrap();
        match self.recv().unwrap() {
            Msg::Count(n) => n,
            _ => panic!("a count"),
        }
    }
}

impl Link for UnixStream {
    fn ping(&mut self, n: u64) -> u64 {
        write_frame(self, PING, &n.to_le_bytes());
        let mut buf = Vec::new();
        read_frame(self, &mut buf).unwrap();
        u64::from_le_bytes(buf[1..9].try_into().unwrap())
    }
    fn batch(&mut self, payload: &[u8]) -> u64 {
        for _ in 0..BATCH {
            write_frame(self, DATA, payload);
        }
        write_frame(self, FLUSH, &[]);
        let mut buf = Vec::new();
        read_frame(self, &mut buf).unwrap();
        u64::from_le_bytes(buf[1..9].try_into().unwrap())
    }
}

struct Ipc {
    to_child: IpcSender<Msg>,
    from_child: IpcReceiver<Msg>,
}

impl Link for Ipc {
    fn ping(&mut self, n: u64) -> u64 {
        self.to_child.send(Msg::Ping(n)).unwrap();
        match self.from_child.recv().unwrap() {
            Msg::Count(n) => n,
            _ => panic!("an echo"),
        }
    }
    fn batch(&mut self, payload: &[u8]) -> u64 {
        for _ in 0..BATCH {
            self.to_child.send(Msg::Data(payload.to_vec())).unwrap();
        }
        self.to_child.send(Msg::Flush).unwrap();
        match self.from_child.recv().unwrap() {
            Msg::Count(n) => n,
            _ => panic!("a count"),
        }
    }
}

/// A channel's parent side and its child, started.
fn start(kind: &str) -> (Box<dyn Link>, Process) {
    match kind {
        "turnstile" => {
            let (here, there) = pipe().unwrap();
            let child = Process::builder()
                .daemon(true)
                .start(connection_child, there)
                .unwrap();
            (Box::new(here), child)
        }
        "unix_socket" => {
            let (here, there) = pipe().unwrap();
            let child = Process::builder()
                .daemon(true)
                .start(plain_child, there)
                .unwrap();
            let stream = UnixStream::from(here.as_fd().try_clone_to_owned().unwrap());
            (Box::new(stream), child)
        }
        "ipc_channel" => {
            let (server, name) = IpcOneShotServer::<IpcSender<Msg>>::new().unwrap();
            let child = Process::builder()
                .daemon(true)
                .start(ipc_child, name)
                .unwrap();
            let (_, to_child) = server.accept().unwrap();
            let (reply, from_child) = ipc::channel().unwrap();
            to_child.send(Msg::Hello(reply)).unwrap();
            (
                Box::new(Ipc {
                    to_child,
                    from_child,
                }),
                child,
            )
        }
        other => unreachable!("{other}"),
    }
}

const KINDS: [&str; 3] = ["turnstile", "unix_socket", "ipc_channel"];

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipe_round_trip");
    for kind in KINDS {
        let (mut link, mut child) = start(kind);
        let mut n = 0;
        group.bench_function(kind, |b| {
            b.iter(|| {
                n += 1;
                assert_eq!(link.ping(n), n);
            })
        });
        drop(link);
        assert_eq!(child.join().unwrap(), 0, "{kind}'s child ended cleanly");
    }
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipe_throughput_4k");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(20);
    let payload = vec![7_u8; PAYLOAD];
    for kind in KINDS {
        let (mut link, mut child) = start(kind);
        group.bench_function(kind, |b| b.iter(|| assert_eq!(link.batch(&payload), BATCH)));
        drop(link);
        assert_eq!(child.join().unwrap(), 0, "{kind}'s child ended cleanly");
    }
    group.finish();
}

fn main() {
    // A child of this bench runs its entry here and exits.
    turnstile::process::init();
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3));
    round_trip(&mut c);
    throughput(&mut c);
    c.final_summary();
}
