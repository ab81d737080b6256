//! A reader of JSON text for the counted-payments path: every text it accepts is valid JSON,
//! and it gives up (`None`) on anything outside the strict subset it reads, so the caller can
//! parse the document the general way instead, whose errors are the ones a user sees.
//!
//! Why not sonic-rs's serde deserializer: reading the payment rows through it (a key, then
//! each value as a `LazyValue` or skipped) took 143,000 instructions a loan on the benchmark's
//! loans, more than parsing them into a document (63,000; docs/performance.md, twelfth
//! session). Numbers and escapes are checked as RFC 8259 writes them; an escape of a UTF-16
//! surrogate, a control character, or nesting deeper than [`MAX_DEPTH`] is left to the
//! general parse rather than judged here.

/// The deepest nesting read; deeper documents go to the general parse.
const MAX_DEPTH: u32 = 64;

/// A position in a JSON text.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    /// At the start of `text`.
    pub(crate) fn new(text: &'a str) -> Cursor<'a> {
        Cursor { text, at: 0 }
    }

    /// The byte offset read up to.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// The text after the cursor.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.text.as_bytes()[self.at..]
    }

    /// Moves past `n` bytes the caller has read from [`Cursor::rest`] (a whole number of
    /// characters).
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        self.at += n;
    }

    /// The text from `start`, a position this cursor was at before, up to the cursor.
    #[inline]
    pub(crate) fn since(&self, start: usize) -> &'a [u8] {
        &self.text.as_bytes()[start..self.at]
    }

    /// Back to `at`, a position this cursor was at before (a reader that declines after
    /// reading part of a value).
    #[inline]
    pub(crate) fn back_to(&mut self, at: usize) {
        debug_assert!(at <= self.at);
        self.at = at;
    }

    /// The next `n` bytes, which the caller has read from [`Cursor::rest`] (a whole number of
    /// characters), passed over.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> &'a str {
        let s = &self.text[self.at..self.at + n];
        self.at += n;
        s
    }

    /// Passes over whitespace; the next byte.
    #[inline]
    pub(crate) fn next_token(&mut self) -> Option<u8> {
        let b = self.text.as_bytes();
        // Compact JSON has no whitespace between tokens: one compare decides that case.
        let c = *b.get(self.at)?;
        if c > b' ' {
            return Some(c);
        }
        while let Some(&c) = b.get(self.at) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(c);
            }
            self.at += 1;
        }
        None
    }

    /// Whitespace, then `c`.
    #[inline]
    pub(crate) fn eat(&mut self, c: u8) -> Option<()> {
        (self.next_token()? == c).then(|| self.at += 1)
    }

    /// Whitespace, then `c` if it is there.
    #[inline]
    pub(crate) fn eat_if(&mut self, c: u8) -> bool {
        let here = self.next_token() == Some(c);
        if here {
            self.at += 1;
        }
        here
    }

    /// Only whitespace is left.
    #[cfg(test)]
    pub(crate) fn at_end(&mut self) -> bool {
        self.next_token().is_none()
    }

    /// A string (after whitespace), checked: its text between the quotes as written, and
    /// whether it holds an escape (then the text is not its characters).
    #[inline]
    pub(crate) fn string(&mut self) -> Option<(&'a str, bool)> {
        self.eat(b'"')?;
        self.string_after_quote()
    }

    /// [`Cursor::string`] whose opening quote was read. (Read through locals and the cursor
    /// moved once: this is most of the work of reading a payment row.)
    #[inline]
    pub(crate) fn string_after_quote(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        let n = plain_run(&self.text.as_bytes()[start..]);
        if self.text.as_bytes().get(start + n) == Some(&b'"') {
            self.at = start + n + 1;
            return Some((&self.text[start..start + n], false));
        }
        self.at = start + n;
        self.string_escaped(start)
    }

    /// [`Cursor::string_after_quote`] past its first byte that is not plain.
    #[cold]
    fn string_escaped(&mut self, start: usize) -> Option<(&'a str, bool)> {
        let b = self.text.as_bytes();
        let mut escaped = false;
        loop {
            self.at += plain_run(&b[self.at..]);
            match *b.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some((&self.text[start..self.at - 1], escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.at += 1;
                    match *b.get(self.at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = self.text.get(self.at + 1..self.at + 5)?;
                            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                                return None;
                            }
                            let unit = u16::from_str_radix(hex, 16).ok()?;
                            if (0xD800..=0xDFFF).contains(&unit) {
                                return None;
                            }
                            self.at += 5;
                        }
                        _ => return None,
                    }
                }
                // A control character: not allowed in a JSON string.
                _ => return None,
            }
        }
    }

    /// A value of any kind (after whitespace), checked and passed over; its text.
    pub(crate) fn value(&mut self) -> Option<&'a str> {
        self.next_token()?;
        let start = self.at;
        self.skip(0)?;
        Some(&self.text[start..self.at])
    }

    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.next_token()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                if self.eat_if(b'}') {
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.eat(b':')?;
                    self.skip(depth + 1)?;
                    if !self.eat_if(b',') {
                        return self.eat(b'}');
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                if self.eat_if(b']') {
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    if !self.eat_if(b',') {
                        return self.eat(b']');
                    }
                }
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number().map(drop),
        }
    }

    /// `word` (one of JSON's three literals) at the cursor.
    #[inline]
    pub(crate) fn literal(&mut self, word: &str) -> Option<()> {
        // Inlined, the word is a constant and the compare a few integer compares.
        self.rest().starts_with(word.as_bytes()).then(|| {
            self.at += word.len();
        })
    }

    /// A number as RFC 8259 writes it: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    pub(crate) fn number(&mut self) -> Option<&'a str> {
        self.next_token()?;
        let start = self.at;
        let b = &self.text.as_bytes()[start..];
        let mut i = usize::from(b.first() == Some(&b'-'));
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i += 1 + digit_run(&b[i + 1..]),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let n = digit_run(&b[i + 1..]);
            if n == 0 {
                return None;
            }
            i += 1 + n;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let n = digit_run(&b[i..]);
            if n == 0 {
                return None;
            }
            i += n;
        }
        self.at = start + i;
        Some(&self.text[start..start + i])
    }
}

