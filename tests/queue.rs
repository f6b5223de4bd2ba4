//! Ordinary tests of the blocking queues on real threads: orders, errors that
//! hand items back, close and shutdown, joins, timeouts (which loom cannot
//! show) and a stress run.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;
use std::time::{Duration, Instant};

use common::SLACK;
use turnstile::{
    FifoQueue, GetError, GetTimeoutError, LifoQueue, PriorityQueue, PutError, PutTimeoutError,
    TaskDoneError, TryGetError, TryPutError, ZeroCapacity,
};

#[test]
fn orders() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        orders_body,
    );
}

fn orders_body() {
    let fifo = FifoQueue::unbounded();
    let lifo = LifoQueue::unbounded();
    let priority = PriorityQueue::unbounded();
    for n in [3, 1, 2] {
        fifo.put(n).unwrap();
        lifo.put(n).unwrap();
        priority.put(n).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, TryGetError>| {
        std::iter::from_fn(|| get().ok()).collect::<Vec<_>>()
    };
    assert_eq!(drain(&|| fifo.try_get()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.try_get()), [2, 1, 3]);
    assert_eq!(drain(&|| priority.try_get()), [1, 2, 3]);
}

#[test]
fn priority_is_stable_for_equal_priorities() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        priority_is_stable_for_equal_priorities_body,
    );
}

fn priority_is_stable_for_equal_priorities_body() {
    use turnstile::queue::Prioritized;
    let queue = PriorityQueue::unbounded();
    for (priority, name) in [(2, "a"), (1, "b"), (2, "c"), (1, "d"), (2, "e")] {
        queue.put(Prioritized::new(priority, name)).unwrap();
    }
    let order: Vec<_> = queue.into_iter().map(|job| job.item).collect();
    assert_eq!(order, ["b", "d", "a", "c", "e"]);
}

#[test]
fn priority_ties_between_equal_items_keep_insertion_order() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        priority_ties_between_equal_items_keep_insertion_order_body,
    );
}

fn priority_ties_between_equal_items_keep_insertion_order_body() {
    // Items that compare equal but are distinguishable by address.
    let (first, second) = (String::from("same"), String::from("same"));
    let (first_ptr, second_ptr) = (first.as_ptr(), second.as_ptr());
    let queue = PriorityQueue::unbounded();
    queue.put(first).unwrap();
    queue.put(second).unwrap();
    let (out_first, out_second) = (queue.get().unwrap(), queue.get().unwrap());
    assert_eq!(
        (out_first.as_ptr(), out_second.as_ptr()),
        (first_ptr, second_ptr)
    );
}

#[test]
fn bounded_zero_is_an_error() {
    assert_eq!(FifoQueue::<u8>::bounded(0).unwrap_err(), ZeroCapacity);
    assert!(ZeroCapacity.to_string().contains("unbounded()"));
}

#[test]
fn snapshots() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        snapshots_body,
    );
}

fn snapshots_body() {
    let queue = FifoQueue::bounded(2).unwrap();
    assert!(queue.is_empty() && !queue.is_full());
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    assert_eq!((queue.len(), queue.capacity()), (2, Some(2)));
    assert!(queue.is_full());
    assert!(!FifoQueue::<u8>::unbounded().is_full());
    assert_eq!(
        format!("{queue:?}"),
        "Queue { len: 2, capacity: Some(2), closed: false, unfinished: 2 }"
    );
}

#[test]
fn errors_hand_the_item_back() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        errors_hand_the_item_back_body,
    );
}

fn errors_hand_the_item_back_body() {
    let queue = FifoQueue::bounded(1).unwrap();
    queue.put(String::from("first")).unwrap();
    let full = queue.try_put(String::from("second")).unwrap_err();
    assert_eq!(full, TryPutError::Full(String::from("second")));
    assert_eq!(full.to_string(), "put on a full queue");
    assert_eq!(full.into_inner(), "second");
    let timeout = queue
        .put_timeout(String::from("third"), Duration::ZERO)
        .unwrap_err();
    assert_eq!(timeout.into_inner(), "third");
    queue.close();
    assert_eq!(
        queue.put(String::from("fourth")).unwrap_err().into_inner(),
        "fourth"
    );
    assert_eq!(
        queue.try_put(String::from("fifth")),
        Err(TryPutError::Closed(String::from("fifth")))
    );
    assert_eq!(
        queue.put_timeout(String::from("sixth"), Duration::from_secs(1)),
        Err(PutTimeoutError::Closed(String::from("sixth")))
    );
    // Nothing lost: the first item is still there.
    assert_eq!(queue.get().as_deref(), Ok("first"));
}

#[test]
fn close_drains_then_reports_closed() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        close_drains_then_reports_closed_body,
    );
}

fn close_drains_then_reports_closed_body() {
    let queue = FifoQueue::unbounded();
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    queue.close();
    queue.close(); // harmless
    assert!(queue.is_closed());
    assert_eq!(queue.try_get(), Ok(1));
    assert_eq!(queue.get_timeout(Duration::from_secs(1)), Ok(2));
    assert_eq!(queue.get(), Err(GetError::Closed));
    assert_eq!(queue.try_get(), Err(TryGetError::Closed));
    assert_eq!(
        queue.get_timeout(Duration::from_secs(1)),
        Err(GetTimeoutError::Closed)
    );
}

#[test]
fn close_wakes_every_blocked_thread() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        close_wakes_every_blocked_thread_body,
    );
}

fn close_wakes_every_blocked_thread_body() {
    let empty = Arc::new(FifoQueue::<u32>::unbounded());
    let full = Arc::new(FifoQueue::bounded(1).unwrap());
    full.put(0).unwrap();
    let getters: Vec<_> = (0..3)
        .map(|_| {
            let empty = Arc::clone(&empty);
            thread::spawn(move || empty.get())
        })
        .collect();
    let putters: Vec<_> = (1..4)
        .map(|n| {
            let full = Arc::clone(&full);
            thread::spawn(move || full.put(n))
        })
        .collect();
    thread::sleep(Duration::from_millis(50));
    assert!(
        getters.iter().all(|t| !t.is_finished()),
        "the getters were blocked"
    );
    assert!(
        putters.iter().all(|t| !t.is_finished()),
        "the putters were blocked"
    );
    empty.close();
    full.close();
    for getter in getters {
        assert_eq!(getter.join().unwrap(), Err(GetError::Closed));
    }
    let mut returned: Vec<u32> = putters
        .into_iter()
        .map(|p| p.join().unwrap().unwrap_err().into_inner())
        .collect();
    returned.sort_unstable();
    assert_eq!(
        returned,
        [1, 2, 3],
        "every blocked putter got its item back"
    );
}

