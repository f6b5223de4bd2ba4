//! `turnstile::process::{Queue, JoinableQueue, SimpleQueue}`: the
//! behaviour a `multiprocessing` user relies on (CPython's
//! `_test_multiprocessing.py`, `_TestQueue`, restated), the errors only a
//! byte ring adds, and what a holder that dies mid-operation leaves.
//!
//! Threads stand in for processes in most tests: the queue is the same
//! shared region either way, and a thread that exits holding the queue's
//! lock is reported by the kernel exactly as a killed process is (both
//! walk the robust list). The tests with real processes are at the end.

#![cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]

turnstile::process_test_support!();

mod common;

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{PATIENCE, assert_timeout, short_wait, wait_until, within};
use serde::{Deserialize, Serialize};
use turnstile::TaskDoneError;
use turnstile::Timeout;
use turnstile::process::{
    DieAt, GetError, GetTimeoutError, JoinableQueue, Process, PutError, PutTimeoutError, Queue,
    Shared, SimpleQueue, TryGetError, TryPutError,
};

const SHORT: Duration = Duration::from_millis(50);

#[test]
fn items_come_out_in_order_with_their_values() {
    within(PATIENCE, "a one-thread queue", || {
        let queue = Queue::new(0).unwrap();
        let items: Vec<(u32, String)> = (0..100).map(|i| (i, "x".repeat(i as usize))).collect();
        for item in &items {
            queue.put(item.clone()).unwrap();
        }
        assert_eq!(queue.qsize(), 100);
        assert!(!queue.empty());
        assert!(!queue.full(), "maxsize 0 is never full by count");
        let out: Vec<(u32, String)> = (0..100).map(|_| queue.get().unwrap()).collect();
        assert_eq!(out, items);
        assert!(queue.empty());
        assert_eq!(queue.used_bytes(), 0);
    });
}

#[test]
fn maxsize_limits_items_and_try_put_hands_the_item_back() {
    within(PATIENCE, "a bounded queue", || {
        let queue = Queue::new(2).unwrap();
        queue.try_put(1).unwrap();
        queue.put(2).unwrap();
        assert!(queue.full());
        assert_eq!(queue.try_put(3), Err(TryPutError::Full(3)));
        assert_eq!(queue.try_get(), Ok(1));
        assert!(!queue.full());
        assert_eq!(queue.try_put(3), Ok(()));
        assert_eq!(queue.get(), Ok(2));
        assert_eq!(queue.get(), Ok(3));
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    });
}

#[test]
fn a_full_put_waits_until_a_get_makes_room() {
    within(PATIENCE, "a put blocked on a full queue", || {
        let queue = Queue::new(1).unwrap();
        queue.put(1_u8).unwrap();
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || queue.put(2))
        };
        short_wait();
        assert!(
            !putter.is_finished(),
            "put returned while the queue was full"
        );
        assert_eq!(queue.get(), Ok(1));
        putter.join().unwrap().unwrap();
        assert_eq!(queue.get(), Ok(2));
    });
}

