//! simm's e-mail: the invitation and reminder templates with their
//! placeholders (`template.rs`, pure), recipients' addresses
//! (`address.rs`), the multipart message (`message.rs`), and the SMTP
//! relay it is handed to (`settings.rs`, `relay.rs`, with lettre). What
//! is sent when, and to whom, is the web's outbox; this crate only
//! writes and delivers one message.

mod address;
mod message;
mod relay;
mod settings;
mod template;

pub use address::{EmailAddress, MAX_ADDRESS_CHARS};
pub use lettre::Message;
pub use lettre::message::Mailbox;
pub use message::{ComposeError, compose};
pub use relay::{Relay, RelayError, SendError};
pub use settings::{SettingsError, SmtpSettings, TlsMode, parse_sender};
pub use template::{
    DEFAULT_INVITATION_BODY, DEFAULT_INVITATION_SUBJECT, DEFAULT_REMINDER_BODY,
    DEFAULT_REMINDER_SUBJECT, MAX_BODY_CHARS, MAX_SUBJECT_CHARS, Placeholder, Rendered, Template,
    TemplateError, Values,
};
