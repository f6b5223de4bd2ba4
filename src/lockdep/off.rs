//! The lock-order checker's hooks when feature `lockdep` is off, and in the
//! model copy: empty inline functions and a class of no size, so a normal
//! build pays nothing. The real ones are in `lockdep/hooks.rs` and
//! `lockdep/class.rs` (re-exported by `lockdep/mod.rs`, the door); the
//! signatures match.

/// A lock's class: nothing, here.
pub(crate) struct Class;

impl Class {
    pub(crate) const fn new(_kind: &'static str) -> Self {
        Self
    }
    pub(crate) const fn permits(_kind: &'static str) -> Self {
        Self
    }
    pub(crate) const fn named(_kind: &'static str, _name: &'static str) -> Self {
        Self
    }
    pub(crate) const fn untracked() -> Self {
        Self
    }
}

/// Where a hook was called from: nothing, here.
#[derive(Clone, Copy)]
pub(crate) struct Site;

#[inline(always)]
pub(crate) fn caller() -> Site {
    Site
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Blocking,
    Timed,
}

#[inline(always)]
pub(crate) fn before_lock(_: &Class, _: *const (), _: Site, _: How) {}

#[inline(always)]
pub(crate) fn before_relock(_: &Class, _: *const (), _: Site, _: bool) {}

#[inline(always)]
pub(crate) fn locked(_: &Class, _: *const (), _: Site) {}

#[inline(always)]
pub(crate) fn unlocked(_: &Class, _: *const ()) {}

#[inline(always)]
pub(crate) fn before_wait(_: &'static str, _: Site, _: bool) {}

pub(crate) struct PoolTag;

impl PoolTag {
    pub(crate) const fn new() -> Self {
        Self
    }
    #[inline(always)]
    pub(crate) fn set(&self, _: *const ()) {}
}

#[inline(always)]
pub(crate) fn enter_pool(_: *const ()) {}

#[inline(always)]
pub(crate) fn before_future_wait(_: &PoolTag, _: Site, _: bool) {}