#[test]
fn the_ring_bytes_bound_a_queue_with_no_item_limit() {
    within(PATIENCE, "a queue full by bytes", || {
        // Each u8 item takes 4 + 1 bytes: 4 fit in 20.
        let queue = Queue::with_capacity(0, 20).unwrap();
        for i in 0..4_u8 {
            queue.try_put(i).unwrap();
        }
        assert_eq!(queue.used_bytes(), 20);
        assert!(!queue.full(), "full() is about maxsize only");
        assert_eq!(queue.try_put(9), Err(TryPutError::Full(9)));
        assert_eq!(
            queue.put_timeout(9, SHORT),
            Err(PutTimeoutError::Timeout(9))
        );
        assert_eq!(queue.get(), Ok(0));
        queue.try_put(4).unwrap();
        assert_eq!(
            (1..5).map(|_| queue.get().unwrap()).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
    });
}

#[test]
fn items_of_every_size_wrap_around_a_small_ring_intact() {
    within(PATIENCE, "wrapping a 61-byte ring", || {
        // 61 is prime: lengths and items straddle the ring's end at every
        // offset over the run.
        let queue = Queue::with_capacity(0, 61).unwrap();
        let mut expected = std::collections::VecDeque::new();
        for round in 0..2000_usize {
            let item: Vec<u8> = (0..(round * 7) % 40).map(|i| (i + round) as u8).collect();
            while queue.try_put(item.clone()).is_err() {
                assert_eq!(queue.get().unwrap(), expected.pop_front().unwrap());
            }
            expected.push_back(item);
        }
        while let Some(item) = expected.pop_front() {
            assert_eq!(queue.get().unwrap(), item);
        }
        assert_eq!((queue.qsize(), queue.used_bytes()), (0, 0));
    });
}

#[test]
fn an_item_larger_than_the_ring_is_refused_not_waited_for() {
    within(PATIENCE, "a put of an item too large for the ring", || {
        let queue = Queue::with_capacity(0, 64).unwrap();
        // A Vec<u8> of 59 is 1 byte of length (varint) + 59: with the 4-byte
        // frame, exactly 64.
        let fits = vec![7_u8; 59];
        queue.put(fits.clone()).unwrap();
        assert_eq!(queue.used_bytes(), 64);
        assert_eq!(queue.get().unwrap(), fits);
        let big = vec![7_u8; 60];
        match queue.put(big.clone()) {
            Err(PutError::TooLarge(back)) => assert_eq!(back, big),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        let error = queue.try_put(big.clone()).unwrap_err();
        assert!(matches!(error, TryPutError::TooLarge(_)));
        assert!(error.to_string().contains("larger than"), "{error}");
        assert!(matches!(
            queue.put_timeout(big, Duration::MAX),
            Err(PutTimeoutError::TooLarge(_))
        ));
        assert!(queue.empty());
    });
}

/// Written with every variant; read back, `Later` is not known.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Message {
    Known(u32),
    #[serde(skip_deserializing)]
    Later(u32),
}

#[test]
fn an_item_that_does_not_decode_is_a_clear_error_and_the_queue_goes_on() {
    within(PATIENCE, "decoding errors", || {
        let queue = Queue::new(0).unwrap();
        queue.put(Message::Known(1)).unwrap();
        queue.put(Message::Later(2)).unwrap();
        queue.put(Message::Known(3)).unwrap();
        queue.put(Message::Later(4)).unwrap();
        queue.put(Message::Later(5)).unwrap();
        assert_eq!(queue.get(), Ok(Message::Known(1)));
        let error = queue.get().unwrap_err();
        assert!(matches!(error, GetError::Decode(_)), "{error:?}");
        assert!(error.to_string().contains("not the type"), "{error}");
        assert_eq!(queue.get(), Ok(Message::Known(3)));
        assert!(matches!(queue.try_get(), Err(TryGetError::Decode(_))));
        assert!(matches!(
            queue.get_timeout(SHORT),
            Err(GetTimeoutError::Decode(_))
        ));
        assert!(queue.empty(), "a bad item is consumed");
        queue.put(Message::Known(6)).unwrap();
        assert_eq!(queue.get(), Ok(Message::Known(6)));
    });
}

/// Written as two bytes, read as one: postcard alone would stop after
/// the first; the queue insists every byte is used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "u8", into = "(u8, u8)")]
struct Lopsided(u8);

impl From<u8> for Lopsided {
    fn from(byte: u8) -> Self {
        Self(byte)
    }
}

impl From<Lopsided> for (u8, u8) {
    fn from(value: Lopsided) -> Self {
        (value.0, value.0)
    }
}

#[test]
fn leftover_bytes_are_a_decode_error_too() {
    within(PATIENCE, "a longer item read as a shorter type", || {
        let queue = Queue::new(0).unwrap();
        queue.put(Lopsided(3)).unwrap();
        let error = queue.get().unwrap_err();
        assert!(
            matches!(&error, GetError::Decode(why) if why.contains("left over")),
            "{error:?}"
        );
        assert!(queue.empty());
    });
}

/// A value whose `Serialize` or `Deserialize` panics on demand: the user's
/// code running inside our calls.
#[derive(Debug, PartialEq)]
struct Touchy(u8);

impl Serialize for Touchy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        assert_ne!(self.0, 0, "Serialize panics on 0");
        serializer.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for Touchy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let byte = u8::deserialize(deserializer)?;
        assert_ne!(byte, 13, "Deserialize panics on 13");
        Ok(Self(byte))
    }
}