/// The number of ASCII digits `b` starts with. Eight bytes at a time, as [`plain_run`]: ids
/// and LoanPro's `/Date(N)/` seconds are 9 to 10 digits, one at a time the most of reading
/// them.
#[inline]
pub(crate) fn digit_run(b: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // The high bit of each byte below '0' (the borrow of a flagged byte only reaches
        // bytes above it), and of each above '9' (+0x46 carries into bit 7 from 0x3A; bytes
        // from 0x80 are flagged by `| v`): exact for the lowest non-digit, which is all that
        // is read.
        let below = v.wrapping_sub(ONES * 0x30) & !v & HIGH;
        let above = (v.wrapping_add(ONES * 0x46) | v) & HIGH;
        let found = below | above;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count()
}

/// The length of the run of bytes at the start of `b` that need no look inside a string:
/// not a quote, a backslash or a control character. Eight bytes at a time (a word's bytes
/// compared at once): the byte-by-byte loop cost ten instructions a byte, the most of
/// reading a loan's payments.
#[inline]
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // The high bit of each byte of `v` below `n` (`n` at most 128): exact for the first such
    // byte, which is all that is read.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = below(v ^ (ONES * u64::from(b'"')), 1)
            | below(v ^ (ONES * u64::from(b'\\')), 1)
            | below(v, 0x20);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b
        .get(i)
        .is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20)
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> bool {
        let mut c = Cursor::new(text);
        c.value().is_some() && c.at_end()
    }

    #[test]
    fn accepts_only_valid_json() {
        for ok in [
            r#"{"a": [1, -0.5, 2e10, 3E-2, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]}"#,
            "[]",
            "{}",
            " 0 ",
            r#""é""#,
        ] {
            assert!(whole(ok), "{ok}");
            assert!(sonic_rs::from_str::<sonic_rs::Value>(ok).is_ok(), "{ok}");
        }
        for bad in [
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "[1,]",
            "{,}",
            r#"{"a" 1}"#,
            r#"{"a":}"#,
            "[1 2]",
            r#""\x""#,
            r#""\u12""#,
            r#""\u+12a""#,
            "\"a\u{1}\"",
            "tru",
            "nul",
            "[",
            r#"{"a":1"#,
            "",
        ] {
            assert!(!whole(bad), "{bad:?}");
        }
        // Valid, but left to the general parse: a surrogate escape, deep nesting.
        assert!(!whole(r#""\ud83d\ude00""#));
        assert!(!whole(&format!("{}{}", "[".repeat(70), "]".repeat(70))));
    }

    #[test]
    fn plain_runs_stop_at_the_first_special_byte() {
        for (i, special) in [b'"', b'\\', 0x00, 0x1F, b'\n'].into_iter().enumerate() {
            for at in 0..20 {
                let mut b = vec![b'a' ^ (i as u8); 20];
                b[at] = special;
                // A byte past it that would borrow into the found one's word.
                if at + 1 < b.len() {
                    b[at + 1] = 0x00;
                }
                assert_eq!(plain_run(&b), at, "{special:#x} at {at}");
            }
        }
        let wide = "é€ and DEL \u{7f}, plain";
        assert_eq!(plain_run(wide.as_bytes()), wide.len());
        assert_eq!(plain_run(&[0x20; 19]), 19);
        assert_eq!(plain_run(&[0xFF; 9]), 9);
    }

    #[test]
    fn digit_runs_stop_at_the_first_byte_that_is_not_a_digit() {
        for len in 0..20 {
            for stop in [b'/', b':', b'.', b')', b'"', 0x00, 0x80, 0xBA, 0xFF, b'a'] {
                let mut b: Vec<u8> = (0..len).map(|i| b'0' + (i % 10) as u8).collect();
                b.push(stop);
                // Bytes past it that would borrow or carry into the found one's word.
                b.extend([0x00, 0xFF, b'5']);
                assert_eq!(digit_run(&b), len, "{len} digits then {stop:#x}");
            }
            let digits: Vec<u8> = (0..len).map(|i| b'9' - (i % 10) as u8).collect();
            assert_eq!(digit_run(&digits), len);
        }
        for byte in 0..=255u8 {
            let b = [byte; 9];
            let expected = if byte.is_ascii_digit() { 9 } else { 0 };
            assert_eq!(digit_run(&b), expected, "{byte:#x}");
        }
    }

    #[test]
    fn strings_say_whether_they_hold_escapes() {
        let mut c = Cursor::new(r#" "plain" "a\nb" "a very long plain string past a word" "#);
        assert_eq!(c.string(), Some(("plain", false)));
        assert_eq!(c.string(), Some((r"a\nb", true)));
        assert_eq!(
            c.string(),
            Some(("a very long plain string past a word", false))
        );
        assert!(c.at_end());
    }
}
