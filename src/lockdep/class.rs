//! A lock's class: where it was created (or the name it was given), and
//! the registry that numbers the classes and keeps their labels for the
//! reports. Every tracked primitive keeps a [`Class`]; the hooks in
//! `hooks.rs` ask it for its number.

use std::panic::Location;

use super::super::facade::{AtomicU32, Ordering};
use super::graph::ClassId;
use super::lock::RawLocked;

/// A lock's class, kept in every tracked primitive: where it was created
/// (or its given name), and its number in the graph once it has one.
pub(crate) struct Class {
    pub(super) origin: Origin,
    /// Whether one thread may hold it more than once (a semaphore's
    /// permits) without waiting for itself.
    pub(super) many: bool,
    /// 0 until the class is first used; then its [`ClassId`].
    id: AtomicU32,
}

#[derive(Clone, Copy)]
pub(super) enum Origin {
    /// turnstile's own internal locks: not checked.
    Untracked,
    Site(&'static str, &'static Location<'static>),
    Named(&'static str, &'static str),
}

impl Class {
    /// The class of a `kind` created at the caller's site.
    #[track_caller]
    pub(crate) const fn new(kind: &'static str) -> Self {
        Self::with(Origin::Site(kind, Location::caller()), false)
    }

    /// The class of a semaphore `kind` created at the caller's site: a
    /// thread may hold several of its permits.
    #[track_caller]
    pub(crate) const fn permits(kind: &'static str) -> Self {
        Self::with(Origin::Site(kind, Location::caller()), true)
    }

    /// The class named `name`.
    pub(crate) const fn named(kind: &'static str, name: &'static str) -> Self {
        Self::with(Origin::Named(kind, name), false)
    }

    /// No class: turnstile's internal locks.
    pub(crate) const fn untracked() -> Self {
        Self::with(Origin::Untracked, false)
    }

    const fn with(origin: Origin, many: bool) -> Self {
        Self {
            origin,
            many,
            id: AtomicU32::new(0),
        }
    }

    /// The class's number, registering it on first use; `None` if untracked.
    #[inline]
    pub(super) fn id(&self) -> Option<ClassId> {
        // Relaxed: the registry hands every thread the same number for one
        // class, so any value seen is right.
        match self.id.load(Ordering::Relaxed) {
            0 => self.register(),
            id => Some(id),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&self) -> Option<ClassId> {
        let id = register(self.origin)?;
        self.id.store(id, Ordering::Relaxed);
        Some(id)
    }
}

/// Where a hook was called from: the user's call, through `#[track_caller]`.
pub(crate) type Site = &'static Location<'static>;

/// The caller's site.
#[track_caller]
#[inline]
pub(crate) fn caller() -> Site {
    Location::caller()
}

/// Every class's label, indexed by `id - 1`, and the origins registered.
static REGISTRY: RawLocked<Vec<(Key, String)>> = RawLocked::new(Vec::new());

/// A call site as a key: file, line, column.
pub(super) type SiteKey = (&'static str, u32, u32);

/// A registered origin: its site, or its name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Site(&'static str, u32, u32),
    Named(&'static str),
}

pub(super) fn site_key(at: Site) -> SiteKey {
    (at.file(), at.line(), at.column())
}

fn register(origin: Origin) -> Option<ClassId> {
    let (key, label) = match origin {
        Origin::Untracked => return None,
        Origin::Site(kind, at) => {
            let (file, line, column) = site_key(at);
            (
                Key::Site(file, line, column),
                format!("{kind} created at {at}"),
            )
        }
        Origin::Named(kind, name) => (Key::Named(name), format!("{kind} \"{name}\"")),
    };
    let mut registry = REGISTRY.lock();
    if let Some(index) = registry.iter().position(|(k, _)| *k == key) {
        return ClassId::try_from(index + 1).ok();
    }
    registry.push((key, label));
    ClassId::try_from(registry.len()).ok()
}

pub(super) fn label(class: ClassId) -> String {
    let registry = REGISTRY.lock();
    registry
        .get(class as usize - 1)
        .map_or_else(|| format!("class {class}"), |(_, label)| label.clone())
}