#[test]
fn a_panicking_serialize_or_deserialize_leaves_the_queue_whole() {
    within(PATIENCE, "a queue after panics in user serde code", || {
        let queue = Queue::new(0).unwrap();
        queue.put(Touchy(1)).unwrap();
        let panicked = std::panic::catch_unwind(|| queue.put(Touchy(0)));
        assert!(panicked.is_err());
        queue.put(Touchy(13)).unwrap();
        queue.put(Touchy(2)).unwrap();
        assert_eq!(queue.qsize(), 3, "the panicking put added nothing");
        assert_eq!(queue.get(), Ok(Touchy(1)));
        let panicked = std::panic::catch_unwind(|| queue.get());
        assert!(panicked.is_err(), "the panic reaches the caller");
        // The lock was not held during the panic: the queue goes on, and
        // nothing was taken for a dead holder.
        assert_eq!(queue.get(), Ok(Touchy(2)));
        assert!(queue.empty());
        assert_eq!(queue.dead_holders(), 0);
    });
}

#[test]
fn close_refuses_puts_drains_gets_then_says_closed() {
    within(PATIENCE, "a closed queue", || {
        let queue = Queue::<String>::new(0).unwrap();
        let c = || "c".to_string();
        queue.put("a".into()).unwrap();
        queue.put("b".into()).unwrap();
        queue.close();
        queue.close();
        assert!(queue.is_closed());
        assert_eq!(queue.put(c()), Err(PutError::Closed(c())));
        assert_eq!(queue.try_put(c()), Err(TryPutError::Closed(c())));
        assert_eq!(
            queue.put_timeout(c(), SHORT),
            Err(PutTimeoutError::Closed(c()))
        );
        assert_eq!(queue.get(), Ok("a".to_string()));
        assert_eq!(queue.try_get(), Ok("b".to_string()));
        assert_eq!(queue.get(), Err(GetError::Closed));
        assert_eq!(queue.try_get(), Err(TryGetError::Closed));
        assert_eq!(queue.get_timeout(SHORT), Err(GetTimeoutError::Closed));
    });
}

#[test]
fn close_wakes_a_blocked_get_and_a_blocked_put() {
    within(PATIENCE, "waiters woken by close", || {
        let empty = Queue::<u8>::new(0).unwrap();
        let full = Queue::new(1).unwrap();
        full.put(1_u8).unwrap();
        let getter = {
            let empty = empty.clone();
            thread::spawn(move || empty.get())
        };
        let putter = {
            let full = full.clone();
            thread::spawn(move || full.put(2))
        };
        short_wait();
        assert!(!getter.is_finished() && !putter.is_finished());
        empty.close();
        full.close();
        assert_eq!(getter.join().unwrap(), Err(GetError::Closed));
        assert_eq!(putter.join().unwrap(), Err(PutError::Closed(2)));
        assert_eq!(full.get(), Ok(1), "the item put before close stays");
    });
}

#[test]
fn timed_waits_give_up_after_about_their_timeout() {
    within(PATIENCE, "timed waits", || {
        let queue = Queue::new(1).unwrap();
        let start = Instant::now();
        assert_eq!(queue.get_timeout(SHORT), Err(GetTimeoutError::Timeout));
        assert_timeout(start.elapsed(), SHORT);
        queue.put(1_u8).unwrap();
        let start = Instant::now();
        assert_eq!(
            queue.put_timeout(2, SHORT),
            Err(PutTimeoutError::Timeout(2))
        );
        assert_timeout(start.elapsed(), SHORT);
        let past = Instant::now();
        assert_eq!(
            queue.put_deadline(2, past),
            Err(PutTimeoutError::Timeout(2))
        );
        assert_eq!(queue.get_deadline(past), Ok(1));
        assert_eq!(queue.get_deadline(past), Err(GetTimeoutError::Timeout));
        assert_eq!(
            queue.get_timeout(Duration::ZERO),
            Err(GetTimeoutError::Timeout)
        );
    });
}

