//! Ids, tokens, hashes and dates.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;
use sha2::{Digest, Sha256};

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A random 128-bit id in hex. Random ids reveal neither how many objects
/// exist nor in which order they were made.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A random secret of 256 bits, URL-safe: for invitation links, sessions
/// and API tokens. Only its hash is stored.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    sha256(token.as_bytes()).to_vec()
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Today's date (UTC) as YYYY-MM-DD: the only time a response keeps.
pub fn today() -> String {
    date_of(now())
}

/// The civil date of a Unix time, as YYYY-MM-DD.
pub(crate) fn date_of(unix_seconds: i64) -> String {
    simm_core::CalendarDate::from_unix_seconds(unix_seconds)
        .expect("the clock reads a time between 1970 and 9999")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for (seconds, expected) in [
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_795_219_200, "2026-11-21"),
            (4_107_542_399, "2100-02-28"),
        ] {
            assert_eq!(date_of(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 32);
        assert_eq!(new_id().len(), 32);
    }
}
