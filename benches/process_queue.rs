//! Items per second from one process to another: `process::Queue` beside
//! a plain Unix-socket channel (a length and postcard per item, written
//! here) and Servo's `ipc-channel` (bincode over Unix sockets with its own
//! framing). Python's `multiprocessing.Queue` for scale is
//! `benches/python_process_queue.py`.
//!
//! `cargo bench --bench process_queue` (and under `taskset -c 0` for one
//! CPU). Real processes: `main` calls `process::init()` first, so the
//! consumers are this bench binary started again. Each contender's
//! consumer is started once, before its measurements; one measured
//! iteration is one item sent, and a batch ends with a marker that the
//! consumer answers, so the time covers every item being *received*, not
//! only sent. Groups: `process_queue_u64` (an 8-byte number) and
//! `process_queue_1k` (1 KiB of bytes). Results are in BENCHMARKS.md.

use std::hint::black_box;
use std::io::{BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use serde::{Deserialize, Serialize};
use turnstile::process::{Process, Queue};

#[derive(Serialize, Deserialize, Clone, Debug)]
enum Msg {
    Number(u64),
    Bytes(Vec<u8>),
    /// Answer with how many items came so far.
    Mark,
    Stop,
}

/// The item each group sends.
#[derive(Clone, Copy)]
enum Payload {
    U64,
    Kib,
}

impl Payload {
    fn msg(self, i: u64) -> Msg {
        match self {
            Self::U64 => Msg::Number(i),
            Self::Kib => Msg::Bytes(vec![i as u8; 1024]),
        }
    }
}

fn start<A: Serialize + serde::de::DeserializeOwned + 'static>(entry: fn(A), arg: A) -> Process {
    Process::builder()
        .daemon(true)
        .start(entry, arg)
        .expect("the consumer starts")
}

/// Counts one data item, keeping its value from being optimised away.
fn take<V>(count: &mut u64, value: V) {
    black_box(value);
    *count += 1;
}

// ---- turnstile::process::Queue ------------------------------------------

fn queue_consumer((items, replies): (Queue<Msg>, Queue<u64>)) {
    let mut count = 0;
    while let Ok(msg) = items.get() {
        match msg {
            Msg::Number(n) => take(&mut count, n),
            Msg::Bytes(b) => take(&mut count, b),
            Msg::Mark => replies.put(count).expect("the replies queue is open"),
            Msg::Stop => return,
        }
    }
}

// ---- a Unix socket: u32 length + postcard ------------------------------

fn write_frame(stream: &mut UnixStream, msg: &Msg, buffer: &mut Vec<u8>) {
    buffer.clear();
    buffer.extend_from_slice(&[0; 4]);
    let mut framed = postcard::to_extend(msg, std::mem::take(buffer)).expect("encodes");
    let len = (framed.len() - 4) as u32;
    framed[..4].copy_from_slice(&len.to_le_bytes());
    // One write per item, as a channel's send is.
    stream.write_all(&framed).expect("the consumer reads");
    *buffer = framed;
}

fn socket_consumer(path: String) {
    let stream = UnixStream::connect(&path).expect("the bench listens");
    let mut replies = stream.try_clone().expect("a second handle");
    let mut reader = BufReader::new(stream);
    let mut count = 0_u64;
    let mut buffer = Vec::new();
    loop {
        let mut len = [0; 4];
        if reader.read_exact(&mut len).is_err() {
            return;
        }
        buffer.resize(u32::from_le_bytes(len) as usize, 0);
        reader.read_exact(&mut buffer).expect("a whole frame");
        match postcard::from_bytes(&buffer).expect("decodes") {
            Msg::Number(n) => take(&mut count, n),
            Msg::Bytes(b) => take(&mut count, b),
            Msg::Mark => replies.write_all(&count.to_le_bytes()).expect("replies"),
            Msg::Stop => return,
        }
    }
}

// ---- ipc-channel --------------------------------------------------------

fn ipc_consumer(server: String) {
    let (items_tx, items_rx) = ipc::channel::<Msg>().expect("an ipc channel");
    let (replies_tx, replies_rx) = ipc::channel::<u64>().expect("an ipc channel");
    IpcSender::connect(server)
        .expect("the bench's one-shot server")
        .send((items_tx, replies_rx))
        .expect("the bench takes the ends");
    let mut count = 0;
    while let Ok(msg) = items_rx.recv() {
        match msg {
            Msg::Number(n) => take(&mut count, n),
            Msg::Bytes(b) => take(&mut count, b),
            Msg::Mark => replies_tx.send(count).expect("replies"),
            Msg::Stop => return,
        }
    }
}

type IpcEnds = (IpcSender<Msg>, IpcReceiver<u64>);

fn bench_payload(c: &mut Criterion, group_name: &str, payload: Payload) {
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));

    // turnstile
    let items = Queue::new(0).expect("a queue");
    let replies = Queue::new(0).expect("a queue");
    let mut child = start(queue_consumer, (items.clone(), replies.clone()));
    group.bench_function("turnstile::process::Queue", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for i in 0..iters {
                items.put(payload.msg(i)).expect("the queue is open");
            }
            items.put(Msg::Mark).expect("the queue is open");
            replies.get().expect("the consumer answers");
            began.elapsed()
        })
    });
    items.put(Msg::Stop).expect("the queue is open");
    child.join().expect("the consumer ends");

    // a Unix socket
    let path = std::env::temp_dir().join(format!("turnstile-bench-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).expect("a socket path");
    let mut child = start(socket_consumer, path.to_string_lossy().into_owned());
    let (mut stream, _) = listener.accept().expect("the consumer connects");
    let _ = std::fs::remove_file(&path);
    let mut buffer = Vec::new();
    group.bench_function("unix socket + postcard", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for i in 0..iters {
                write_frame(&mut stream, &payload.msg(i), &mut buffer);
            }
            write_frame(&mut stream, &Msg::Mark, &mut buffer);
            let mut count = [0; 8];
            stream.read_exact(&mut count).expect("the consumer answers");
            began.elapsed()
        })
    });
    write_frame(&mut stream, &Msg::Stop, &mut buffer);
    child.join().expect("the consumer ends");

    // ipc-channel
    let (server, name) = IpcOneShotServer::<IpcEnds>::new().expect("a one-shot server");
    let mut child = start(ipc_consumer, name);
    let (_, (items_tx, replies_rx)) = server.accept().expect("the consumer connects");
    group.bench_function("ipc-channel", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for i in 0..iters {
                items_tx.send(payload.msg(i)).expect("the consumer reads");
            }
            items_tx.send(Msg::Mark).expect("the consumer reads");
            replies_rx.recv().expect("the consumer answers");
            began.elapsed()
        })
    });
    items_tx.send(Msg::Stop).expect("the consumer reads");
    child.join().expect("the consumer ends");

    group.finish();
}

fn main() {
    // A consumer is this binary started again: it runs its entry here and
    // exits.
    turnstile::process::init();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_payload(&mut c, "process_queue_u64", Payload::U64);
    bench_payload(&mut c, "process_queue_1k", Payload::Kib);
    c.final_summary();
}
