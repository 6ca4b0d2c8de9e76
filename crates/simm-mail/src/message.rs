//! A rendered template as a MIME message: multipart/alternative with the
//! plain text first and the HTML second, headers built by lettre (which
//! encodes them), so no text of a user's can add a header.

use lettre::message::{Mailbox, MultiPart, header::ContentTransferEncoding};

use crate::{EmailAddress, Rendered};

#[derive(Debug, thiserror::Error)]
#[error("the message could not be built: {0}")]
pub struct ComposeError(#[from] lettre::error::Error);

/// One message to one recipient. `message_id` is unique per outbox entry
/// (its id), so that a message resent by hand is recognisably the same.
pub fn compose(
    from: &Mailbox,
    to: &EmailAddress,
    message_id: &str,
    language: &str,
    rendered: &Rendered,
) -> Result<lettre::Message, ComposeError> {
    let domain = from.email.domain();
    let id: String = message_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let html = rendered.html.replacen(
        "<html lang=\"en\">",
        &format!("<html lang=\"{}\">", language_tag(language)),
        1,
    );
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to.lettre().clone()))
        .subject(rendered.subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(lettre::message::header::ContentType::TEXT_PLAIN)
                        .header(ContentTransferEncoding::QuotedPrintable)
                        .body(rendered.text.clone()),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(lettre::message::header::ContentType::TEXT_HTML)
                        .header(ContentTransferEncoding::QuotedPrintable)
                        .body(html),
                ),
        )?;
    Ok(message)
}

/// A BCP 47 tag made safe for an attribute: letters, digits and hyphens.
fn language_tag(language: &str) -> String {
    let tag: String = language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(35)
        .collect();
    if tag.is_empty() { "en".to_owned() } else { tag }
}