#[test]
fn immediate_shutdown_discards_and_counts_as_done() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        immediate_shutdown_discards_and_counts_as_done_body,
    );
}

fn immediate_shutdown_discards_and_counts_as_done_body() {
    let queue = Arc::new(FifoQueue::unbounded());
    for n in 0..5 {
        queue.put(n).unwrap();
    }
    queue.get().unwrap(); // taken, not yet done
    let joiner = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.join())
    };
    assert_eq!(queue.close_immediate(), 4);
    assert_eq!(queue.get(), Err(GetError::Closed));
    thread::sleep(Duration::from_millis(30));
    assert!(!joiner.is_finished(), "the taken item is not done yet");
    queue.task_done().unwrap();
    joiner.join().unwrap();
}

#[test]
fn task_done_too_often_is_an_error_and_changes_nothing() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        task_done_too_often_is_an_error_and_changes_nothing_body,
    );
}

fn task_done_too_often_is_an_error_and_changes_nothing_body() {
    let queue = FifoQueue::unbounded();
    queue.put('x').unwrap();
    queue.get().unwrap();
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(queue.task_done(), Err(TaskDoneError));
    assert!(TaskDoneError.to_string().contains("task_done()"));
    queue.put('y').unwrap();
    assert!(
        queue.join_timeout(Duration::from_millis(10)).is_err(),
        "one task still unfinished"
    );
    queue.get().unwrap();
    queue.task_done().unwrap();
    assert!(queue.join_timeout(Duration::ZERO).is_ok());
}

#[test]
fn put_blocks_on_a_full_queue_until_a_get() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        put_blocks_on_a_full_queue_until_a_get_body,
    );
}

fn put_blocks_on_a_full_queue_until_a_get_body() {
    let queue = Arc::new(FifoQueue::bounded(1).unwrap());
    queue.put(1).unwrap();
    let putter = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.put(2))
    };
    thread::sleep(Duration::from_millis(50));
    assert!(!putter.is_finished(), "put returned on a full queue");
    assert_eq!(queue.get(), Ok(1));
    putter.join().unwrap().unwrap();
    assert_eq!(queue.get(), Ok(2));
}

#[test]
fn timeouts_wait_then_give_up() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        timeouts_wait_then_give_up_body,
    );
}

fn timeouts_wait_then_give_up_body() {
    let timeout = Duration::from_millis(100);
    let full = FifoQueue::bounded(1).unwrap();
    full.put(0).unwrap();
    let start = Instant::now();
    assert_eq!(
        full.put_timeout(1, timeout),
        Err(PutTimeoutError::Timeout(1))
    );
    let waited = start.elapsed();
    assert!(
        waited >= timeout && waited < timeout + SLACK,
        "put waited {waited:?}"
    );

    let empty = FifoQueue::<u8>::unbounded();
    let start = Instant::now();
    assert_eq!(empty.get_timeout(timeout), Err(GetTimeoutError::Timeout));
    let waited = start.elapsed();
    assert!(
        waited >= timeout && waited < timeout + SLACK,
        "get waited {waited:?}"
    );

    empty.put(1).unwrap();
    let start = Instant::now();
    assert!(empty.join_timeout(timeout).is_err());
    assert!(start.elapsed() >= timeout);
}

/// The `_deadline` forms wait until the instant given, then give up the
/// same way, and succeed at once when they can.
#[test]
fn deadlines_wait_until_then_give_up() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        deadlines_wait_until_then_give_up_body,
    );
}

fn deadlines_wait_until_then_give_up_body() {
    let wait = Duration::from_millis(100);
    let full = FifoQueue::bounded(1).unwrap();
    full.put(0).unwrap();
    let deadline = Instant::now() + wait;
    assert_eq!(
        full.put_deadline(1, deadline),
        Err(PutTimeoutError::Timeout(1))
    );
    assert!(Instant::now() >= deadline);
    assert_eq!(full.get_deadline(Instant::now() + wait), Ok(0));
    assert_eq!(full.put_deadline(2, Instant::now()), Ok(()));

    let deadline = Instant::now() + wait;
    assert_eq!(full.join_deadline(deadline), Err(turnstile::Timeout));
    assert!(Instant::now() >= deadline);
    full.task_done().unwrap();
    assert_eq!(full.get_deadline(Instant::now()), Ok(2));
    full.task_done().unwrap();
    assert_eq!(full.join_deadline(Instant::now()), Ok(()));

    let deadline = Instant::now() + wait;
    assert_eq!(full.get_deadline(deadline), Err(GetTimeoutError::Timeout));
    assert!(Instant::now() >= deadline);
    full.close();
    assert_eq!(
        full.get_deadline(Instant::now() + wait),
        Err(GetTimeoutError::Closed)
    );
}

#[test]
fn zero_and_max_timeouts() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        zero_and_max_timeouts_body,
    );
}

fn zero_and_max_timeouts_body() {
    let queue = Arc::new(FifoQueue::bounded(1).unwrap());
    let start = Instant::now();
    assert_eq!(
        queue.get_timeout(Duration::ZERO),
        Err(GetTimeoutError::Timeout)
    );
    assert_eq!(queue.put_timeout(1, Duration::ZERO), Ok(()));
    assert_eq!(
        queue.put_timeout(2, Duration::ZERO),
        Err(PutTimeoutError::Timeout(2))
    );
    assert!(start.elapsed() < SLACK);
    let consumer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            queue.get().unwrap()
        })
    };
    assert_eq!(
        queue.put_timeout(3, Duration::MAX),
        Ok(()),
        "waits without limit"
    );
    assert_eq!(consumer.join().unwrap(), 1);
    assert_eq!(queue.get_timeout(Duration::MAX), Ok(3));
}

#[test]
fn iterating_yields_until_closed_and_drained() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        iterating_yields_until_closed_and_drained_body,
    );
}

fn iterating_yields_until_closed_and_drained_body() {
    let queue = Arc::new(FifoQueue::bounded(2).unwrap());
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            for n in 0..10 {
                queue.put(n).unwrap();
            }
            queue.close();
        })
    };
    let mut got = Vec::new();
    for item in &*queue {
        got.push(item);
    }
    producer.join().unwrap();
    assert_eq!(got, (0..10).collect::<Vec<u32>>());
}

