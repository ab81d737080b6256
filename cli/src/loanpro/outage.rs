//! Calls that failed in a row because LoanPro did not answer: what the sync's and writeback's
//! circuit breakers count. Each such call has already waited through the client's retries, so
//! an outage would otherwise cost minutes a call; a run stops once a streak is long enough.

/// A run of consecutive outage failures, against a limit.
#[derive(Debug, Clone)]
pub struct OutageStreak {
    limit: usize,
    in_a_row: usize,
}

impl OutageStreak {
    /// A streak that trips at `limit` failures in a row (at least one).
    pub fn new(limit: usize) -> OutageStreak {
        OutageStreak {
            limit: limit.max(1),
            in_a_row: 0,
        }
    }

    /// Counts one call's outcome (`outage`: it failed because LoanPro did not answer; any other
    /// outcome ends the streak) and says whether the streak has reached the limit.
    pub fn record(&mut self, outage: bool) -> bool {
        self.in_a_row = if outage { self.in_a_row + 1 } else { 0 };
        self.in_a_row >= self.limit
    }

    /// Failures in a row so far.
    pub fn in_a_row(&self) -> usize {
        self.in_a_row
    }
}

#[cfg(test)]
mod tests {
    use super::OutageStreak;

    #[test]
    fn only_an_unbroken_streak_trips() {
        let mut s = OutageStreak::new(3);
        assert!(!s.record(true) && !s.record(true));
        assert!(!s.record(false), "another outcome ends the streak");
        assert!(!s.record(true) && !s.record(true));
        assert!(s.record(true));
        assert_eq!(s.in_a_row(), 3);
        assert!(OutageStreak::new(0).record(true), "a limit of 0 means 1");
    }
}
