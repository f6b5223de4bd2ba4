//! [`Queue<T>`]: `multiprocessing.Queue`, typed: encode, hand the bytes to
//! the engine (`engine.rs`), decode; and the errors each method can give.

use core::fmt;
use core::marker::PhantomData;
use std::io;
use std::time::{Duration, Instant};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::super::super::deadline;
use super::super::shm::Shared;
use super::codec::{FrameError, decode, frame, with_scratch};
use super::engine::{DieAt, Engine, GetFailed, Patience, PutFailed};
use super::error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TryGetError, TryPutError,
};

/// The ring's size when none is asked for: 1 MiB.
pub const DEFAULT_RING_BYTES: usize = 1 << 20;

/// Why a typed put failed, before it is named for its method.
pub(super) enum Failed<T> {
    NoRoom(T),
    Closed(T),
    TooLarge(T),
    Encode(T, String),
}

/// A queue between processes: `multiprocessing.Queue`, for any serde
/// value `T`. See the [module docs](super) for how it works and what a
/// killed process does to it.
///
/// `Clone` gives another handle (for another thread); passing a handle in
/// a child's start argument gives the child one.
///
/// ```
/// use turnstile::process::Queue;
///
/// let queue = Queue::new(0).unwrap(); // 0: no limit but the ring's bytes
/// let sender = queue.clone();
/// std::thread::spawn(move || sender.put(String::from("parcel")).unwrap())
///     .join()
///     .unwrap();
/// assert_eq!(queue.get().unwrap(), "parcel");
/// ```
pub struct Queue<T> {
    pub(super) engine: Engine,
    _items: PhantomData<fn(T) -> T>,
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// A queue of at most `maxsize` items (0: as many as fit in the ring,
    /// Python's `Queue()`), with a ring of [`DEFAULT_RING_BYTES`].
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::<u32>::new(8).unwrap();
    /// assert_eq!(queue.maxsize(), 8);
    /// ```
    pub fn new(maxsize: usize) -> io::Result<Self> {
        Self::with_capacity(maxsize, DEFAULT_RING_BYTES)
    }

    /// A queue of at most `maxsize` items (0: no limit) in a ring of
    /// `ring_bytes` bytes. Each item takes 4 bytes for its length plus its
    /// postcard encoding; an item whose whole encoding is larger than the
    /// ring is refused ([`PutError::TooLarge`]).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a ring under 5 bytes; otherwise what the system
    /// says when it cannot make the shared region.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::<u8>::with_capacity(0, 4096).unwrap();
    /// assert_eq!(queue.ring_bytes(), 4096);
    /// ```
    pub fn with_capacity(maxsize: usize, ring_bytes: usize) -> io::Result<Self> {
        Ok(Self {
            engine: Engine::new(maxsize, ring_bytes)?,
            _items: PhantomData,
        })
    }