/// `try_iter` takes what is there and stops at an empty queue instead of
/// waiting; it does not close anything, and works on a closed queue too.
#[test]
fn try_iter_takes_what_is_there_and_never_waits() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        try_iter_takes_what_is_there_and_never_waits_body,
    );
}

fn try_iter_takes_what_is_there_and_never_waits_body() {
    let queue = FifoQueue::new();
    for n in 0..3 {
        queue.put(n).unwrap();
    }
    let started = Instant::now();
    assert_eq!(queue.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(queue.try_iter().count(), 0);
    assert!(started.elapsed() < SLACK, "try_iter waited");
    queue.put(3).unwrap();
    queue.close();
    assert_eq!(queue.try_iter().collect::<Vec<_>>(), [3]);
    assert_eq!(queue.iter().count(), 0, "closed and drained: iter ends");
    assert_eq!(format!("{:?}", queue.iter()), "Iter { .. }");
    assert_eq!(format!("{:?}", queue.try_iter()), "TryIter { .. }");
}

/// `unfinished_tasks` counts puts not yet marked done, through gets,
/// `task_done`, and items an immediate close discards.
#[test]
fn unfinished_tasks_counts_puts_not_marked_done() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        unfinished_tasks_counts_puts_not_marked_done_body,
    );
}

fn unfinished_tasks_counts_puts_not_marked_done_body() {
    let queue: LifoQueue<u8> = Default::default();
    assert_eq!((queue.unfinished_tasks(), queue.capacity()), (0, None));
    for n in 0..4 {
        queue.put(n).unwrap();
    }
    assert_eq!(queue.get(), Ok(3));
    assert_eq!(queue.unfinished_tasks(), 4, "a get alone finishes nothing");
    queue.task_done().unwrap();
    assert_eq!(queue.unfinished_tasks(), 3);
    assert_eq!(queue.close_immediate(), 3);
    assert_eq!(queue.unfinished_tasks(), 0, "discarded items count as done");
}

/// Four producers and four consumers move 100,000 items each way through a
/// small bounded queue: every item arrives exactly once (count and sum).
#[test]
fn stress_four_producers_four_consumers() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        stress_four_producers_four_consumers_body,
    );
}

fn stress_four_producers_four_consumers_body() {
    const PRODUCERS: u64 = 4;
    const PER_PRODUCER: u64 = if cfg!(miri) { 100 } else { 100_000 };
    let queue = Arc::new(FifoQueue::bounded(64).unwrap());
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                for i in 0..PER_PRODUCER {
                    queue.put(p * PER_PRODUCER + i).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                for item in &*queue {
                    count += 1;
                    sum += item;
                    queue.task_done().unwrap();
                }
                (count, sum)
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    queue.join(); // every item taken and marked done
    queue.close();
    let (count, sum) = consumers
        .into_iter()
        .map(|c| c.join().unwrap())
        .fold((0, 0), |(c, s), (c2, s2)| (c + c2, s + s2));
    let total = PRODUCERS * PER_PRODUCER;
    assert_eq!(count, total, "items lost or duplicated");
    assert_eq!(sum, total * (total - 1) / 2, "items lost or duplicated");
    assert!(queue.is_empty());
}

#[test]
fn put_after_close_keeps_nothing() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        put_after_close_keeps_nothing_body,
    );
}

fn put_after_close_keeps_nothing_body() {
    let queue = FifoQueue::unbounded();
    queue.close();
    assert_eq!(queue.put(1), Err(PutError::Closed(1)));
    assert!(queue.is_empty());
    assert_eq!(
        queue.task_done(),
        Err(TaskDoneError),
        "a refused put counts no task"
    );
}

/// An item whose `Drop` uses the queue it was in. `close_immediate` must drop
/// the discarded items after releasing the lock; otherwise this drop would
/// wait for a lock its own thread holds, forever.
#[test]
fn discarded_items_are_dropped_with_the_lock_released() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        discarded_items_are_dropped_with_the_lock_released_body,
    );
}

fn discarded_items_are_dropped_with_the_lock_released_body() {
    struct Probe(Arc<FifoQueue<Probe>>, std::sync::mpsc::Sender<usize>);
    impl Drop for Probe {
        fn drop(&mut self) {
            let _ = self.1.send(self.0.len());
        }
    }
    let queue = Arc::new(FifoQueue::unbounded());
    let (seen, saw) = std::sync::mpsc::channel();
    assert!(queue.put(Probe(Arc::clone(&queue), seen)).is_ok());
    let shutter = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.close_immediate())
    };
    let len = saw
        .recv_timeout(Duration::from_secs(5))
        .expect("the discarded item's drop blocked: the queue's lock was still held");
    assert_eq!(len, 0, "the item was dropped after the queue was emptied");
    assert_eq!(shutter.join().unwrap(), 1);
}

/// An item whose comparison panics while its test's switch is on. Each test
/// has its own switch: tests run in parallel.
#[derive(Debug)]
struct Touchy(u32, &'static AtomicBool);

impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Touchy {}

impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.1.load(Relaxed) || other.1.load(Relaxed) {
            panic!("Touchy refuses to be compared");
        }
        self.0.cmp(&other.0)
    }
}

/// A user's `Ord` that panics inside `put` or `get` must not lose an item,
/// miscount the unfinished tasks, or leave a blocked thread asleep. (Issue
/// 10, defect 5: a panic in `get` dropped the item, so `join` never returned
/// and a blocked `put` was never woken.)
#[test]
fn a_panicking_ord_leaves_the_priority_queue_whole() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_panicking_ord_leaves_the_priority_queue_whole_body,
    );
}

fn a_panicking_ord_leaves_the_priority_queue_whole_body() {
    static PANICKY: AtomicBool = AtomicBool::new(false);
    let queue = Arc::new(PriorityQueue::bounded(4).unwrap());
    for n in [3, 1, 4, 2] {
        queue.put(Touchy(n, &PANICKY)).unwrap();
    }
    // A putter blocked on the full queue.
    let putter = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            common::within(
                Duration::from_secs(5),
                "a put blocked on a full queue",
                move || queue.put(Touchy(0, &PANICKY)).is_ok(),
            )
        })
    };
    thread::sleep(Duration::from_millis(100));

    PANICKY.store(true, Relaxed);
    let got = catch_unwind(AssertUnwindSafe(|| queue.get()));
    PANICKY.store(false, Relaxed);
    assert!(got.is_err(), "the comparison panicked inside get");
    assert_eq!(queue.len(), 4, "the panicking get took nothing");

    // The queue still works: the putter gets its room once an item leaves.
    assert_eq!(queue.get().unwrap().0, 1);
    assert!(putter.join().unwrap());
    let mut order = Vec::new();
    while let Ok(item) = queue.try_get() {
        order.push(item.0);
    }
    assert_eq!(order, [0, 2, 3, 4], "smallest first, nothing lost");
    for _ in 0..5 {
        queue.task_done().unwrap();
    }
    assert!(queue.task_done().is_err(), "five put, five done");
    common::within(
        Duration::from_secs(5),
        "join after every task_done",
        move || queue.join(),
    );
}