#[test]
fn a_timed_get_is_woken_by_a_put_long_before_its_timeout() {
    within(PATIENCE, "a timed get", || {
        let queue = Queue::new(0).unwrap();
        let getter = {
            let queue = queue.clone();
            thread::spawn(move || {
                let start = Instant::now();
                (queue.get_timeout(Duration::MAX), start.elapsed())
            })
        };
        short_wait();
        queue.put(42_u64).unwrap();
        let (got, waited) = getter.join().unwrap();
        assert_eq!(got, Ok(42));
        assert!(waited < Duration::from_secs(3), "{waited:?}");
    });
}

/// `n` producers × `n` consumers on one queue: every item exactly once.
fn exactly_once(queue: Queue<(u32, u32)>, producers: u32, per_producer: u32) {
    let consumers: Vec<_> = (0..producers)
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(item) = queue.get() {
                    got.push(item);
                }
                got
            })
        })
        .collect();
    let makers: Vec<_> = (0..producers)
        .map(|p| {
            let queue = queue.clone();
            thread::spawn(move || {
                for i in 0..per_producer {
                    queue.put((p, i)).unwrap();
                }
            })
        })
        .collect();
    for maker in makers {
        maker.join().unwrap();
    }
    queue.close();
    let mut seen = BTreeMap::new();
    for consumer in consumers {
        let mut last = BTreeMap::new();
        for (p, i) in consumer.join().unwrap() {
            // One producer's items reach one consumer in the order put.
            if let Some(previous) = last.insert(p, i) {
                assert!(previous < i, "producer {p}: {i} after {previous}");
            }
            *seen.entry((p, i)).or_insert(0) += 1;
        }
    }
    assert_eq!(seen.len() as u32, producers * per_producer, "items lost");
    assert!(seen.values().all(|&n| n == 1), "an item came out twice");
}

#[test]
fn four_producer_and_four_consumer_threads_deliver_every_item_once() {
    within(
        Duration::from_secs(30),
        "4 x 4 threads on a small ring",
        || {
            // A small ring and a small maxsize: both kinds of waiting happen.
            exactly_once(Queue::with_capacity(5, 64).unwrap(), 4, 5000);
            exactly_once(Queue::with_capacity(0, 64).unwrap(), 4, 5000);
        },
    );
}

#[test]
fn task_done_and_join_count_every_task() {
    within(PATIENCE, "join on a joinable queue", || {
        let queue = JoinableQueue::new(0).unwrap();
        assert_eq!(queue.task_done(), Err(TaskDoneError));
        for i in 0..10_u32 {
            queue.put(i).unwrap();
        }
        assert_eq!(queue.unfinished_tasks(), 10);
        assert_eq!(queue.join_timeout(SHORT), Err(Timeout));
        let worker = {
            let queue = queue.clone();
            thread::spawn(move || {
                for _ in 0..10 {
                    queue.get().unwrap();
                    short_wait();
                    queue.task_done().unwrap();
                }
            })
        };
        queue.join();
        assert_eq!(queue.unfinished_tasks(), 0);
        assert!(queue.empty());
        worker.join().unwrap();
        assert_eq!(queue.task_done(), Err(TaskDoneError), "one too many");
        assert_eq!(queue.unfinished_tasks(), 0, "the over-call changed nothing");
        assert_eq!(queue.join_deadline(Instant::now()), Ok(()));
    });
}

#[test]
fn many_joiners_are_all_released() {
    within(PATIENCE, "three joiners", || {
        let queue = JoinableQueue::new(0).unwrap();
        queue.put(()).unwrap();
        let joiners: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || queue.join())
            })
            .collect();
        short_wait();
        assert!(joiners.iter().all(|j| !j.is_finished()));
        queue.get().unwrap();
        queue.task_done().unwrap();
        for joiner in joiners {
            joiner.join().unwrap();
        }
    });
}

#[test]
fn a_simple_queue_puts_gets_and_closes() {
    within(PATIENCE, "a simple queue", || {
        let queue = SimpleQueue::new().unwrap();
        assert!(queue.empty());
        let other = queue.clone();
        let getter = thread::spawn(move || other.get());
        short_wait();
        queue.put(vec!["a".to_string()]).unwrap();
        assert_eq!(getter.join().unwrap(), Ok(vec!["a".to_string()]));
        queue.close();
        assert_eq!(queue.get(), Err(GetError::Closed));
    });
}

