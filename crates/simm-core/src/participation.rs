//! How well a campaign reaches people: the response rate of a group of
//! invitations, and where it stands against survey practice, which aims
//! for 75 to 80 % and treats a group below 60 % as one whose results may
//! not speak for it. Counts of invitations only, never of answers.

/// Below this share of submitted invitations, a group is flagged.
pub const LOW_RESPONSE_RATE: f64 = 0.60;
/// The share survey practice aims for overall.
pub const TARGET_RESPONSE_RATE: f64 = 0.75;

/// Where a response rate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateStanding {
    /// No invitations: no rate.
    NoInvitations,
    /// Below [`LOW_RESPONSE_RATE`].
    Low,
    /// At least the low mark, below [`TARGET_RESPONSE_RATE`].
    BelowTarget,
    MeetsTarget,
}

/// The share of `invited` that submitted, if any were invited.
pub fn response_rate(invited: i64, submitted: i64) -> Option<f64> {
    (invited > 0).then(|| submitted.clamp(0, invited) as f64 / invited as f64)
}

pub fn rate_standing(invited: i64, submitted: i64) -> RateStanding {
    match response_rate(invited, submitted) {
        None => RateStanding::NoInvitations,
        Some(rate) if rate < LOW_RESPONSE_RATE => RateStanding::Low,
        Some(rate) if rate < TARGET_RESPONSE_RATE => RateStanding::BelowTarget,
        Some(_) => RateStanding::MeetsTarget,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_stand_against_the_marks_of_survey_practice() {
        let check = |invited, submitted, rate: Option<f64>, standing| {
            assert_eq!(
                response_rate(invited, submitted),
                rate,
                "{submitted}/{invited}"
            );
            assert_eq!(
                rate_standing(invited, submitted),
                standing,
                "{submitted}/{invited}"
            );
        };
        check(0, 0, None, RateStanding::NoInvitations);
        check(10, 5, Some(0.5), RateStanding::Low);
        check(5, 3, Some(0.6), RateStanding::BelowTarget);
        check(100, 59, Some(0.59), RateStanding::Low);
        check(4, 3, Some(0.75), RateStanding::MeetsTarget);
        check(10, 10, Some(1.0), RateStanding::MeetsTarget);
    }
}