/// A panic inside `put` leaves the count and the storage in step.
#[test]
fn a_panicking_ord_in_put_leaves_the_count_in_step() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_panicking_ord_in_put_leaves_the_count_in_step_body,
    );
}

fn a_panicking_ord_in_put_leaves_the_count_in_step_body() {
    static PANICKY: AtomicBool = AtomicBool::new(false);
    let queue = Arc::new(PriorityQueue::unbounded());
    queue.put(Touchy(2, &PANICKY)).unwrap();
    PANICKY.store(true, Relaxed);
    let put = catch_unwind(AssertUnwindSafe(|| queue.put(Touchy(1, &PANICKY))));
    PANICKY.store(false, Relaxed);
    assert!(put.is_err(), "the comparison panicked inside put");
    let left = queue.len();
    for _ in 0..left {
        queue.get().unwrap();
        queue.task_done().unwrap();
    }
    assert!(
        queue.task_done().is_err(),
        "every item stored was counted, and only those"
    );
    common::within(
        Duration::from_secs(5),
        "join after a panicking put",
        move || queue.join(),
    );
}

/// A storage whose hooks misbehave on two unlucky items: `push` stores 99
/// and then panics; `pop` loses 13 and then panics.
#[derive(Default)]
struct Glitchy(std::collections::VecDeque<u32>);

impl turnstile::queue::Storage<u32> for Glitchy {
    fn push(&mut self, item: u32) {
        self.0.push_back(item);
        assert_ne!(item, 99, "Glitchy stored 99, then panicked");
    }
    fn pop(&mut self) -> Option<u32> {
        let item = self.0.pop_front();
        assert_ne!(item, Some(13), "Glitchy dropped the unlucky 13");
        item
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

type GlitchyQueue = turnstile::queue::Queue<u32, turnstile::queue::Locked<Glitchy>>;

/// Runs `body` on a new thread, limited to 5 s (see `common::within`).
fn spawn_within<T: Send + 'static>(
    what: &'static str,
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    thread::spawn(move || common::within(Duration::from_secs(5), what, body))
}

/// Calls `call`, which must panic inside a storage hook.
fn expect_hook_panic<R>(call: impl FnOnce() -> R) {
    assert!(
        catch_unwind(AssertUnwindSafe(call)).is_err(),
        "the storage hook panicked"
    );
}

/// The queue's books follow the storage when a `push` panics after storing
/// its item: the item is counted as a task (one `task_done` each, no more)
/// and announced to a blocked getter.
#[test]
fn a_storage_that_stores_an_item_and_panics_leaves_the_books_right() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_storage_that_stores_an_item_and_panics_leaves_the_books_right_body,
    );
}

fn a_storage_that_stores_an_item_and_panics_leaves_the_books_right_body() {
    let queue = Arc::new(GlitchyQueue::bounded(3).unwrap());
    let getter = {
        let queue = Arc::clone(&queue);
        spawn_within("a get blocked on an empty queue", move || queue.get())
    };
    thread::sleep(Duration::from_millis(200));
    expect_hook_panic(|| queue.put(99));
    assert_eq!(getter.join().unwrap(), Ok(99), "the getter was woken");
    queue.put(5).unwrap();
    expect_hook_panic(|| queue.put(99));
    assert_eq!(queue.len(), 2);
    for _ in 0..3 {
        queue.task_done().unwrap();
    }
    assert!(
        queue.task_done().is_err(),
        "three items stored, three tasks"
    );
}

/// The queue's books follow the storage when a `pop` loses its item in a
/// panic: the lost item counts as done, makes room for a blocked putter,
/// and releases a blocked joiner only when nothing else is unfinished.
#[test]
fn a_storage_that_loses_an_item_in_a_panic_leaves_the_books_right() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_storage_that_loses_an_item_in_a_panic_leaves_the_books_right_body,
    );
}

fn a_storage_that_loses_an_item_in_a_panic_leaves_the_books_right_body() {
    let queue = Arc::new(GlitchyQueue::bounded(2).unwrap());
    queue.put(13).unwrap();
    queue.put(7).unwrap();
    let putter = {
        let queue = Arc::clone(&queue);
        spawn_within("a put blocked on a full queue", move || queue.put(8))
    };
    let joiner = {
        let queue = Arc::clone(&queue);
        spawn_within("join while tasks remain", move || queue.join())
    };
    thread::sleep(Duration::from_millis(200));
    expect_hook_panic(|| queue.get());
    assert_eq!(
        putter.join().unwrap(),
        Ok(()),
        "the room made woke the putter"
    );
    thread::sleep(Duration::from_millis(100));
    assert!(!joiner.is_finished(), "7 and 8 are still unfinished");
    assert_eq!(queue.get(), Ok(7));
    queue.task_done().unwrap();
    assert_eq!(queue.get(), Ok(8));
    queue.task_done().unwrap();
    joiner.join().unwrap();
    assert!(
        queue.task_done().is_err(),
        "the lost item was counted as done"
    );

    // Losing the last unfinished item releases a blocked joiner at once.
    queue.put(13).unwrap();
    let joiner = {
        let queue = Arc::clone(&queue);
        spawn_within("join on a lost last item", move || queue.join())
    };
    thread::sleep(Duration::from_millis(200));
    expect_hook_panic(|| queue.get());
    joiner.join().unwrap();
}

/// The priority storage's heap, written here, against a sorted reference:
/// a pseudo-random mix of puts and gets, with many equal priorities so that
/// the insertion-order tie-break is exercised.
#[test]
fn priority_order_matches_a_sorted_reference() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        priority_order_matches_a_sorted_reference_body,
    );
}