    pub(super) fn put_with(
        &self,
        item: T,
        patience: Patience,
        die: Option<DieAt>,
    ) -> Result<(), Failed<T>> {
        let result = with_scratch(|buffer| {
            let framed = frame(&item, core::mem::take(buffer))?;
            let put = self.engine.put(&framed, patience, die);
            *buffer = framed;
            Ok(put)
        });
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(PutFailed::NoRoom)) => Err(Failed::NoRoom(item)),
            Ok(Err(PutFailed::Closed)) => Err(Failed::Closed(item)),
            Ok(Err(PutFailed::TooLarge)) | Err(FrameError::TooLarge) => Err(Failed::TooLarge(item)),
            Err(FrameError::Encode(why)) => Err(Failed::Encode(item, why)),
        }
    }

    /// Adds `item`, waiting while the queue is full.
    ///
    /// # Errors
    ///
    /// Hands the item back if the queue is (or gets) closed, if it is too
    /// large for the ring, or if serde cannot encode it.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// queue.put((1_u8, String::from("one"))).unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        let mut item = item;
        loop {
            match self.put_with(item, Patience::Until(None), None) {
                Ok(()) => return Ok(()),
                // Without a deadline the engine waits on; if it ever gave
                // up, trying again is right.
                Err(Failed::NoRoom(back)) => item = back,
                Err(Failed::Closed(item)) => return Err(PutError::Closed(item)),
                Err(Failed::TooLarge(item)) => return Err(PutError::TooLarge(item)),
                Err(Failed::Encode(item, why)) => return Err(PutError::Encode(item, why)),
            }
        }
    }

    /// Adds `item` if there is room right now (Python's `put_nowait`).
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] with the item if there is no room, and the
    /// errors of [`put`](Self::put).
    ///
    /// ```
    /// use turnstile::process::{Queue, TryPutError};
    ///
    /// let queue = Queue::new(1).unwrap();
    /// assert_eq!(queue.try_put(1), Ok(()));
    /// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.put_with(item, Patience::NoWait, None)
            .map_err(|failed| match failed {
                Failed::NoRoom(item) => TryPutError::Full(item),
                Failed::Closed(item) => TryPutError::Closed(item),
                Failed::TooLarge(item) => TryPutError::TooLarge(item),
                Failed::Encode(item, why) => TryPutError::Encode(item, why),
            })
    }

    /// Adds `item`, waiting at most `timeout` for room. A zero timeout
    /// tries once; `Duration::MAX` waits without limit.
    ///
    /// # Errors
    ///
    /// [`PutTimeoutError::Timeout`] with the item if the time ran out, and
    /// the errors of [`put`](Self::put).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// assert!(queue.put_timeout(1, Duration::from_millis(5)).is_ok());
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, deadline::after(timeout))
    }

    /// Adds `item`, waiting until `deadline` at most for room.
    ///
    /// # Errors
    ///
    /// As [`put_timeout`](Self::put_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    /// use turnstile::process::{PutTimeoutError, Queue};
    ///
    /// let queue = Queue::new(1).unwrap();
    /// queue.put(1).unwrap();
    /// assert_eq!(queue.put_deadline(2, Instant::now()), Err(PutTimeoutError::Timeout(2)));
    /// ```
    pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, Some(deadline))
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        self.put_with(item, Patience::Until(deadline), None)
            .map_err(|failed| match failed {
                Failed::NoRoom(item) => PutTimeoutError::Timeout(item),
                Failed::Closed(item) => PutTimeoutError::Closed(item),
                Failed::TooLarge(item) => PutTimeoutError::TooLarge(item),
                Failed::Encode(item, why) => PutTimeoutError::Encode(item, why),
            })
    }

    pub(super) fn get_with(&self, patience: Patience) -> Result<Result<T, String>, GetFailed> {
        // The bytes are decoded after the lock is let go: a `Deserialize`
        // that panics unwinds with the queue consistent (the item taken).
        with_scratch(|bytes| {
            self.engine.get(bytes, patience, None)?;
            Ok(decode(bytes))
        })
    }

    /// Takes the next item, waiting while the queue is empty. After
    /// [`close`](Self::close) it still drains what is left, then reports
    /// [`GetError::Closed`].
    ///
    /// # Errors
    ///
    /// [`GetError::Closed`], or [`GetError::Decode`] if the item taken is
    /// not a `T` (it is gone; the next `get` goes on with the next item).
    ///
    /// ```
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// queue.put(5_i64).unwrap();
    /// assert_eq!(queue.get(), Ok(5));
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        loop {
            match self.get_with(Patience::Until(None)) {
                Ok(decoded) => return decoded.map_err(GetError::Decode),
                Err(GetFailed::Closed) => return Err(GetError::Closed),
                // As in `put`: without a deadline the engine waits on.
                Err(GetFailed::Nothing) => {}
            }
        }
    }

    /// Takes the next item if there is one right now (Python's
    /// `get_nowait`).
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`], and the errors of [`get`](Self::get).
    ///
    /// ```
    /// use turnstile::process::{Queue, TryGetError};
    ///
    /// let queue = Queue::<u8>::new(0).unwrap();
    /// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        match self.get_with(Patience::NoWait) {
            Ok(decoded) => decoded.map_err(TryGetError::Decode),
            Err(GetFailed::Nothing) => Err(TryGetError::Empty),
            Err(GetFailed::Closed) => Err(TryGetError::Closed),
        }
    }

    /// Takes the next item, waiting at most `timeout`. A zero timeout
    /// tries once; `Duration::MAX` waits without limit.
    ///
    /// # Errors
    ///
    /// [`GetTimeoutError::Timeout`], and the errors of [`get`](Self::get).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::process::{GetTimeoutError, Queue};
    ///
    /// let queue = Queue::<u8>::new(0).unwrap();
    /// assert_eq!(queue.get_timeout(Duration::from_millis(5)), Err(GetTimeoutError::Timeout));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        self.get_until(deadline::after(timeout))
    }

    /// Takes the next item, waiting until `deadline` at most.
    ///
    /// # Errors
    ///
    /// As [`get_timeout`](Self::get_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// queue.put('x').unwrap();
    /// assert_eq!(queue.get_deadline(Instant::now()), Ok('x'));
    /// ```
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetTimeoutError> {
        self.get_until(Some(deadline))
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetTimeoutError> {
        match self.get_with(Patience::Until(deadline)) {
            Ok(decoded) => decoded.map_err(GetTimeoutError::Decode),
            Err(GetFailed::Nothing) => Err(GetTimeoutError::Timeout),
            Err(GetFailed::Closed) => Err(GetTimeoutError::Closed),
        }
    }

    /// For tests of a holder's death only: runs an operation up to `at`
    /// and returns still holding the queue's lock, as if killed there.
    /// The calling thread must end without touching the queue again (or
    /// its process be killed); the kernel then releases the lock and the
    /// next operation recovers. `item` is the put's item (ignored by the
    /// get stages and by `Holding`).
    #[doc(hidden)]
    pub fn die_holding_lock(&self, at: DieAt, item: Option<T>) {
        match at {
            DieAt::GetBeforePublish | DieAt::GetAfterPublish => {
                let _ = self.engine.get(&mut Vec::new(), Patience::NoWait, Some(at));
            }
            DieAt::Holding | DieAt::PutBeforePublish | DieAt::PutAfterPublish => {
                if let Some(item) = item {
                    let _ = self.put_with(item, Patience::NoWait, Some(at));
                } else if let Ok(framed) = frame(&(), Vec::new()) {
                    let _ = self.engine.put(&framed, Patience::NoWait, Some(at));
                }
            }
        }
    }
}

