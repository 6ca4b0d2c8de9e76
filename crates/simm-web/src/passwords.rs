//! Passwords: their bounds, the Argon2id hash that is stored, and its
//! check. Accounts make hashes and sign-in checks them, so this module
//! depends on neither.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use simm_store::new_token;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted: far more than any passphrase, and
/// refused before it reaches the password hash.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))?;
    Ok(hash.to_string())
}

/// Whether `password` is the one `hash` was made from; a malformed hash
/// matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash of no one's password: checked against when the account does not
/// exist, so an unknown email and a wrong password take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).expect("hashing a random password works"))
}