fn priority_order_matches_a_sorted_reference_body() {
    let queue = PriorityQueue::unbounded();
    let mut reference = std::collections::BTreeSet::new(); // (priority, insertion number)
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next_number = 0u32;
    for _ in 0..if cfg!(miri) { 500 } else { 20_000 } {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if seed % 5 < 3 {
            let priority = (seed >> 32) % 16;
            queue
                .put(turnstile::queue::Prioritized::new(priority, next_number))
                .unwrap();
            reference.insert((priority, next_number));
            next_number += 1;
        } else {
            let got = queue.try_get().ok().map(|p| (p.priority, p.item));
            assert_eq!(got, reference.pop_first());
        }
    }
    let rest: Vec<_> = queue.into_iter().map(|p| (p.priority, p.item)).collect();
    assert_eq!(rest, reference.into_iter().collect::<Vec<_>>());
}

/// `Prioritized` compares by priority alone, through every comparison
/// trait (surviving mutants broke `==` and `<` unnoticed by the queue
/// tests, which use only `Ord::cmp`).
#[test]
fn prioritized_compares_by_priority_alone() {
    use turnstile::queue::Prioritized;
    let (urgent, later) = (Prioritized::new(0, "page"), Prioritized::new(5, "tidy"));
    assert!(urgent < later);
    assert!(later > urgent);
    assert_eq!(urgent.partial_cmp(&later), Some(std::cmp::Ordering::Less));
    assert_eq!(Prioritized::new(1, "a"), Prioritized::new(1, "b"));
    assert_ne!(Prioritized::new(1, "a"), Prioritized::new(2, "a"));
}

/// A producer that once saw the queue full must see the room a get makes
/// since: `try_put` right after a `get` succeeds, on every engine, around
/// the ring many times (the FIFO's producer keeps a stale copy of the
/// consumers' count and refreshes it only when the queue looks full).
#[test]
fn try_put_sees_the_room_a_get_made() {
    fn check<O: turnstile::queue::Order<u32>>(queue: turnstile::Queue<u32, O>) {
        for round in 0..100 {
            while queue.try_put(round).is_ok() {}
            assert!(queue.is_full());
            queue.try_get().unwrap();
            assert_eq!(queue.try_put(round), Ok(()), "round {round}");
        }
    }
    check(FifoQueue::bounded(3).unwrap());
    check(LifoQueue::bounded(3).unwrap());
    check(PriorityQueue::bounded(3).unwrap());
}

// ---- async put and get ----

/// Threads and async tasks on one bounded queue, each kind on both ends:
/// every item comes out exactly once, whoever put it and whoever gets it.
fn threads_and_tasks_share_one_queue<O>()
where
    O: turnstile::queue::Order<u64> + 'static,
{
    const PER_PRODUCER: u64 = if cfg!(miri) { 50 } else { 2_000 };
    let queue = turnstile::queue::Queue::<u64, O>::bounded(4).unwrap();
    let taken = std::sync::Mutex::new(Vec::new());
    thread::scope(|scope| {
        let producers: Vec<_> = (0..4u64)
            .map(|producer| {
                let queue = &queue;
                scope.spawn(move || {
                    let items = (0..PER_PRODUCER).map(move |i| producer * PER_PRODUCER + i);
                    if producer % 2 == 0 {
                        items.for_each(|item| queue.put(item).unwrap());
                    } else {
                        common::block_on(async {
                            for item in items {
                                queue.put_async(item).await.unwrap();
                            }
                        });
                    }
                })
            })
            .collect();
        for consumer in 0..4 {
            let (queue, taken) = (&queue, &taken);
            scope.spawn(move || {
                let mut mine = Vec::new();
                if consumer % 2 == 0 {
                    mine.extend(queue);
                } else {
                    common::block_on(async {
                        while let Ok(item) = queue.get_async().await {
                            mine.push(item);
                        }
                    });
                }
                taken.lock().unwrap().extend(mine);
            });
        }
        for producer in producers {
            producer.join().unwrap();
        }
        queue.close();
    });
    let mut taken = taken.into_inner().unwrap();
    taken.sort_unstable();
    assert_eq!(taken, (0..4 * PER_PRODUCER).collect::<Vec<_>>());
}

#[test]
fn fifo_threads_and_async_tasks_share_one_queue_and_lose_nothing() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        fifo_threads_and_async_tasks_share_one_queue_and_lose_nothing_body,
    );
}

fn fifo_threads_and_async_tasks_share_one_queue_and_lose_nothing_body() {
    threads_and_tasks_share_one_queue::<turnstile::queue::Fifo<u64>>();
}

#[test]
fn lifo_threads_and_async_tasks_share_one_queue_and_lose_nothing() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        lifo_threads_and_async_tasks_share_one_queue_and_lose_nothing_body,
    );
}

fn lifo_threads_and_async_tasks_share_one_queue_and_lose_nothing_body() {
    threads_and_tasks_share_one_queue::<turnstile::queue::Lifo<u64>>();
}

#[test]
fn async_get_and_put_keep_the_queue_order() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        async_get_and_put_keep_the_queue_order_body,
    );
}

fn async_get_and_put_keep_the_queue_order_body() {
    let fifo = FifoQueue::unbounded();
    let lifo = LifoQueue::unbounded();
    let priority = PriorityQueue::unbounded();
    let ((), _) = common::block_on(async {
        for item in [3, 1, 2] {
            fifo.put_async(item).await.unwrap();
            lifo.put_async(item).await.unwrap();
            priority.put_async(item).await.unwrap();
        }
    });
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..3 {
        out[0].push(common::block_on(fifo.get_async()).0.unwrap());
        out[1].push(common::block_on(lifo.get_async()).0.unwrap());
        out[2].push(common::block_on(priority.get_async()).0.unwrap());
    }
    assert_eq!(out, [[3, 1, 2], [2, 1, 3], [1, 2, 3]]);
    assert_eq!(fifo.unfinished_tasks(), 3, "an async put counts a task");
}

#[test]
fn a_cancelled_async_put_puts_nothing_hands_its_item_back_and_leaves_no_waker() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_cancelled_async_put_puts_nothing_hands_its_item_back_and_leaves_no_waker_body,
    );
}

