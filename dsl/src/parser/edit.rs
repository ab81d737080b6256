//! Same-length edits. A repair that adds characters (a missing `"`, `==` for `=`, a `}`)
//! takes the room from whitespace near it, so the repaired text is byte for byte as long as
//! the file and every span still points at the same place.

/// `text` with `text[at..at + len]` replaced by `with`. A shorter replacement is padded with
/// spaces; a longer one removes as many whitespace bytes outside texts and comments, on the
/// edit's line first and nearest to it, where removing them leaves the tokens as they were
/// (next to other whitespace, a bracket, a comma or a quote). `None` when there is not that
/// much room.
pub(super) fn replace(text: &str, at: usize, len: usize, with: &str) -> Option<String> {
    let mut e: Vec<u8> = Vec::with_capacity(text.len() + with.len());
    e.extend_from_slice(&text.as_bytes()[..at]);
    e.extend_from_slice(with.as_bytes());
    e.extend_from_slice(&text.as_bytes()[at + len..]);
    let edit = at..at + with.len();
    if with.len() <= len {
        e.splice(
            edit.end..edit.end,
            std::iter::repeat_n(b' ', len - with.len()),
        );
        return String::from_utf8(e).ok();
    }
    let need = with.len() - len;
    let code = outside_texts(&e);
    let line = |i: usize| e[..i].iter().filter(|b| **b == b'\n').count();
    let edit_line = line(at);
    let mut room: Vec<usize> = (0..e.len())
        .filter(|i| !edit.contains(i) && code[*i] && removable(&e, *i))
        .collect();
    room.sort_by_key(|i| (line(*i) != edit_line, i.abs_diff(at)));
    if room.len() < need {
        return None;
    }
    let mut gone = room[..need].to_vec();
    gone.sort_unstable();
    for i in gone.into_iter().rev() {
        e.remove(i);
    }
    String::from_utf8(e).ok()
}

/// Whether the whitespace byte at `i` can go without joining two tokens into one: two words
/// (`if code`) or two operators (`= =`) on either side of it keep it.
fn removable(e: &[u8], i: usize) -> bool {
    if !matches!(e[i], b' ' | b'\t') {
        return false;
    }
    let (Some(&prev), Some(&next)) = (i.checked_sub(1).and_then(|p| e.get(p)), e.get(i + 1)) else {
        return true;
    };
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let op = |b: u8| b"=<>!?+-*/|.:&".contains(&b);
    !(word(prev) && word(next) || op(prev) && op(next))
}

/// For each byte of `e`, whether it is code: not inside a text (quotes paired from the left
/// on each line, `\` escaping) nor a `#` comment.
pub(super) fn outside_texts(e: &[u8]) -> Vec<bool> {
    let mut code = vec![true; e.len()];
    let mut i = 0;
    while i < e.len() {
        match e[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < e.len() && e[i] != b'"' && e[i] != b'\n' {
                    i += if e[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(e.len());
                code[start..end].iter_mut().for_each(|c| *c = false);
                if i < e.len() && e[i] == b'"' {
                    i += 1;
                }
            }
            b'#' => {
                while i < e.len() && e[i] != b'\n' {
                    code[i] = false;
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_taken_from_whitespace_that_separates_nothing() {
        assert_eq!(
            replace("[\"13, \"61\"]", 4, 0, "\"").as_deref(),
            Some("[\"13\",\"61\"]")
        );
        // `a b` cannot lose its space, nor `= =`.
        assert_eq!(
            replace("a b=  = 1", 4, 0, "!").as_deref(),
            Some("a b=! = 1")
        );
        assert_eq!(replace("x = y", 2, 1, "==").as_deref(), Some("x== y"));
        assert_eq!(replace("x = y", 2, 1, "").as_deref(), Some("x   y"));
        assert_eq!(replace("ab", 1, 0, "="), None);
        // Not inside a text.
        assert_eq!(replace("x \"  \"", 1, 0, "=").as_deref(), Some("x=\"  \""));
        assert_eq!(replace("x\"  \"", 1, 0, "="), None);
    }
}
