//! A consumer that waits with `if` where it must wait with `while`.

use super::super::condvar::Condvar;
use super::super::mutex::Mutex;

/// Broken twin of `cv.wait_while(&mut items, |items| *items == 0)`: it checks
/// for an item once, waits once, and then takes an item as if one must be
/// there. But between the notification and this thread retaking the lock,
/// another consumer can take the item (and a wait may also return
/// spuriously). Python's docs say the same: "wait in a `while` loop".
///
/// `items` counts items on a shelf. Returns whether an item was really there
/// when it took one; the model asserts that it always is.
pub fn take_one_waiting_with_if(items: &Mutex<u32>, item_ready: &Condvar) -> bool {
    let mut items = items.lock();
    // BUG: `if`, so the count is not checked again after the wait.
    if *items == 0 {
        item_ready.wait(&mut items);
    }
    if *items == 0 {
        return false;
    }
    *items -= 1;
    true
}