fn a_cancelled_async_put_puts_nothing_hands_its_item_back_and_leaves_no_waker_body() {
    let queue = FifoQueue::bounded(1).unwrap();
    queue.put('a').unwrap();
    let (waker, unparker) = common::Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut putting = queue.put_async('b');
    assert!(
        std::pin::Pin::new(&mut putting)
            .poll(&mut context)
            .is_pending()
    );
    assert!(
        std::pin::Pin::new(&mut putting)
            .poll(&mut context)
            .is_pending()
    );
    assert_eq!(Arc::strong_count(&unparker), 3, "one waker registered");
    assert_eq!(
        format!("{putting:?}"),
        "QueuePut { waiting: true, put: false, .. }"
    );
    assert_eq!(putting.cancel(), Some('b'));
    assert_eq!(Arc::strong_count(&unparker), 2, "no waker left behind");
    assert_eq!((queue.len(), queue.get()), (1, Ok('a')), "nothing was put");
    assert_eq!(unparker.wakes(), 0);

    // Cancelling a put that went in gives nothing back.
    let mut done = queue.put_async('c');
    assert!(std::pin::Pin::new(&mut done).poll(&mut context).is_ready());
    assert_eq!(
        format!("{done:?}"),
        "QueuePut { waiting: false, put: true, .. }"
    );
    assert_eq!(done.cancel(), None);
    assert_eq!(queue.get(), Ok('c'));
}

#[test]
fn a_cancelled_async_get_takes_nothing_and_leaves_no_waker() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        a_cancelled_async_get_takes_nothing_and_leaves_no_waker_body,
    );
}

fn a_cancelled_async_get_takes_nothing_and_leaves_no_waker_body() {
    let fifo = FifoQueue::<u8>::unbounded();
    let lifo = LifoQueue::<u8>::unbounded();
    let (waker, unparker) = common::Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    {
        let mut a = std::pin::pin!(fifo.get_async());
        let mut b = std::pin::pin!(lifo.get_async());
        assert!(a.as_mut().poll(&mut context).is_pending());
        assert!(b.as_mut().poll(&mut context).is_pending());
        assert_eq!(format!("{a:?}"), "QueueGet { waiting: true, .. }");
        assert_eq!(Arc::strong_count(&unparker), 4);
    } // cancelled
    assert_eq!(Arc::strong_count(&unparker), 2, "no waker left behind");
    fifo.put(1).unwrap();
    lifo.put(2).unwrap();
    assert_eq!((fifo.try_get(), lifo.try_get()), (Ok(1), Ok(2)));
    assert_eq!(unparker.wakes(), 0);
}

#[test]
fn close_ends_async_waits_and_hands_the_put_item_back() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        close_ends_async_waits_and_hands_the_put_item_back_body,
    );
}

fn close_ends_async_waits_and_hands_the_put_item_back_body() {
    let empty = FifoQueue::<u8>::unbounded();
    let full = LifoQueue::bounded(1).unwrap();
    full.put(1).unwrap();
    thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(Duration::from_millis(20));
            empty.close();
            full.close();
        });
        let (got, _) = common::block_on(empty.get_async());
        let (put, wakes) = common::block_on(full.put_async(2));
        assert_eq!(got, Err(GetError::Closed));
        assert_eq!(put, Err(PutError::Closed(2)));
        assert!(wakes <= 1);
    });
    // Closed and drained: the async get drains first, as `get` does.
    assert_eq!(common::block_on(full.get_async()).0, Ok(1));
    assert_eq!(common::block_on(full.get_async()).0, Err(GetError::Closed));
}

#[test]
#[should_panic(expected = "QueuePut polled after it resolved")]
fn an_async_put_polled_after_it_resolved_panics_with_a_clear_message() {
    let queue = FifoQueue::unbounded();
    let mut putting = std::pin::pin!(queue.put_async(1));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(putting.as_mut().poll(&mut context).is_ready());
    let _ = putting.as_mut().poll(&mut context);
}

#[test]
fn async_queue_on_tokio_with_a_producing_thread() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        async_queue_on_tokio_with_a_producing_thread_body,
    );
}

fn async_queue_on_tokio_with_a_producing_thread_body() {
    let queue = Arc::new(FifoQueue::bounded(2).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let from_thread = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || (100..110).for_each(|item| queue.put(item).unwrap()))
    };
    let sum = runtime.block_on(async {
        let producer = {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move {
                for item in 0..10 {
                    queue.put_async(item).await.unwrap();
                }
            })
        };
        let mut sum = 0;
        for _ in 0..20 {
            sum += queue.get_async().await.unwrap();
        }
        producer.await.unwrap();
        sum
    });
    from_thread.join().unwrap();
    assert_eq!(sum, (0..10).sum::<i32>() + (100..110).sum::<i32>());
}

/// A task whose get was served without its wake-up (it was polled again
/// for another reason and found the item) must leave the waker list: the
/// next put's wake-up then goes to a task still waiting, not to it.
fn a_task_served_without_its_wake_leaves_the_list<O: turnstile::queue::Order<u8>>() {
    let queue = turnstile::queue::Queue::<u8, O>::unbounded();
    let (early_waker, early) = common::Unparker::new();
    let (late_waker, late) = common::Unparker::new();
    let mut early_context = std::task::Context::from_waker(&early_waker);
    let mut late_context = std::task::Context::from_waker(&late_waker);
    let mut first = std::pin::pin!(queue.get_async());
    let mut second = std::pin::pin!(queue.get_async());
    assert!(first.as_mut().poll(&mut early_context).is_pending());
    assert!(second.as_mut().poll(&mut late_context).is_pending());
    queue.put(1).unwrap(); // wakes the first-registered task
    assert_eq!(early.wakes(), 1);
    // The second is polled anyway, takes the item and is done (and kept).
    assert_eq!(
        second.as_mut().poll(&mut late_context),
        std::task::Poll::Ready(Ok(1))
    );
    // The first finds nothing and waits again; the next put is for it.
    assert!(first.as_mut().poll(&mut early_context).is_pending());
    queue.put(2).unwrap();
    assert_eq!(early.wakes(), 2, "the put woke a finished task instead");
    assert_eq!(late.wakes(), 0);
    assert_eq!(
        first.as_mut().poll(&mut early_context),
        std::task::Poll::Ready(Ok(2))
    );
}

#[test]
fn fifo_a_task_served_without_its_wake_leaves_the_waker_list() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        fifo_a_task_served_without_its_wake_leaves_the_waker_list_body,
    );
}

fn fifo_a_task_served_without_its_wake_leaves_the_waker_list_body() {
    a_task_served_without_its_wake_leaves_the_list::<turnstile::queue::Fifo<u8>>();
}

