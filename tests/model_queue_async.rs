//! loom models of the queues' async put and get: a waker registered under
//! the same lock as a sleeping thread's count, for both engines (the
//! two-lock FIFO and the one-lock LIFO). `cargo test --test
//! model_queue_async` runs them.

mod common;

use common::{CountingWaker, expect_loom_to_catch, model, ready_after_at_most_one_wake};
use std::future::Future as _;
use std::task::{Context, Poll};

use loom::sync::Arc;
use turnstile::model::broken::NoFenceJoinQueue;
use turnstile::model::queue::{Fifo, Lifo, Order, Queue};
use turnstile::model::thread;
use turnstile::model::{GetError, PutError};

/// Property: an async get racing a put (its look and registration against
/// the put's look at the waiting tasks) is woken exactly once when it was
/// left pending, and then takes the item.
#[test]
fn queue_get_async_racing_put_is_woken() {
    model(get_async_racing_put::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_get_async_racing_put_is_woken() {
    model(get_async_racing_put::<Lifo<u32>>);
}

fn get_async_racing_put<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::unbounded());
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.put(1).unwrap())
    };
    let (waker, wakes) = CountingWaker::new();
    let mut context = Context::from_waker(&waker);
    let mut getting = Box::pin(queue.get_async());
    let first = getting.as_mut().poll(&mut context);
    producer.join().unwrap();
    let item = ready_after_at_most_one_wake(first, &mut getting, &mut context, &wakes);
    assert_eq!(item, Ok(1));
}

/// Property: an async put into a full queue racing a get is woken exactly
/// once when it was left pending, and then puts its item.
#[test]
fn queue_put_async_racing_get_is_woken() {
    model(put_async_racing_get::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_put_async_racing_get_is_woken() {
    model(put_async_racing_get::<Lifo<u32>>);
}

fn put_async_racing_get<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::bounded(1).unwrap());
    queue.put(1).unwrap();
    let consumer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.get())
    };
    let (waker, wakes) = CountingWaker::new();
    let mut context = Context::from_waker(&waker);
    let mut putting = Box::pin(queue.put_async(2));
    let first = putting.as_mut().poll(&mut context);
    assert_eq!(consumer.join().unwrap(), Ok(1));
    let put = ready_after_at_most_one_wake(first, &mut putting, &mut context, &wakes);
    assert_eq!(put, Ok(()));
    assert_eq!(queue.try_get(), Ok(2));
}

/// Property: a thread and a task both waiting to get are both served by
/// two puts. A thread counted in may find the first item before it sleeps,
/// so a put that woke only "the thread" would leave the task pending with
/// the second item in the queue; loom's executor reports that as a
/// deadlock.
#[test]
fn queue_thread_and_task_getting_are_both_served() {
    model(thread_and_task_getting_are_both_served::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_thread_and_task_getting_are_both_served() {
    model(thread_and_task_getting_are_both_served::<Lifo<u32>>);
}

fn thread_and_task_getting_are_both_served<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::unbounded());
    let thread_getter = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.get().unwrap())
    };
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            queue.put(1).unwrap();
            queue.put(2).unwrap();
        })
    };
    let by_task = loom::future::block_on(queue.get_async()).unwrap();
    let by_thread = thread_getter.join().unwrap();
    producer.join().unwrap();
    let mut both = [by_task, by_thread];
    both.sort_unstable();
    assert_eq!(both, [1, 2]);
}

/// Property: of two waiting tasks, the first is woken by a put and then
/// dropped (cancelled) before it polls: the wake passes to the second task,
/// which then takes the item. Dropping and the put race; in every order the
/// second task is woken exactly once.
#[test]
fn queue_get_async_cancelled_after_its_wake_passes_it_on() {
    model(get_async_cancelled_after_its_wake_passes_it_on::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_get_async_cancelled_after_its_wake_passes_it_on() {
    model(get_async_cancelled_after_its_wake_passes_it_on::<Lifo<u32>>);
}

fn get_async_cancelled_after_its_wake_passes_it_on<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::unbounded());
    let (first_waker, _) = CountingWaker::new();
    let (second_waker, second_wakes) = CountingWaker::new();
    let mut first = Box::pin(queue.get_async());
    let mut second = Box::pin(queue.get_async());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    let mut context = Context::from_waker(&second_waker);
    assert!(second.as_mut().poll(&mut context).is_pending());
    let producer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.put(7).unwrap())
    };
    drop(first);
    producer.join().unwrap();
    assert_eq!(
        second_wakes.wakes(),
        1,
        "the item is there and the second task was not woken"
    );
    assert_eq!(second.as_mut().poll(&mut context), Poll::Ready(Ok(7)));
}

/// Property: the same hand-on for putting tasks: of two tasks waiting for
/// room, the first is woken by a get and dropped; the second is woken and
/// puts.
#[test]
fn queue_put_async_cancelled_after_its_wake_passes_it_on() {
    model(put_async_cancelled_after_its_wake_passes_it_on::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_put_async_cancelled_after_its_wake_passes_it_on() {
    model(put_async_cancelled_after_its_wake_passes_it_on::<Lifo<u32>>);
}

fn put_async_cancelled_after_its_wake_passes_it_on<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::bounded(1).unwrap());
    queue.put(1).unwrap();
    let (first_waker, _) = CountingWaker::new();
    let (second_waker, second_wakes) = CountingWaker::new();
    let mut first = Box::pin(queue.put_async(2));
    let mut second = Box::pin(queue.put_async(3));
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    let mut context = Context::from_waker(&second_waker);
    assert!(second.as_mut().poll(&mut context).is_pending());
    let consumer = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.get())
    };
    drop(first);
    assert_eq!(consumer.join().unwrap(), Ok(1));
    assert_eq!(
        second_wakes.wakes(),
        1,
        "there is room and the second task was not woken"
    );
    assert_eq!(second.as_mut().poll(&mut context), Poll::Ready(Ok(())));
    assert_eq!(queue.try_get(), Ok(3));
}

