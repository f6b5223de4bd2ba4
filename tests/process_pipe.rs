//! `turnstile::process::pipe`: Python's `Pipe()` (`_test_multiprocessing`'s
//! `_TestConnection`: values of many types both ways, `poll`, `EOFError`
//! once the other end is closed, a closed end refusing to send), and the
//! clear errors a Rust user needs besides: a value too large, a frame that
//! is not the type asked for (the pipe stays usable), a peer gone in the
//! middle of a frame, no SIGPIPE.

turnstile::process_test_support!();

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::within;
use serde::{Deserialize, Serialize};
use turnstile::process::{Connection, MAX_FRAME, Process, RecvError, SendError, pipe};

const LIMIT: Duration = Duration::from_secs(30);

/// A child that is killed and reaped when the guard goes.
struct Reap(Process);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.is_alive() {
            let _ = self.0.kill();
        }
        let _ = self.0.join();
    }
}

fn start<A: Serialize + serde::de::DeserializeOwned + 'static>(entry: fn(A), arg: A) -> Reap {
    Reap(
        Process::builder()
            .daemon(true)
            .start(entry, arg)
            .expect("the child starts"),
    )
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Order {
    Soup { bowls: u8 },
    Bread(String),
    Nothing,
}

#[test]
fn values_of_many_types_round_trip_both_ways() {
    within(LIMIT, "values through a pipe", || {
        let (a, b) = pipe().unwrap();
        a.send(&7_u8).unwrap();
        a.send("text").unwrap();
        a.send(&vec![1_u64, u64::MAX]).unwrap();
        a.send(&Order::Soup { bowls: 3 }).unwrap();
        a.send(&(Order::Bread("rye".into()), Order::Nothing))
            .unwrap();
        a.send(&BTreeMap::from([("a", 1.5_f64), ("b", -2.0)]))
            .unwrap();
        a.send(&None::<i32>).unwrap();
        assert_eq!(b.recv::<u8>().unwrap(), 7);
        assert_eq!(b.recv::<String>().unwrap(), "text");
        assert_eq!(b.recv::<Vec<u64>>().unwrap(), [1, u64::MAX]);
        assert_eq!(b.recv::<Order>().unwrap(), Order::Soup { bowls: 3 });
        assert_eq!(
            b.recv::<(Order, Order)>().unwrap(),
            (Order::Bread("rye".into()), Order::Nothing)
        );
        assert_eq!(
            b.recv::<BTreeMap<String, f64>>().unwrap(),
            BTreeMap::from([("a".to_owned(), 1.5), ("b".to_owned(), -2.0)])
        );
        assert_eq!(b.recv::<Option<i32>>().unwrap(), None);
        // And the other way.
        b.send(&-5_i64).unwrap();
        assert_eq!(a.recv::<i64>().unwrap(), -5);
    });
}

/// Bytes that serde writes as one byte string (as `serde_bytes` does), not
/// as a sequence of numbers one by one: 64 MiB of those take half a minute
/// in a debug build.
#[derive(Debug, PartialEq)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
        }
        deserializer.deserialize_byte_buf(Visit)
    }
}

#[test]
fn a_value_near_the_limit_arrives_whole() {
    within(LIMIT, "64 MiB through a pipe", || {
        let (a, b) = pipe().unwrap();
        // A byte string encodes as a varint length (4 bytes here) and its
        // bytes: this frame is 4 bytes short of the limit.
        let mut big = vec![0_u8; MAX_FRAME - 8];
        big.iter_mut()
            .enumerate()
            .step_by(4093)
            .for_each(|(i, byte)| *byte = (i % 251) as u8);
        let big = Bytes(big);
        let sender = std::thread::spawn(move || a.send(&big).map(|()| (a, big)));
        let got: Bytes = b.recv().unwrap();
        let (_a, big) = sender.join().unwrap().unwrap();
        assert!(got == big, "the value came back different");
    });
}