#[test]
fn lifo_a_task_served_without_its_wake_leaves_the_waker_list() {
    common::within(
        common::PATIENCE,
        "the gets, puts and joins this test blocks on",
        lifo_a_task_served_without_its_wake_leaves_the_waker_list_body,
    );
}

fn lifo_a_task_served_without_its_wake_leaves_the_waker_list_body() {
    a_task_served_without_its_wake_leaves_the_list::<turnstile::queue::Lifo<u8>>();
}

// ---- async join: asyncio's test_queues.py (QueueJoinTests and its Lifo
// and Priority forms), restated, named after the CPython tests; then the
// ways a thread and a task meet at one join ----

/// CPython's `test_task_done_underflow`: `task_done` on a queue with no
/// unfinished task is an error (Python: `ValueError`), for every order.
#[test]
fn asyncio_join_test_task_done_underflow() {
    assert_eq!(FifoQueue::<u8>::unbounded().task_done(), Err(TaskDoneError));
    assert_eq!(LifoQueue::<u8>::unbounded().task_done(), Err(TaskDoneError));
    assert_eq!(
        PriorityQueue::<u8>::unbounded().task_done(),
        Err(TaskDoneError)
    );
}

/// CPython's `test_task_done`: two worker tasks get a hundred items and
/// mark each done; `await q.join()` returns only once all are processed.
/// Then the workers are stopped by one item each, as in CPython.
fn asyncio_join_task_done<O: turnstile::queue::Order<u64> + 'static>() {
    use std::cell::Cell;
    use std::rc::Rc;
    use turnstile::event_loop::{run, spawn};
    let queue = Rc::new(turnstile::queue::Queue::<u64, O>::unbounded());
    let accumulator = Rc::new(Cell::new(0));
    let running = Rc::new(Cell::new(true));
    for item in 0..100 {
        queue.put(item).unwrap();
    }
    run(async {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, accumulator, running) = (
                    Rc::clone(&queue),
                    Rc::clone(&accumulator),
                    Rc::clone(&running),
                );
                spawn(async move {
                    while running.get() {
                        let item = queue.get_async().await.unwrap();
                        accumulator.set(accumulator.get() + item);
                        queue.task_done().unwrap();
                    }
                })
                .unwrap()
            })
            .collect();
        queue.join_async().await;
        assert_eq!(accumulator.get(), (0..100).sum::<u64>());
        running.set(false);
        for _ in &workers {
            queue.put(0).unwrap();
        }
        for worker in workers {
            worker.await.unwrap();
        }
    });
}

#[test]
fn asyncio_join_test_task_done() {
    common::within(
        common::PATIENCE,
        "the async workers and the join this test awaits",
        || {
            asyncio_join_task_done::<turnstile::queue::Fifo<u64>>();
            asyncio_join_task_done::<turnstile::queue::Lifo<u64>>();
            asyncio_join_task_done::<turnstile::queue::Priority<u64>>();
        },
    );
}

/// CPython's `test_join_empty_queue`: joining a queue that never had an
/// item returns at once, twice.
#[test]
fn asyncio_join_test_join_empty_queue() {
    fn ready_twice<O: turnstile::queue::Order<u8>>() {
        let queue = turnstile::queue::Queue::<u8, O>::unbounded();
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        for _ in 0..2 {
            let joining = std::pin::pin!(queue.join_async());
            assert!(joining.poll(&mut context).is_ready(), "nothing to wait for");
        }
    }
    ready_twice::<turnstile::queue::Fifo<u8>>();
    ready_twice::<turnstile::queue::Lifo<u8>>();
    ready_twice::<turnstile::queue::Priority<u8>>();
}

/// CPython's `test_format`: the queue's description shows its unfinished
/// tasks (Python's `tasks=2`; here the `Debug` form's `unfinished`).
#[test]
fn asyncio_join_test_format() {
    let queue = LifoQueue::unbounded();
    assert!(format!("{queue:?}").contains("unfinished: 0"), "{queue:?}");
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    assert!(format!("{queue:?}").contains("unfinished: 2"), "{queue:?}");
    let joining = queue.join_async();
    assert_eq!(format!("{joining:?}"), "QueueJoin { waiting: false, .. }");
}

/// A joining task, woken by the `task_done` of a thread: left pending
/// while a task is unfinished (taken is not done), woken exactly once by
/// the `task_done` that finishes the last, then ready.
fn a_threads_task_done_wakes_a_joining_task<O: turnstile::queue::Order<u8>>() {
    let queue = turnstile::queue::Queue::<u8, O>::unbounded();
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    let (waker, unparker) = common::Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut joining = std::pin::pin!(queue.join_async());
    assert!(joining.as_mut().poll(&mut context).is_pending());
    thread::scope(|scope| {
        scope.spawn(|| {
            queue.get().unwrap();
            queue.task_done().unwrap();
        });
    });
    assert_eq!(unparker.wakes(), 0, "one task is still unfinished");
    assert!(joining.as_mut().poll(&mut context).is_pending());
    thread::scope(|scope| {
        scope.spawn(|| {
            queue.get().unwrap();
            queue.task_done().unwrap();
        });
    });
    assert_eq!(
        unparker.wakes(),
        1,
        "the last task_done wakes the task once"
    );
    assert!(joining.as_mut().poll(&mut context).is_ready());
}

#[test]
fn fifo_a_threads_task_done_wakes_a_joining_task() {
    common::within(
        common::PATIENCE,
        "the threads' gets",
        a_threads_task_done_wakes_a_joining_task::<turnstile::queue::Fifo<u8>>,
    );
}

#[test]
fn lifo_a_threads_task_done_wakes_a_joining_task() {
    common::within(
        common::PATIENCE,
        "the threads' gets",
        a_threads_task_done_wakes_a_joining_task::<turnstile::queue::Lifo<u8>>,
    );
}

/// A thread blocked in `join`, released by the `task_done` of an async
/// task (on the event loop), beside a joining task on the same loop.
fn a_tasks_task_done_wakes_a_joining_thread<O>()
where
    O: turnstile::queue::Order<u8> + 'static,
{
    use turnstile::event_loop::{run, spawn};
    let queue = Arc::new(turnstile::queue::Queue::<u8, O>::unbounded());
    queue.put(7).unwrap();
    let joiner = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.join())
    };
    // Give the thread time to block (not needed for the outcome).
    thread::sleep(Duration::from_millis(20));
    assert!(!joiner.is_finished(), "an item is unfinished");
    run(async {
        let joining = {
            let queue = Arc::clone(&queue);
            spawn(async move { queue.join_async().await }).unwrap()
        };
        let worker = {
            let queue = Arc::clone(&queue);
            spawn(async move {
                assert_eq!(queue.get_async().await, Ok(7));
                queue.task_done().unwrap();
            })
            .unwrap()
        };
        worker.await.unwrap();
        joining.await.unwrap();
    });
    common::join_within("a join released by a task's task_done", joiner);
}