#[test]
fn a_ring_too_small_for_any_item_is_refused_at_creation() {
    let error = Queue::<u8>::with_capacity(0, 4).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(Queue::<u8>::with_capacity(0, 5).is_ok());
}

// ---- a holder that dies mid-operation ----------------------------------

/// Runs `at` on a thread that then exits holding the queue's lock (the
/// kernel then releases it as it releases a killed process's).
fn die_on_a_thread(queue: &Queue<u32>, at: DieAt, item: Option<u32>) {
    let queue = queue.clone();
    thread::spawn(move || queue.die_holding_lock(at, item))
        .join()
        .unwrap();
}

#[test]
fn a_holder_that_dies_holding_the_lock_is_recovered_and_counted() {
    within(PATIENCE, "a queue whose lock holder died", || {
        let queue = Queue::new(0).unwrap();
        queue.put(1).unwrap();
        die_on_a_thread(&queue, DieAt::Holding, None);
        assert_eq!(queue.dead_holders(), 0, "nobody has taken the lock since");
        assert_eq!(queue.get(), Ok(1));
        assert_eq!(queue.dead_holders(), 1);
        queue.put(2).unwrap();
        assert_eq!(queue.get(), Ok(2));
        assert_eq!(queue.dead_holders(), 1, "recovered once, consistent since");
    });
}

