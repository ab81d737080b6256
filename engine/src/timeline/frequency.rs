//! Payment frequencies (derivations.md §2 and §6): how due dates step, payments per year, and
//! the Metro 2 terms fields they give.

/// How often installments fall due. LoanPro's `single` and `custom` are outside the preset and
/// have no variant: such a loan is an error record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Every 7 days from the first due date.
    Weekly,
    /// Every 14 days.
    BiWeekly,
    /// Twice a month: the first due date's day each month, and 15 days after it.
    SemiMonthly,
    /// Every month, on the first due date's day (clamped to shorter months).
    Monthly,
    /// Every 3 months.
    Quarterly,
    /// Every 6 months.
    SemiAnnually,
    /// Every 12 months.
    Annually,
}

impl Frequency {
    /// Every frequency, for tests and generators.
    pub const ALL: [Frequency; 7] = [
        Frequency::Weekly,
        Frequency::BiWeekly,
        Frequency::SemiMonthly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::SemiAnnually,
        Frequency::Annually,
    ];

    /// Reads LoanPro's `LoanSetup.paymentFrequency` (`loan.frequency.monthly`, ...). The prefix
    /// is optional; the rest is matched exactly, as LoanPro spells it.
    pub fn from_loanpro(text: &str) -> Option<Frequency> {
        let name = text.strip_prefix("loan.frequency.").unwrap_or(text);
        Some(match name {
            "weekly" => Frequency::Weekly,
            "biWeekly" => Frequency::BiWeekly,
            "semimonthly" => Frequency::SemiMonthly,
            "monthly" => Frequency::Monthly,
            "quarterly" => Frequency::Quarterly,
            "semiannually" => Frequency::SemiAnnually,
            "annually" => Frequency::Annually,
            _ => return None,
        })
    }

    /// LoanPro's name of the frequency, with the `loan.frequency.` prefix.
    pub fn loanpro_name(self) -> &'static str {
        match self {
            Frequency::Weekly => "loan.frequency.weekly",
            Frequency::BiWeekly => "loan.frequency.biWeekly",
            Frequency::SemiMonthly => "loan.frequency.semimonthly",
            Frequency::Monthly => "loan.frequency.monthly",
            Frequency::Quarterly => "loan.frequency.quarterly",
            Frequency::SemiAnnually => "loan.frequency.semiannually",
            Frequency::Annually => "loan.frequency.annually",
        }
    }

    /// Payments per year (`ppy`).
    pub fn per_year(self) -> u32 {
        match self {
            Frequency::Weekly => 52,
            Frequency::BiWeekly => 26,
            Frequency::SemiMonthly => 24,
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
            Frequency::SemiAnnually => 2,
            Frequency::Annually => 1,
        }
    }

    /// The Metro 2 Terms Frequency code.
    pub fn terms_code(self) -> &'static str {
        match self {
            Frequency::Weekly => "W",
            Frequency::BiWeekly => "B",
            Frequency::SemiMonthly => "E",
            Frequency::Monthly => "M",
            Frequency::Quarterly => "Q",
            Frequency::SemiAnnually => "S",
            Frequency::Annually => "Y",
        }
    }

    /// Terms Duration in months for `n` installments: round-half-up(n × 12 / ppy).
    pub fn terms_months(self, n: u32) -> u64 {
        let ppy = u64::from(self.per_year());
        (u64::from(n) * 24 + ppy) / (2 * ppy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loanpro_names_round_trip() {
        for f in Frequency::ALL {
            assert_eq!(Frequency::from_loanpro(f.loanpro_name()), Some(f));
        }
        assert_eq!(Frequency::from_loanpro("monthly"), Some(Frequency::Monthly));
        assert_eq!(Frequency::from_loanpro("loan.frequency.single"), None);
        assert_eq!(Frequency::from_loanpro("loan.frequency.custom"), None);
        assert_eq!(Frequency::from_loanpro("loan.frequency.biweekly"), None);
    }

    #[test]
    fn terms_duration_rounds_half_up() {
        assert_eq!(Frequency::Monthly.terms_months(36), 36);
        assert_eq!(Frequency::BiWeekly.terms_months(78), 36);
        assert_eq!(Frequency::Weekly.terms_months(52), 12);
        // 13 weekly payments = 3.0 months; 1 weekly = 0.23 → 0; 2 weekly = 0.46 → 0; 3 = 0.69 → 1.
        assert_eq!(Frequency::Weekly.terms_months(13), 3);
        assert_eq!(Frequency::Weekly.terms_months(2), 0);
        assert_eq!(Frequency::Weekly.terms_months(3), 1);
        // 1 biweekly = 12/26 = 0.4615 → 0; 13 biweekly = 6.0; 27 biweekly = 12.46 → 12.
        assert_eq!(Frequency::BiWeekly.terms_months(27), 12);
        // exactly half: 1 semimonthly = 0.5 → 1; 3 semimonthly = 1.5 → 2.
        assert_eq!(Frequency::SemiMonthly.terms_months(1), 1);
        assert_eq!(Frequency::SemiMonthly.terms_months(3), 2);
        assert_eq!(Frequency::Quarterly.terms_months(8), 24);
        assert_eq!(Frequency::SemiAnnually.terms_months(10), 60);
        assert_eq!(Frequency::Annually.terms_months(5), 60);
        for f in Frequency::ALL {
            assert_eq!(f.terms_code().len(), 1);
        }
    }
}