#[test]
fn too_large_is_refused_on_both_sides() {
    within(LIMIT, "oversized frames", || {
        let (a, b) = pipe().unwrap();
        let huge = Bytes(vec![0_u8; MAX_FRAME + 1]);
        match a.send(&huge) {
            Err(SendError::TooLarge { len }) => assert!(len > MAX_FRAME),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // Nothing of it was written: the pipe still works.
        a.send(&1_u8).unwrap();
        assert_eq!(b.recv::<u8>().unwrap(), 1);
        // A writer that is not a Connection announces 4 GiB.
        let mut raw = UnixStream::from(a.as_fd().try_clone_to_owned().unwrap());
        raw.write_all(&u32::MAX.to_le_bytes()).unwrap();
        match b.recv::<Vec<u8>>() {
            Err(RecvError::TooLarge { len }) => assert_eq!(len, u32::MAX as usize),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // The stream is out of step after it: said, not guessed at.
        let error = b.recv::<u8>().unwrap_err();
        assert!(error.to_string().contains("out of step"), "{error}");
    });
}

#[test]
fn a_frame_of_the_wrong_type_is_a_decode_error_and_the_pipe_goes_on() {
    within(LIMIT, "a wrong-typed frame, then a right one", || {
        let (a, b) = pipe().unwrap();
        a.send(&7_u32).unwrap();
        a.send(&8_u32).unwrap();
        match b.recv::<(u64, String)>() {
            Err(RecvError::Decode(why)) => assert!(!why.is_empty()),
            other => panic!("expected Decode, got {other:?}"),
        }
        assert_eq!(b.recv::<u32>().unwrap(), 8, "the next frame is whole");
    });
}

#[test]
fn closed_after_the_other_end_is_dropped() {
    within(LIMIT, "EOF after the queued values", || {
        let (a, b) = pipe().unwrap();
        a.send(&1_u8).unwrap();
        a.send(&2_u8).unwrap();
        drop(a);
        assert!(b.poll(Duration::ZERO).unwrap(), "data and EOF are readable");
        assert_eq!(b.recv::<u8>().unwrap(), 1);
        assert_eq!(b.recv::<u8>().unwrap(), 2);
        assert!(matches!(b.recv::<u8>(), Err(RecvError::Closed)));
        assert!(matches!(b.recv::<u8>(), Err(RecvError::Closed)));
        assert!(matches!(b.send(&3_u8), Err(SendError::Closed)));
    });
}

#[test]
fn a_peer_gone_mid_frame_is_truncated() {
    within(LIMIT, "half a frame then EOF", || {
        let (a, b) = pipe().unwrap();
        let mut raw = UnixStream::from(a.as_fd().try_clone_to_owned().unwrap());
        raw.write_all(&10_u32.to_le_bytes()).unwrap();
        raw.write_all(b"abc").unwrap();
        drop(raw);
        drop(a);
        assert!(matches!(b.recv::<String>(), Err(RecvError::Truncated)));
    });
}

/// `recv` reads ahead whatever has arrived; `poll` and `recv_timeout` must
/// count what it read ahead, not only what the socket still holds.
#[test]
fn values_read_ahead_are_still_seen_by_poll() {
    within(LIMIT, "three small frames read in one go", || {
        let (a, b) = pipe().unwrap();
        for n in 1..=3_u8 {
            a.send(&n).unwrap();
        }
        assert_eq!(b.recv::<u8>().unwrap(), 1);
        assert!(
            b.poll(Duration::ZERO).unwrap(),
            "two values wait in the buffer"
        );
        assert_eq!(b.recv_timeout::<u8>(Duration::ZERO).unwrap(), 2);
        assert_eq!(b.recv::<u8>().unwrap(), 3);
        assert!(!b.poll(Duration::ZERO).unwrap());
    });
}

#[test]
fn recv_timeout_times_out_then_receives() {
    within(LIMIT, "recv_timeout on an empty pipe", || {
        let (a, b) = pipe().unwrap();
        let began = Instant::now();
        assert!(matches!(
            b.recv_timeout::<u8>(Duration::from_millis(100)),
            Err(RecvError::Timeout)
        ));
        let waited = began.elapsed();
        assert!(waited >= Duration::from_millis(100), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert!(!b.poll(Duration::from_millis(10)).unwrap());
        a.send(&9_u8).unwrap();
        assert_eq!(b.recv_timeout::<u8>(Duration::from_secs(5)).unwrap(), 9);
    });
}

#[test]
fn one_end_read_by_one_thread_and_written_by_another() {
    const N: u32 = 1000;
    within(LIMIT, "a shared end and an echoing peer", || {
        let (a, b) = pipe().unwrap();
        let echo = std::thread::spawn(move || {
            for _ in 0..N {
                let n: u32 = b.recv().unwrap();
                b.send(&n).unwrap();
            }
        });
        let a = Arc::new(a);
        let writer = {
            let a = Arc::clone(&a);
            std::thread::spawn(move || (0..N).for_each(|n| a.send(&n).unwrap()))
        };
        let reader = {
            let a = Arc::clone(&a);
            std::thread::spawn(move || (0..N).map(|_| a.recv::<u32>().unwrap()).collect())
        };
        writer.join().unwrap();
        let got: Vec<u32> = reader.join().unwrap();
        echo.join().unwrap();
        assert_eq!(got, (0..N).collect::<Vec<_>>());
    });
}

#[test]
fn two_senders_on_one_end_never_interleave_frames() {
    const N: usize = 300;
    within(LIMIT, "two senders and one reader", || {
        let (a, b) = pipe().unwrap();
        let a = Arc::new(a);
        let senders: Vec<_> = (0..2_u8)
            .map(|who| {
                let a = Arc::clone(&a);
                std::thread::spawn(move || {
                    for i in 0..N {
                        // Long enough that a frame takes several writes
                        // when the socket buffer is full.
                        let text = vec![b'a' + who; 1 + (i * 97) % 20_000];
                        a.send(&(who, i, text)).unwrap();
                    }
                })
            })
            .collect();
        let mut next = [0_usize; 2];
        for _ in 0..2 * N {
            let (who, i, text): (u8, usize, Vec<u8>) = b.recv().unwrap();
            assert_eq!(i, next[who as usize], "each sender's values in order");
            assert!(text.iter().all(|&c| c == b'a' + who), "a frame mixed");
            next[who as usize] += 1;
        }
        for sender in senders {
            sender.join().unwrap();
        }
    });
}

/// Doubles what it receives until the parent closes its end.
fn doubler(conn: Connection) {
    loop {
        match conn.recv::<u64>() {
            Ok(n) => conn.send(&(n * 2)).unwrap(),
            Err(RecvError::Closed) => return,
            Err(other) => panic!("{other}"),
        }
    }
}

#[test]
fn a_child_process_talks_through_a_pipe() {
    within(LIMIT, "a doubling child", || {
        let (here, there) = pipe().unwrap();
        let mut child = start(doubler, there);
        for n in [1_u64, 21, 1 << 40] {
            here.send(&n).unwrap();
            assert_eq!(here.recv::<u64>().unwrap(), n * 2);
        }
        drop(here);
        assert_eq!(child.0.join().unwrap(), 0, "the child saw the end");
    });
}

/// With SIGPIPE's default action back (Rust programs ignore it unless
/// told otherwise), waits for the parent to close, then sends: exit 0 only
/// if the send was refused with `Closed` instead of a signal.
fn sends_after_the_end(conn: Connection) {
    // SAFETY: restoring a default signal action in a one-thread child.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert!(matches!(conn.recv::<u8>(), Err(RecvError::Closed)));
    match conn.send(&1_u8) {
        Err(SendError::Closed) => {}
        other => panic!("expected Closed, got {other:?}"),
    }
}

#[test]
fn sending_to_a_closed_end_is_an_error_not_sigpipe() {
    within(LIMIT, "a child sending to a closed pipe", || {
        let (here, there) = pipe().unwrap();
        let mut child = start(sends_after_the_end, there);
        drop(here);
        assert_eq!(
            child.0.join().unwrap(),
            0,
            "-13 would be a SIGPIPE death, 1 a wrong error"
        );
    });
}

#[test]
fn a_connection_serialised_outside_a_start_is_refused() {
    let (a, b) = pipe().unwrap();
    match b.send(&a) {
        Err(SendError::Encode(why)) => {
            assert!(why.contains("only be handed to a child process"), "{why}")
        }
        other => panic!("expected Encode, got {other:?}"),
    }
}

#[path = "../examples/process_pipe.rs"]
#[allow(dead_code)]
mod pipe_lesson;

#[test]
fn the_pipe_lesson_greets_answers_and_hangs_up() {
    within(LIMIT, "examples/process_pipe.rs", || {
        let report = pipe_lesson::run(3).unwrap();
        assert_eq!(report.greeting, (42, None, "hello".to_owned()));
        assert_eq!(report.answers, [(1, 1), (2, 4), (3, 9)]);
        assert_eq!(report.exitcode, 0);
    });
}
