//! Parsers of option values that clap's built-in ranges word poorly (`0 is not in
//! 1..18446744073709551615`).

/// A whole number from 1.
pub fn positive(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("0: counting starts at 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number from 1")),
    }
}

/// A share of requests, from 0 to 1.
pub fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{v} is not a share from 0 to 1")),
        Err(_) => Err(format!("{text:?} is not a number from 0 to 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_numbers_and_shares() {
        assert_eq!(positive("3"), Ok(3));
        assert_eq!(positive("0"), Err("0: counting starts at 1".to_string()));
        assert!(positive("-1").is_err() && positive("x").is_err());
        assert_eq!(share("0.25"), Ok(0.25));
        assert_eq!(share("1"), Ok(1.0));
        assert!(share("2").unwrap_err().contains("from 0 to 1"));
        assert!(share("NaN").is_err() && share("x").is_err());
    }
}
