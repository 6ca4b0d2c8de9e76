//! User accounts and API tokens, for the command line's `simm user add`
//! and `simm token create`.

use simm_store::{Role, Store, StoreError, User, hash_token, new_token};

use crate::passwords::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, hash_password};

/// Why an account could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("the password is too long: use at most {MAX_PASSWORD_BYTES} bytes")]
    LongPassword,
    #[error("no user has the email {0:?}")]
    UnknownUser(String),
    /// The email is no viewer's or consultant's. One answer whether no one
    /// has it or an admin or a steward does, so that granting access
    /// cannot be used to find out who has an account, or which role.
    #[error("no viewer or consultant with that email can be granted access")]
    CannotBeGranted,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hashing(#[from] anyhow::Error),
}

/// The longest email address, as RFC 5321 bounds a path.
pub const MAX_EMAIL_BYTES: usize = 254;

/// Checks the shape of an email address; delivery is not our concern.
pub fn parse_email(text: &str) -> Result<String, AccountError> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(char::is_whitespace)
        && simm_core::refused_character(&email).is_none()
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(AccountError::InvalidEmail(text.to_owned()))
    }
}

/// Checks that a new password is long enough, and not so long that
/// signing in with it would be refused.
pub fn check_new_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::LongPassword);
    }
    Ok(())
}

pub async fn add_user(
    store: &Store,
    email: &str,
    role: Role,
    password: &str,
) -> Result<User, AccountError> {
    let email = parse_email(email)?;
    check_new_password(password)?;
    let hash = hash_password(password)?;
    Ok(store.create_user(&email, &hash, role).await?)
}

/// Grants the user with this email access to an organisation, for the
/// console's access form and the API alike. Viewers and consultants can be
/// granted; admins see every organisation already, and stewards none.
/// Answers the user and whether the access is new (granting twice changes
/// nothing).
pub async fn grant_access(
    store: &Store,
    organization_id: &str,
    email: &str,
) -> Result<(User, bool), AccountError> {
    let email = parse_email(email)?;
    let user = match store.user_by_email(&email).await? {
        Some(user) if matches!(user.role, Role::Viewer | Role::Consultant) => user,
        // Admins see every organisation already. A steward sees answers
        // pooled over every organisation; seeing one organisation's
        // results too would let them be told apart.
        _ => return Err(AccountError::CannotBeGranted),
    };
    let had_access = store
        .users_with_access(organization_id)
        .await?
        .iter()
        .any(|granted| granted.id == user.id);
    if !had_access {
        store.grant_access(organization_id, &user.id).await?;
    }
    Ok((user, !had_access))
}

/// Creates an API token for the user and returns it; only its hash is
/// stored, so it is shown once.
pub async fn create_token(store: &Store, email: &str) -> Result<String, AccountError> {
    let email = parse_email(email)?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AccountError::UnknownUser(email.clone()))?;
    let token = new_token();
    store
        .create_api_token(&user.id, &hash_token(&token))
        .await?;
    Ok(token)
}

/// A random password of 20 letters and digits, for `simm user add` when
/// none is given.
pub fn generate_password() -> String {
    new_token().chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(parse_email(text).ok().as_deref(), expected, "{text:?}");
    }

    #[test]
    fn emails() {
        check("Ana@Example.com ", Some("ana@example.com"));
        check("ana@example", None);
        check("@example.com", None);
        check("ana example@x.com", None);
        check("ana@.com", None);
        check("ana\0@example.com", None);
        check("ana\u{202e}moc.elpmaxe@example.com", None);
    }
}
