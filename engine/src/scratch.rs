//! One reused text buffer per thread, for text that is built, used and dropped: a built-in's
//! result before it becomes a value, a field's text before it is encoded.

use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `f` on the thread's buffer, emptied; on a fresh one when `f` (or its caller) is
/// already using it, so nesting is correct, only dearer.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut String) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            f(&mut buf)
        }
        Err(_) => f(&mut String::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_use_gets_its_own_empty_buffer() {
        let outer = with_scratch(|a| {
            a.push_str("outer");
            let inner = with_scratch(|b| {
                assert!(b.is_empty());
                b.push_str("inner");
                b.clone()
            });
            format!("{a}+{inner}")
        });
        assert_eq!(outer, "outer+inner");
        assert_eq!(with_scratch(|c| c.len()), 0);
    }
}
