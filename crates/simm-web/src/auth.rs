//! Who is asking: sessions, API tokens, sign-in and password changes, CSRF
//! and throttling.
//!
//! Handlers state what they need through extractors: [`CurrentUser`] for
//! anyone signed in, [`Consultant`] for consultants and admins, [`Steward`]
//! for model stewards and admins, [`Admin`] for admins, and [`CsrfForm`]
//! for every state-changing form.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use simm_store::{Role, User, hash_token, new_token};
use subtle::ConstantTimeEq;

use crate::accounts::MAX_EMAIL_BYTES;
use crate::passwords::{MAX_PASSWORD_BYTES, decoy_hash, hash_password, verify_password};
use crate::{AppError, AppState};

/// The cookie that carries the session token.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        "__Host-simm_session"
    } else {
        "simm_session"
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: u64) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        session_cookie_name(state)
    )
}

/// The address a request comes from. `X-Forwarded-For` is believed only
/// behind a proxy the configuration trusts, since anyone can send it.
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(ip) = forwarded
            .split(',')
            .next_back()
            .and_then(|ip| ip.trim().parse().ok())
    {
        return Some(ip);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// The throttle key of an account's failures, from every address.
fn account_key(email: &str) -> String {
    format!("login-account:{email}")
}

/// Checks an email and password and, on success, opens a session and
/// returns its Set-Cookie value.
///
/// Failures are throttled per (account, address) pair, so one office
/// behind a NAT is not locked out by a colleague's typos; per account,
/// with a higher limit, against guessing one password from many
/// addresses; and per address, with a much higher limit, against trying
/// one password on many accounts (see [`Config`](crate::Config)).
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<(User, String), AppError> {
    let email = email.trim();
    // Refused before anything is counted or hashed: neither a throttle row
    // nor the password check may grow with what a stranger sends.
    if email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::bad_request(format!(
            "the email is too long: an email address has at most {MAX_EMAIL_BYTES} bytes"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::bad_request(format!(
            "the password is too long: passwords have at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let email = email.to_lowercase();
    let config = &state.config;
    let window = config.throttle_window;
    let address = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    // An address has no space in it, so the pair cannot be read two ways.
    let pair_key = format!("login-pair:{address} {email}");
    let account_key = account_key(&email);
    let address_key = ip.map(|ip| format!("login-ip:{ip}"));
    let refused = || {
        AppError::TooManyRequests(format!(
            "too many failed sign-ins; try again in {} minutes",
            window.as_secs().div_ceil(60)
        ))
    };
    // An address over its limit is refused before anything is written, so
    // a spray of new emails stops adding rows.
    if let Some(key) = &address_key
        && state.store.failures(key, window).await? >= config.login_attempts_per_address
    {
        return Err(refused());
    }
    // The attempt is counted before the slow password check, so parallel
    // guesses cannot all pass the limit before any of them is counted; a
    // successful sign-in clears the count.
    if state.store.record_failure(&pair_key, window).await? > config.login_attempts {
        return Err(refused());
    }
    if state.store.record_failure(&account_key, window).await? > config.login_attempts_per_account {
        return Err(refused());
    }
    let found = state.store.user_with_password(&email).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |(_, hash)| hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    let user = match (found, matches) {
        (Some((user, _)), true) => user,
        _ => {
            // Only failures count against the address: a busy office signs
            // in many times a day.
            if let Some(key) = &address_key {
                state.store.record_failure(key, window).await?;
            }
            return Err(AppError::Unauthorized(
                "the email or the password is wrong".into(),
            ));
        }
    };
    state.store.clear_failures(&pair_key).await?;
    state.store.clear_failures(&account_key).await?;
    // A new session id at every sign-in, so a planted cookie is worthless.
    let token = new_token();
    state
        .store
        .create_session(&hash_token(&token), &user.id, &new_token())
        .await?;
    Ok((
        user,
        session_cookie(state, &token, state.config.session_absolute.as_secs()),
    ))
}

/// Ends the session of the request, if any; returns the Set-Cookie value
/// that clears the cookie.
pub async fn log_out(state: &AppState, parts: &Parts) -> Result<String, AppError> {
    if let Some(token) = session_token(state, parts) {
        state.store.delete_session(&hash_token(&token)).await?;
    }
    Ok(session_cookie(state, "", 0))
}

fn session_token(state: &AppState, parts: &Parts) -> Option<String> {
    let name = session_cookie_name(state);
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The token of an `Authorization: Bearer …` header. The scheme's name is
/// case-insensitive (RFC 7235, section 2.1).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Someone signed in, by session cookie or API token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session's CSRF token; `None` for API tokens, which are not sent
    /// by browsers on their own and so need none.
    pub csrf_token: Option<String>,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(current) = parts.extensions.get::<CurrentUser>() {
            return Ok(current.clone());
        }
        let current = if let Some(token) = bearer_token(parts) {
            let user = state
                .store
                .user_by_api_token(&hash_token(token))
                .await?
                .ok_or_else(|| AppError::Unauthorized("the API token is not valid".into()))?;
            CurrentUser {
                user,
                csrf_token: None,
            }
        } else {
            let token = session_token(state, parts)
                .ok_or_else(|| AppError::Unauthorized("sign in first".into()))?;
            let session = state
                .store
                .session(
                    &hash_token(&token),
                    state.config.session_idle,
                    state.config.session_absolute,
                )
                .await?
                .ok_or_else(|| {
                    AppError::Unauthorized("the session has ended; sign in again".into())
                })?;
            CurrentUser {
                user: session.user,
                csrf_token: Some(session.csrf_token),
            }
        };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// A consultant or an admin.
pub struct Consultant(pub CurrentUser);

impl FromRequestParts<AppState> for Consultant {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        match current.user.role {
            Role::Consultant | Role::Admin => Ok(Consultant(current)),
            Role::Viewer => Err(AppError::Forbidden(
                "only consultants may do this; viewers can read results".into(),
            )),
            Role::Steward => Err(AppError::Forbidden(
                "only consultants may do this; stewards look after the models".into(),
            )),
        }
    }
}

/// A model steward or an admin: may see the stored model versions and
/// calibrations pooled over every assessment, which show no organisation
/// and no single response.
pub struct Steward(pub CurrentUser);

impl FromRequestParts<AppState> for Steward {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        match current.user.role {
            Role::Steward | Role::Admin => Ok(Steward(current)),
            Role::Viewer | Role::Consultant => Err(AppError::Forbidden(
                "only model stewards and admins may do this".into(),
            )),
        }
    }
}

/// An admin.
pub struct Admin(pub CurrentUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.role == Role::Admin {
            Ok(Admin(current))
        } else {
            Err(AppError::Forbidden("only admins may do this".into()))
        }
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A URL-encoded form from a signed-in user whose hidden `csrf` field
/// matches the session's token, compared in constant time.
pub struct CsrfForm<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, state.config.body_limit)
            .await
            .map_err(|_| AppError::bad_request("the form is too large or was cut off"))?;
        if user.csrf_token.is_some() {
            let given: CsrfField = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::bad_request(format!("the form is malformed: {e}")))?;
            check_form_csrf(&user, &given.csrf)?;
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::bad_request(format!("the form is malformed: {e}")))?;
        Ok(CsrfForm { user, form })
    }
}

/// Checks the CSRF token a console form sent as its `csrf` field against
/// the session's; API tokens carry none and need none.
pub(crate) fn check_form_csrf(user: &CurrentUser, given: &str) -> Result<(), AppError> {
    match &user.csrf_token {
        Some(expected) if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => {
            Err(AppError::Forbidden(
                "the form has expired or did not come from this site; reload the page and try again"
                    .into(),
            ))
        }
        _ => Ok(()),
    }
}

/// The most unknown invitation links one address may try within the
/// throttle window.
fn token_guess_limit(state: &AppState) -> i64 {
    state.config.login_attempts * 10
}

/// Counts a failed guess at an invitation token from this address and
/// refuses the request once there are too many. Token guesses are counted
/// apart from sign-in failures.
pub async fn count_token_failure(state: &AppState, ip: Option<IpAddr>) -> Result<(), AppError> {
    let Some(ip) = ip else { return Ok(()) };
    let key = format!("token-ip:{ip}");
    let failures = state
        .store
        .record_failure(&key, state.config.throttle_window)
        .await?;
    if failures > token_guess_limit(state) {
        return Err(AppError::TooManyRequests(
            "too many unknown links from this address; try again later".into(),
        ));
    }
    Ok(())
}

/// Checks a signed-in user's current password, e.g. before changing it.
/// Wrong guesses count against the account like failed sign-ins, so a
/// session left open cannot be used to guess the password; once too many
/// have failed, the check is refused.
pub async fn check_password(
    state: &AppState,
    user: &User,
    password: &str,
) -> Result<bool, AppError> {
    let window = state.config.throttle_window;
    let account_key = account_key(&user.email);
    // Counted before the check, as in `log_in`, so parallel guesses cannot
    // slip past the limit.
    if state.store.record_failure(&account_key, window).await? > state.config.login_attempts {
        return Err(AppError::TooManyRequests(format!(
            "too many wrong passwords; try again in {} minutes",
            window.as_secs().div_ceil(60)
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        // No password that long can be set, so it is wrong; not hashed.
        return Ok(false);
    }
    let Some((_, hash)) = state.store.user_with_password(&user.email).await? else {
        return Ok(false);
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    if matches {
        state.store.clear_failures(&account_key).await?;
    }
    Ok(matches)
}

/// Why a password change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// The new password is shorter than
    /// [`MIN_PASSWORD_CHARS`](crate::passwords::MIN_PASSWORD_CHARS).
    TooShort,
    /// The new password is longer than
    /// [`MAX_PASSWORD_BYTES`](crate::passwords::MAX_PASSWORD_BYTES).
    TooLong,
    /// The current password given is not the user's.
    WrongCurrent,
}

/// Changes a signed-in user's password, for the console's form and the API
/// alike: the new password must be long enough and the current one right
/// (checked by [`check_password`], so wrong guesses count and are
/// throttled). Every session of the user ends; API tokens stay valid.
pub async fn change_password(
    state: &AppState,
    user: &User,
    current: &str,
    new: &str,
) -> Result<Result<(), PasswordRefusal>, AppError> {
    match crate::accounts::check_new_password(new) {
        Ok(()) => {}
        Err(crate::accounts::AccountError::LongPassword) => {
            return Ok(Err(PasswordRefusal::TooLong));
        }
        Err(_) => return Ok(Err(PasswordRefusal::TooShort)),
    }
    if !check_password(state, user, current).await? {
        return Ok(Err(PasswordRefusal::WrongCurrent));
    }
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.store.set_password(&user.id, &hash).await?;
    Ok(Ok(()))
}

/// API writes authorised by a session cookie (rather than a bearer token)
/// must carry the session's CSRF token in an `X-CSRF-Token` header, since a
/// browser sends the cookie on its own. Respondent routes use no session
/// and are left alone.
pub async fn api_session_writes_need_csrf(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let safe = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if safe || request.uri().path().starts_with("/api/v1/r/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    if bearer_token(&parts).is_none()
        && let Ok(CurrentUser {
            csrf_token: Some(expected),
            ..
        }) = CurrentUser::from_request_parts(&mut parts, &state).await
    {
        let given = parts
            .headers
            .get("x-csrf-token")
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !bool::from(given.ct_eq(expected.as_bytes())) {
            return AppError::Forbidden(
                "API writes signed in through the browser need the X-CSRF-Token header; scripts should use an API token".into(),
            )
            .into_response();
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The organisation, if the user may see it. Another tenant's organisation
/// answers 404 like a missing one, so its existence is not revealed.
pub async fn visible_organization(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> Result<simm_store::Organization, AppError> {
    state
        .store
        .organization_for(&current.user, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The assessment, if the user may see its organisation; 404 otherwise.
pub async fn visible_assessment(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> Result<simm_store::Assessment, AppError> {
    state
        .store
        .assessment_for(&current.user, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(forwarded: Option<&str>, trust: bool, expected: &str) {
        let mut request = axum::http::Request::builder();
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        assert_eq!(
            client_ip(&parts, trust).unwrap().to_string(),
            expected,
            "{forwarded:?} trusted: {trust}"
        );
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        check(None, false, "10.0.0.1");
        check(Some("203.0.113.7"), false, "10.0.0.1");
        check(Some("203.0.113.7"), true, "203.0.113.7");
        // The proxy appends the address it saw; earlier entries are the
        // client's own claims.
        check(Some("198.51.100.1, 203.0.113.7"), true, "203.0.113.7");
        check(Some("not an address"), true, "10.0.0.1");
        check(None, true, "10.0.0.1");
    }
}