#[test]
fn a_putter_dying_before_it_publishes_leaves_no_trace() {
    within(PATIENCE, "a dead putter's queue", || {
        let queue = Queue::with_capacity(0, 64).unwrap();
        queue.put(1).unwrap();
        die_on_a_thread(&queue, DieAt::PutBeforePublish, Some(99));
        assert_eq!(queue.qsize(), 1);
        assert_eq!(queue.used_bytes(), 5);
        queue.put(2).unwrap();
        assert_eq!(queue.get(), Ok(1));
        assert_eq!(queue.get(), Ok(2));
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn a_putter_dying_after_it_publishes_leaves_its_whole_item() {
    within(PATIENCE, "a dead putter's queue", || {
        let queue = JoinableQueue::new(0).unwrap();
        queue.put(1).unwrap();
        die_on_a_thread(&queue, DieAt::PutAfterPublish, Some(99));
        // The count lagged (the putter died before it), repair restores it.
        assert_eq!(queue.qsize(), 2);
        assert_eq!(queue.unfinished_tasks(), 2);
        assert_eq!(queue.get(), Ok(1));
        assert_eq!(queue.get(), Ok(99));
        queue.task_done().unwrap();
        queue.task_done().unwrap();
        assert_eq!(queue.join_timeout(SHORT), Ok(()));
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn a_getter_dying_before_it_publishes_leaves_the_item_for_the_next() {
    within(PATIENCE, "a dead getter's queue", || {
        let queue = Queue::new(0).unwrap();
        queue.put(1).unwrap();
        queue.put(2).unwrap();
        die_on_a_thread(&queue, DieAt::GetBeforePublish, None);
        assert_eq!(queue.qsize(), 2);
        assert_eq!(queue.get(), Ok(1), "nothing silently lost");
        assert_eq!(queue.get(), Ok(2));
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn a_getter_dying_after_it_publishes_took_its_item() {
    within(PATIENCE, "a dead getter's queue", || {
        let queue = Queue::new(0).unwrap();
        queue.put(1).unwrap();
        queue.put(2).unwrap();
        die_on_a_thread(&queue, DieAt::GetAfterPublish, None);
        assert_eq!(queue.qsize(), 1, "the count lagged; repair restores it");
        assert_eq!(queue.get(), Ok(2));
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn a_getter_asleep_when_a_putter_dies_after_publishing_gets_the_item() {
    // The putter announces before it publishes: the sleeping getter is
    // woken, waits on the lock, and the kernel hands it the dead holder's
    // lock. Announcing after publishing would leave it asleep for good
    // with the item in the ring (this test then hangs: the watchdog fails
    // it).
    within(PATIENCE, "a getter woken by a putter that died", || {
        let queue = Queue::new(0).unwrap();
        let getter = {
            let queue = queue.clone();
            thread::spawn(move || queue.get())
        };
        short_wait();
        die_on_a_thread(&queue, DieAt::PutAfterPublish, Some(7));
        assert_eq!(getter.join().unwrap(), Ok(7));
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn waiters_on_the_lock_when_its_holder_dies_go_on() {
    within(PATIENCE, "threads waiting on a dead holder's lock", || {
        let queue = Queue::new(0).unwrap();
        let (hold, held) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.die_holding_lock(DieAt::Holding, None);
                hold.send(()).unwrap();
                let _ = released.recv();
            })
        };
        held.recv().unwrap();
        let waiters: Vec<_> = (0..3_u32)
            .map(|i| {
                let queue = queue.clone();
                thread::spawn(move || queue.put(i))
            })
            .collect();
        short_wait();
        assert!(waiters.iter().all(|w| !w.is_finished()), "the lock is held");
        drop(release);
        holder.join().unwrap();
        for waiter in waiters {
            waiter.join().unwrap().unwrap();
        }
        let mut got: Vec<u32> = (0..3).map(|_| queue.get().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
        assert_eq!(queue.dead_holders(), 1);
    });
}

#[test]
fn a_handle_round_trips_only_into_a_child() {
    // Outside a child's start argument, serialising a handle is an error
    // that says why (inherit.rs), not a handle to nothing.
    let queue = Queue::<u8>::new(0).unwrap();
    let error = postcard::to_allocvec(&queue).unwrap_err();
    assert!(!error.to_string().is_empty());
}

// ---- real processes ----------------------------------------------------

/// Long enough for children to start (each runs this test binary again).
const LIMIT: Duration = Duration::from_secs(60);

/// A child killed (if still running) and reaped when the guard goes,
/// whatever the test did: no child outlives its test.
struct Reap(Process);

impl Deref for Reap {
    type Target = Process;
    fn deref(&self) -> &Process {
        &self.0
    }
}

impl DerefMut for Reap {
    fn deref_mut(&mut self) -> &mut Process {
        &mut self.0
    }
}

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.is_alive() {
            let _ = self.0.kill();
        }
        let _ = self.0.join();
    }
}

/// Starts a daemon child (it dies with this test binary, too).
fn start<A: Serialize + serde::de::DeserializeOwned + 'static>(entry: fn(A), arg: A) -> Reap {
    Reap(
        Process::builder()
            .daemon(true)
            .start(entry, arg)
            .expect("the child starts"),
    )
}

const PER_PRODUCER: u32 = 2000;
const PRODUCERS: u32 = 4;

fn produce((queue, producer): (Queue<u32>, u32)) {
    for i in 0..PER_PRODUCER {
        queue.put(producer * PER_PRODUCER + i).unwrap();
    }
}

/// Takes items until the queue is closed and drained; sends back a
/// bitmap of what it took (one bit per item number) and how many.
fn consume((queue, tallies): (Queue<u32>, Queue<(Vec<u64>, u32)>)) {
    let mut seen = vec![0_u64; (PRODUCERS * PER_PRODUCER).div_ceil(64) as usize];
    let mut count = 0;
    while let Ok(item) = queue.get() {
        seen[(item / 64) as usize] |= 1 << (item % 64);
        count += 1;
    }
    tallies.put((seen, count)).unwrap();
}

#[test]
fn four_producer_and_four_consumer_processes_deliver_every_item_once() {
    within(LIMIT, "4 producer and 4 consumer processes", || {
        // A small ring: producers wait for room, consumers for items.
        let queue = Queue::with_capacity(16, 256).unwrap();
        let tallies = Queue::new(0).unwrap();
        let consumers: Vec<Reap> = (0..4)
            .map(|_| start(consume, (queue.clone(), tallies.clone())))
            .collect();
        let producers: Vec<Reap> = (0..PRODUCERS)
            .map(|p| start(produce, (queue.clone(), p)))
            .collect();
        for mut producer in producers {
            assert_eq!(producer.join().unwrap(), 0, "a producer failed");
        }
        queue.close();
        let mut union = vec![0_u64; (PRODUCERS * PER_PRODUCER).div_ceil(64) as usize];
        let mut total = 0;
        for _ in 0..4 {
            let (seen, count) = tallies.get_timeout(LIMIT).expect("a consumer's tally");
            for (all, mine) in union.iter_mut().zip(&seen) {
                assert_eq!(*all & mine, 0, "an item reached two consumers");
                *all |= mine;
            }
            assert_eq!(
                seen.iter().map(|word| word.count_ones()).sum::<u32>(),
                count,
                "a consumer took an item twice"
            );
            total += count;
        }
        for mut consumer in consumers {
            assert_eq!(consumer.join().unwrap(), 0, "a consumer failed");
        }
        assert_eq!(total, PRODUCERS * PER_PRODUCER, "items lost");
        assert!(
            (0..PRODUCERS * PER_PRODUCER).all(|i| union[(i / 64) as usize] & (1 << (i % 64)) != 0),
            "an item never arrived"
        );
        assert_eq!(queue.dead_holders(), 0);
    });
}

fn work_and_mark_done(queue: JoinableQueue<u32>) {
    while let Ok(_item) = queue.get() {
        thread::sleep(Duration::from_millis(2));
        queue.task_done().unwrap();
    }
}

#[test]
fn join_waits_for_task_done_from_other_processes() {
    within(LIMIT, "join on tasks done by two worker processes", || {
        let queue = JoinableQueue::new(0).unwrap();
        for i in 0..40 {
            queue.put(i).unwrap();
        }
        assert_eq!(queue.join_timeout(SHORT), Err(Timeout), "nobody works yet");
        let _workers: Vec<Reap> = (0..2)
            .map(|_| start(work_and_mark_done, queue.clone()))
            .collect();
        queue.join();
        assert_eq!(queue.unfinished_tasks(), 0);
        assert!(queue.empty());
        queue.close();
    });
}

/// Exits 0 if one task_done works and the next is refused.
fn task_done_twice(queue: JoinableQueue<u8>) {
    queue.get().unwrap();
    queue.task_done().unwrap();
    assert_eq!(queue.task_done(), Err(TaskDoneError));
}

#[test]
fn task_done_called_too_often_in_a_child_is_an_error_there() {
    within(LIMIT, "a child calling task_done twice", || {
        let queue = JoinableQueue::new(0).unwrap();
        queue.put(1).unwrap();
        let mut child = start(task_done_twice, queue.clone());
        assert_eq!(child.join().unwrap(), 0, "the child's assertions failed");
        assert_eq!(queue.unfinished_tasks(), 0);
        assert_eq!(queue.task_done(), Err(TaskDoneError));
    });
}

/// Says it is about to take an item, takes one, and sends it on.
fn get_and_send((queue, out, started): (Queue<u32>, Queue<u32>, Shared<AtomicU32>)) {
    started.store(1, Ordering::SeqCst);
    if let Ok(item) = queue.get() {
        out.put(item).unwrap();
    }
}

#[test]
fn a_consumer_killed_while_blocked_in_get_loses_nothing() {
    within(LIMIT, "a consumer killed in get, and the next one", || {
        let queue = Queue::new(0).unwrap();
        let out = Queue::new(0).unwrap();
        let started = Shared::new(AtomicU32::new(0)).unwrap();
        let mut doomed = start(get_and_send, (queue.clone(), out.clone(), started.clone()));
        wait_until("the first consumer to start", || {
            started.load(Ordering::SeqCst) == 1
        });
        // Time to reach its sleep in get (the queue is empty: it cannot
        // take anything).
        thread::sleep(Duration::from_millis(100));
        doomed.kill().unwrap();
        assert_eq!(doomed.join().unwrap(), -9);
        let spare = Shared::new(AtomicU32::new(0)).unwrap();
        let _next = start(get_and_send, (queue.clone(), out.clone(), spare));
        queue.put(5).unwrap();
        assert_eq!(
            out.get_timeout(LIMIT),
            Ok(5),
            "the item reached the live consumer"
        );
        assert_eq!(queue.dead_holders(), 0, "a sleeper holds no lock");
        queue.put(6).unwrap();
        assert_eq!(queue.get(), Ok(6), "the queue still works here");
    });
}

/// Stops a put after publishing it, holding the queue's lock, says so, and
/// waits to be killed.
fn die_mid_put((queue, holding): (Queue<u32>, Shared<AtomicU32>)) {
    queue.die_holding_lock(DieAt::PutAfterPublish, Some(7));
    holding.store(1, Ordering::SeqCst);
    thread::sleep(Duration::from_secs(600));
}

/// Stops a get before publishing it, holding the lock, and waits.
fn die_mid_get((queue, holding): (Queue<u32>, Shared<AtomicU32>)) {
    queue.die_holding_lock(DieAt::GetBeforePublish, None);
    holding.store(1, Ordering::SeqCst);
    thread::sleep(Duration::from_secs(600));
}

#[test]
fn a_process_killed_mid_put_holding_the_lock_hands_over_its_item() {
    within(LIMIT, "a getter behind a putter killed mid-put", || {
        let queue = Queue::new(0).unwrap();
        let getter = {
            let queue = queue.clone();
            thread::spawn(move || queue.get())
        };
        short_wait();
        let holding = Shared::new(AtomicU32::new(0)).unwrap();
        let mut putter = start(die_mid_put, (queue.clone(), holding.clone()));
        wait_until("the child to hold the queue's lock", || {
            holding.load(Ordering::SeqCst) == 1
        });
        assert_eq!(
            queue.put_timeout(8, SHORT),
            Err(PutTimeoutError::Timeout(8)),
            "the lock is held by the child"
        );
        putter.kill().unwrap();
        assert_eq!(putter.join().unwrap(), -9);
        assert_eq!(getter.join().unwrap(), Ok(7), "the published item arrives");
        assert_eq!(queue.dead_holders(), 1, "the recovery is reported");
        assert!(queue.empty());
    });
}

#[test]
fn a_process_killed_mid_get_leaves_the_item_in_the_queue() {
    within(LIMIT, "a queue after a getter killed mid-get", || {
        let queue = Queue::new(0).unwrap();
        queue.put(1).unwrap();
        let holding = Shared::new(AtomicU32::new(0)).unwrap();
        let mut getter = start(die_mid_get, (queue.clone(), holding.clone()));
        wait_until("the child to hold the queue's lock", || {
            holding.load(Ordering::SeqCst) == 1
        });
        let waiter = {
            let queue = queue.clone();
            thread::spawn(move || queue.get())
        };
        short_wait();
        assert!(!waiter.is_finished(), "the lock is held by the child");
        getter.kill().unwrap();
        assert_eq!(getter.join().unwrap(), -9);
        assert_eq!(waiter.join().unwrap(), Ok(1), "nothing silently lost");
        assert_eq!(queue.dead_holders(), 1);
    });
}

/// Takes an item it cannot decode, then the next one.
fn reads_past_a_bad_item(queue: Queue<Message>) {
    match queue.get() {
        Err(GetError::Decode(why)) => assert!(!why.is_empty()),
        other => panic!("expected a Decode error, got {other:?}"),
    }
    assert_eq!(queue.get(), Ok(Message::Known(5)));
}

#[test]
fn a_child_that_cannot_decode_an_item_gets_a_decode_error_and_goes_on() {
    within(LIMIT, "a child decoding a bad item", || {
        let queue = Queue::new(0).unwrap();
        queue.put(Message::Later(4)).unwrap();
        queue.put(Message::Known(5)).unwrap();
        let mut child = start(reads_past_a_bad_item, queue.clone());
        assert_eq!(child.join().unwrap(), 0, "the child's assertions failed");
        assert!(queue.empty());
    });
}

fn put_ten_more(queue: Queue<u32>) {
    for i in 10..20 {
        queue.put(i).unwrap();
    }
    // No feeder thread: each item is in the ring when put returns, so
    // the child may exit at once (Python's test_fork notes its own queue
    // cannot).
}

#[test]
fn items_put_before_a_child_starts_and_by_the_child_come_out_in_order() {
    within(LIMIT, "a parent's and a child's items", || {
        let queue = Queue::new(0).unwrap();
        for i in 0..10 {
            queue.put(i).unwrap();
        }
        let mut child = start(put_ten_more, queue.clone());
        assert_eq!(child.join().unwrap(), 0);
        for i in 0..20 {
            assert_eq!(queue.get(), Ok(i));
        }
        assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    });
}

#[test]
fn a_handle_put_into_a_queue_is_refused_with_the_reason() {
    let queue: Queue<turnstile::process::Mutex<u32>> = Queue::new(4).unwrap();
    let lock = turnstile::process::Mutex::new(0).unwrap();
    let error = queue.put(lock).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("only be handed to a child process"), "{text}");
}