/// Property: `close` racing an async get and an async put (each on a queue
/// that makes it wait) wakes both if they were left pending; they resolve
/// to closed, and the put hands its item back.
#[test]
fn queue_close_racing_async_waits_wakes_them() {
    model(close_racing_async_waits_wakes_them::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_close_racing_async_waits_wakes_them() {
    model(close_racing_async_waits_wakes_them::<Lifo<u32>>);
}

fn close_racing_async_waits_wakes_them<O: Order<u32> + 'static>() {
    let empty = Arc::new(Queue::<u32, O>::unbounded());
    let full = Arc::new(Queue::<u32, O>::bounded(1).unwrap());
    full.put(1).unwrap();
    let closer = {
        let (empty, full) = (Arc::clone(&empty), Arc::clone(&full));
        thread::spawn(move || {
            empty.close();
            full.close();
        })
    };
    let got = loom::future::block_on(empty.get_async());
    let put = loom::future::block_on(full.put_async(2));
    closer.join().unwrap();
    assert_eq!(got, Err(GetError::Closed));
    assert_eq!(put, Err(PutError::Closed(2)));
}

/// Property: an async join racing the `task_done` of another thread that
/// finishes the last task (the join's look and registration against
/// `task_done`'s look at the joining tasks) is woken exactly once when it
/// was left pending, and is then ready: never a lost wake-up. In the FIFO
/// `task_done` takes no lock; the join registers, fences and looks again
/// (Dekker's pattern, as the joining threads do), so a `task_done` between
/// the registration and the second look may wake a task that then finds
/// the work done at once: one spare wake (a poll, no more), allowed here.
#[test]
fn queue_join_async_racing_task_done_is_woken() {
    model(|| join_async_racing_task_done::<Fifo<u32>>(SpareWake::Allowed));
}

/// The same property for the one-lock queue (LIFO), where the look and
/// the registration are under the lock `task_done` takes: no spare wake.
#[test]
fn lifo_join_async_racing_task_done_is_woken() {
    model(|| join_async_racing_task_done::<Lifo<u32>>(SpareWake::Not));
}

#[derive(Clone, Copy, PartialEq)]
enum SpareWake {
    Allowed,
    Not,
}

fn join_async_racing_task_done<O: Order<u32> + 'static>(spare: SpareWake) {
    let queue = Arc::new(Queue::<u32, O>::unbounded());
    queue.put(1).unwrap();
    assert_eq!(queue.get(), Ok(1));
    let worker = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.task_done().unwrap())
    };
    let (waker, wakes) = CountingWaker::new();
    let mut context = Context::from_waker(&waker);
    let mut joining = Box::pin(queue.join_async());
    let first = joining.as_mut().poll(&mut context);
    worker.join().unwrap();
    if first.is_ready() && spare == SpareWake::Allowed {
        assert!(wakes.wakes() <= 1, "ready at once, and woken twice");
    } else {
        ready_after_at_most_one_wake(first, &mut joining, &mut context, &wakes);
    }
}

/// Property: a thread in `join` and a task in `join_async` both return
/// once a thread's `task_done` finishes the last task: the one change
/// wakes every joiner, thread and task alike (loom's executor reports a
/// task never woken as a deadlock).
#[test]
fn queue_thread_and_task_joining_are_both_released() {
    model(thread_and_task_joining_are_both_released::<Fifo<u32>>);
}

/// The same property for the one-lock queue (LIFO).
#[test]
fn lifo_thread_and_task_joining_are_both_released() {
    model(thread_and_task_joining_are_both_released::<Lifo<u32>>);
}

fn thread_and_task_joining_are_both_released<O: Order<u32> + 'static>() {
    let queue = Arc::new(Queue::<u32, O>::unbounded());
    queue.put(1).unwrap();
    let joiner = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || queue.join())
    };
    let worker = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            queue.get().unwrap();
            queue.task_done().unwrap();
        })
    };
    loom::future::block_on(queue.join_async());
    worker.join().unwrap();
    joiner.join().unwrap();
    assert_eq!(queue.unfinished_tasks(), 0);
}

/// The FIFO's join without its fence (`NoFenceJoinQueue`): the same race
/// as `queue_join_async_racing_task_done_is_woken`, and loom finds the
/// schedule where the task stays pending and nobody wakes it.
#[test]
fn broken_join_async_without_its_fence_is_caught() {
    let report = expect_loom_to_catch("a joining task's wake-up lost", || {
        let queue = Arc::new(NoFenceJoinQueue::new());
        queue.put();
        let worker = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.task_done())
        };
        let (waker, wakes) = CountingWaker::new();
        let done_at_once = queue.poll_join(&waker);
        worker.join().unwrap();
        assert!(
            done_at_once || wakes.wakes() == 1,
            "pending, then woken {} times",
            wakes.wakes()
        );
    });
    assert!(report.contains("pending, then woken 0 times"), "{report}");
}
