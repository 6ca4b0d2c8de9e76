//! The SMTP relay messages are handed to.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{SmtpSettings, TlsMode};

/// How long one exchange with the relay may take.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("the SMTP URL names the user {0:?}, but SIMM_SMTP_PASSWORD is not set")]
    MissingPassword(String),
    #[error("SIMM_SMTP_PASSWORD is set, but the SMTP URL names no user (smtp://USER@host)")]
    MissingUser,
    #[error("reading the certificates of ca={path}: {problem}")]
    Certificates { path: String, problem: String },
    #[error("setting up TLS for {host}: {problem}")]
    Tls { host: String, problem: String },
}

/// Why a message was not accepted. Permanent answers (5xx) are final;
/// everything else (4xx, a dropped connection, a timeout) may pass on a
/// later try.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Permanent(String),
    #[error("{0}")]
    Transient(String),
}

/// A configured relay, with a pool of connections to it.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: SmtpSettings,
}

impl Relay {
    pub fn new(
        settings: SmtpSettings,
        password: Option<String>,
        from: Mailbox,
    ) -> Result<Relay, RelayError> {
        let credentials = match (&settings.user, password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password)),
            (Some(user), None) => return Err(RelayError::MissingPassword(user.clone())),
            (None, Some(_)) => return Err(RelayError::MissingUser),
            (None, None) => None,
        };
        let tls = match settings.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters(&settings)?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters(&settings)?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .tls(tls)
                .timeout(Some(TIMEOUT));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(Relay {
            transport: builder.build(),
            from,
            settings,
        })
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Hands one message to the relay; `Ok` once the relay accepted it.
    pub async fn send(&self, message: lettre::Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let answer = describe(&error);
                if error.is_permanent() {
                    Err(SendError::Permanent(answer))
                } else {
                    Err(SendError::Transient(answer))
                }
            }
        }
    }
}

/// The relay's answer with its code, or what went wrong on the way, in
/// one line.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace(['\r', '\n'], " ")
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, RelayError> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    if let Some(path) = &settings.ca_file {
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|error| RelayError::Certificates {
            path: shown.clone(),
            problem: error.to_string(),
        })?;
        let certificate =
            Certificate::from_pem(&pem).map_err(|error| RelayError::Certificates {
                path: shown,
                problem: error.to_string(),
            })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|error| RelayError::Tls {
        host: settings.host.clone(),
        problem: error.to_string(),
    })
}