#[test]
fn fifo_a_tasks_task_done_wakes_a_joining_thread() {
    common::within(
        common::PATIENCE,
        "the event loop's tasks",
        a_tasks_task_done_wakes_a_joining_thread::<turnstile::queue::Fifo<u8>>,
    );
}

#[test]
fn lifo_a_tasks_task_done_wakes_a_joining_thread() {
    common::within(
        common::PATIENCE,
        "the event loop's tasks",
        a_tasks_task_done_wakes_a_joining_thread::<turnstile::queue::Lifo<u8>>,
    );
}

/// A dropped (cancelled) join leaves no waker: the `task_done` that ends
/// the work wakes the task still joining, not the dropped one, and a join
/// polled again after it resolved waits for the tasks put since.
fn a_cancelled_join_async_leaves_no_waker<O: turnstile::queue::Order<u8>>() {
    let queue = turnstile::queue::Queue::<u8, O>::unbounded();
    queue.put(1).unwrap();
    let (dropped_waker, dropped) = common::Unparker::new();
    let (kept_waker, kept) = common::Unparker::new();
    let mut kept_context = std::task::Context::from_waker(&kept_waker);
    let mut cancelled = Box::pin(queue.join_async());
    assert!(
        cancelled
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&dropped_waker))
            .is_pending()
    );
    let mut joining = std::pin::pin!(queue.join_async());
    assert!(joining.as_mut().poll(&mut kept_context).is_pending());
    assert!(format!("{joining:?}").contains("waiting: true"));
    drop(cancelled);
    queue.get().unwrap();
    queue.task_done().unwrap();
    assert_eq!((dropped.wakes(), kept.wakes()), (0, 1));
    assert!(joining.as_mut().poll(&mut kept_context).is_ready());
    assert!(format!("{joining:?}").contains("waiting: false"));
    // Polled again: new work, a new wait, a new wake.
    queue.put(2).unwrap();
    assert!(joining.as_mut().poll(&mut kept_context).is_pending());
    queue.get().unwrap();
    queue.task_done().unwrap();
    assert_eq!(kept.wakes(), 2);
    assert!(joining.as_mut().poll(&mut kept_context).is_ready());
}

#[test]
fn fifo_a_cancelled_join_async_leaves_no_waker() {
    a_cancelled_join_async_leaves_no_waker::<turnstile::queue::Fifo<u8>>();
}

#[test]
fn lifo_a_cancelled_join_async_leaves_no_waker() {
    a_cancelled_join_async_leaves_no_waker::<turnstile::queue::Lifo<u8>>();
}

/// `close_immediate` discards the items, which count as done: a joining
/// task is woken, as a joining thread is.
fn close_immediate_wakes_a_joining_task<O: turnstile::queue::Order<u8>>() {
    let queue = turnstile::queue::Queue::<u8, O>::unbounded();
    queue.put(1).unwrap();
    queue.put(2).unwrap();
    let (waker, unparker) = common::Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut joining = std::pin::pin!(queue.join_async());
    assert!(joining.as_mut().poll(&mut context).is_pending());
    queue.close();
    assert_eq!(
        unparker.wakes(),
        0,
        "a plain close leaves the tasks unfinished"
    );
    assert_eq!(queue.close_immediate(), 2);
    assert_eq!(unparker.wakes(), 1);
    assert!(joining.as_mut().poll(&mut context).is_ready());
}

#[test]
fn fifo_close_immediate_wakes_a_joining_task() {
    close_immediate_wakes_a_joining_task::<turnstile::queue::Fifo<u8>>();
}

#[test]
fn lifo_close_immediate_wakes_a_joining_task() {
    close_immediate_wakes_a_joining_task::<turnstile::queue::Lifo<u8>>();
}

/// A storage whose `pop` loses the unlucky 13 in a panic: the lost item
/// counts as done, and a joining task is woken when it was the last.
#[test]
fn a_storage_that_loses_the_last_item_in_a_panic_wakes_a_joining_task() {
    let queue = GlitchyQueue::unbounded();
    queue.put(13).unwrap();
    let (waker, unparker) = common::Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut joining = std::pin::pin!(queue.join_async());
    assert!(joining.as_mut().poll(&mut context).is_pending());
    expect_hook_panic(|| queue.get());
    assert_eq!(unparker.wakes(), 1, "the lost item was the last task");
    assert!(joining.as_mut().poll(&mut context).is_ready());
}

/// A task that panics while its join is pending (holding nothing else)
/// drops the join in its unwinding: the queue is whole, the other joining
/// task and a joining thread are released by the last `task_done`, and
/// the loop goes on.
#[test]
fn a_task_that_panics_while_joining_leaves_the_queue_whole() {
    common::within(
        common::PATIENCE,
        "the event loop's tasks and the joining thread",
        a_task_that_panics_while_joining_leaves_the_queue_whole_body,
    );
}

fn a_task_that_panics_while_joining_leaves_the_queue_whole_body() {
    use turnstile::TaskError;
    use turnstile::event_loop::{run, spawn, yield_now};
    let queue = Arc::new(FifoQueue::unbounded());
    queue.put(1).unwrap();
    let joiner = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.join())
    };
    run(async {
        let panicking = {
            let queue = Arc::clone(&queue);
            spawn(async move {
                let mut joining = std::pin::pin!(queue.join_async());
                std::future::poll_fn(|context| {
                    assert!(joining.as_mut().poll(context).is_pending());
                    std::task::Poll::Ready(())
                })
                .await;
                panic!("a task fails while its join waits");
            })
            .unwrap()
        };
        let joining = {
            let queue = Arc::clone(&queue);
            spawn(async move { queue.join_async().await }).unwrap()
        };
        assert!(matches!(panicking.await, Err(TaskError::Panicked(_))));
        yield_now().await;
        assert_eq!(queue.get_async().await, Ok(1));
        queue.task_done().unwrap();
        joining.await.unwrap();
    });
    common::join_within("a join released after a task panicked", joiner);
    assert_eq!(queue.unfinished_tasks(), 0);
}
