//! Everything that can go wrong talking to LoanPro. Messages name the endpoint and never carry
//! the token.

/// An error of one LoanPro call. `endpoint` is the method and the path under the API root
/// (`GET odata.svc/Loans(5)`), without the query.
#[derive(Debug, thiserror::Error)]
pub enum LoanProError {
    /// `401`/`403`: fatal for the whole run.
    #[error(
        "LoanPro refused the credentials ({status}) at {endpoint}: the API token or the instance \
         id is wrong, expired or revoked, or the token's role may not call this endpoint"
    )]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// Where.
        endpoint: String,
    },
    /// `410`: the endpoint is deprecated (LoanPro answers so for `GET odata.svc/Loans`).
    #[error("LoanPro no longer serves {endpoint} (410 Gone)")]
    Gone {
        /// Where.
        endpoint: String,
    },
    /// `409`: LoanPro's answer to a bad payload or an unknown id.
    #[error("LoanPro rejected {endpoint} (409 Conflict): {message}")]
    Conflict {
        /// Where.
        endpoint: String,
        /// LoanPro's `error.message`, or the start of the body.
        message: String,
    },
    /// `404`: unknown endpoint (or entity).
    #[error("LoanPro has no {endpoint} (404 Not Found)")]
    NotFound {
        /// Where.
        endpoint: String,
    },
    /// Any other unexpected status.
    #[error("LoanPro answered {status} to {endpoint}")]
    Http {
        /// The status code.
        status: u16,
        /// Where.
        endpoint: String,
    },
    /// No answer: connection refused or dropped, timeout, TLS, a body cut short.
    #[error("no answer from LoanPro at {endpoint}: {message}")]
    Transport {
        /// Where.
        endpoint: String,
        /// What the transport said.
        message: String,
    },
    /// An answer that is not the JSON shape LoanPro sends.
    #[error("malformed answer from LoanPro at {endpoint}: {message}")]
    Malformed {
        /// Where.
        endpoint: String,
        /// What is wrong with it.
        message: String,
    },
    /// A retryable failure that kept happening.
    #[error("{endpoint} failed {attempts} times; last: {last}")]
    RetriesExhausted {
        /// Where.
        endpoint: String,
        /// Attempts made, the first included.
        attempts: u32,
        /// The last failure.
        last: Box<LoanProError>,
    },
    /// A write whose outcome is unknown (the server failed or the connection broke after the
    /// request was sent): it is not repeated, because a note would then be added twice.
    #[error("{endpoint} may or may not have been applied: {last}")]
    WriteUncertain {
        /// Where.
        endpoint: String,
        /// The failure.
        last: Box<LoanProError>,
    },
    /// The configuration itself is unusable (a base URL that does not parse, a header value
    /// with control characters).
    #[error("invalid LoanPro connection settings: {0}")]
    Config(String),
}

impl LoanProError {
    /// Whether the whole run must stop (the credentials are refused): every further call
    /// would fail the same way.
    pub fn is_fatal(&self) -> bool {
        match self {
            LoanProError::Unauthorized { .. } | LoanProError::Config(_) => true,
            LoanProError::RetriesExhausted { last, .. } => last.is_fatal(),
            _ => false,
        }
    }

    /// Whether LoanPro refused the API token or the instance id (`401`, `403`), directly or as
    /// the last failure before the retries ran out.
    pub fn is_unauthorized(&self) -> bool {
        match self {
            LoanProError::Unauthorized { .. } => true,
            LoanProError::RetriesExhausted { last, .. } => last.is_unauthorized(),
            _ => false,
        }
    }

    /// Whether the error says LoanPro itself is unwell (no answer, `408`, `429` or `5xx`, or
    /// such a failure repeated until the retries ran out, or left a write's outcome uncertain),
    /// rather than that this one loan is wrong: what the circuit breakers count
    /// ([`super::OutageStreak`]). A malformed answer, `404` or `409` concern the loan and do not.
    pub fn is_outage(&self) -> bool {
        match self {
            LoanProError::Transport { .. } => true,
            LoanProError::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
            LoanProError::RetriesExhausted { last, .. }
            | LoanProError::WriteUncertain { last, .. } => last.is_outage(),
            _ => false,
        }
    }

    /// The HTTP status behind the error, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            LoanProError::Unauthorized { status, .. } | LoanProError::Http { status, .. } => {
                Some(*status)
            }
            LoanProError::Gone { .. } => Some(410),
            LoanProError::Conflict { .. } => Some(409),
            LoanProError::NotFound { .. } => Some(404),
            LoanProError::RetriesExhausted { last, .. }
            | LoanProError::WriteUncertain { last, .. } => last.status(),
            _ => None,
        }
    }
}