impl<T> Queue<T> {
    /// How many items it holds now (Python's `qsize`): a snapshot.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// queue.put(1_u8).unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// ```
    #[must_use]
    pub fn qsize(&self) -> usize {
        self.engine.len()
    }

    /// Whether it holds nothing now (Python's `empty`): a snapshot.
    ///
    /// ```
    /// assert!(turnstile::process::Queue::<u8>::new(0).unwrap().empty());
    /// ```
    #[must_use]
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether it holds `maxsize` items now (Python's `full`); always
    /// `false` for `maxsize` 0. A put can still wait when this says
    /// `false`: for free bytes in the ring.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::new(1).unwrap();
    /// queue.put(1_u8).unwrap();
    /// assert!(queue.full());
    /// ```
    #[must_use]
    pub fn full(&self) -> bool {
        self.engine.is_full()
    }

    /// The item limit it was made with (0: none).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Queue::<u8>::new(3).unwrap().maxsize(), 3);
    /// ```
    #[must_use]
    pub fn maxsize(&self) -> usize {
        self.engine.maxsize()
    }

    /// The ring's size in bytes.
    ///
    /// ```
    /// use turnstile::process::{DEFAULT_RING_BYTES, Queue};
    ///
    /// assert_eq!(Queue::<u8>::new(0).unwrap().ring_bytes(), DEFAULT_RING_BYTES);
    /// ```
    #[must_use]
    pub fn ring_bytes(&self) -> usize {
        self.engine.ring_bytes()
    }

    /// Bytes of the ring in use now (items and their lengths): a snapshot.
    ///
    /// ```
    /// let queue = turnstile::process::Queue::new(0).unwrap();
    /// queue.put(7_u8).unwrap(); // 4 bytes of length, 1 of postcard
    /// assert_eq!(queue.used_bytes(), 5);
    /// ```
    #[must_use]
    pub fn used_bytes(&self) -> usize {
        self.engine.used_bytes()
    }

    /// Closes the queue for every process: later puts fail (handing the
    /// item back), waiting puts are woken and fail, gets drain what is
    /// left and then report closed. Closing twice is harmless. (Python's
    /// `Queue.close` only stops the calling process's feeder thread; this
    /// is the thread queues' `close`, for all handles at once.)
    ///
    /// ```
    /// use turnstile::process::{GetError, PutError, Queue};
    ///
    /// let queue = Queue::new(0).unwrap();
    /// queue.put(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.put(2), Err(PutError::Closed(2)));
    /// assert_eq!(queue.get(), Ok(1));
    /// assert_eq!(queue.get(), Err(GetError::Closed));
    /// ```
    pub fn close(&self) {
        self.engine.close();
    }

    /// Whether [`close`](Self::close) was called (by any process).
    ///
    /// ```
    /// let queue = turnstile::process::Queue::<u8>::new(0).unwrap();
    /// queue.close();
    /// assert!(queue.is_closed());
    /// ```
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.engine.is_closed()
    }

    /// How many times a holder of the queue's internal lock was found dead
    /// (a process killed mid-put or mid-get) and the queue recovered: 0
    /// unless that happened. Recovery loses nothing the dead process had
    /// not finished taking; see the [module docs](super).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Queue::<u8>::new(0).unwrap().dead_holders(), 0);
    /// ```
    #[must_use]
    pub fn dead_holders(&self) -> u64 {
        self.engine.dead_holders()
    }

    /// Items dropped because the ring's bytes could not be read: always 0
    /// unless the shared memory was overwritten from outside the queue (no
    /// death of a holder leaves the ring unreadable).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Queue::<u8>::new(0).unwrap().discarded(), 0);
    /// ```
    #[must_use]
    pub fn discarded(&self) -> u64 {
        self.engine.discarded()
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            _items: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Queue")
            .field("maxsize", &self.maxsize())
            .field("ring_bytes", &self.ring_bytes())
            .field("closed", &self.is_closed())
            .field("dead_holders", &self.dead_holders())
            .finish_non_exhaustive()
    }
}

impl<T> Serialize for Queue<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.engine.shared().serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Queue<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let shared = Shared::deserialize(deserializer)?;
        Ok(Self {
            engine: Engine::from_shared(shared).map_err(D::Error::custom)?,
            _items: PhantomData,
        })
    }
}
