//! A recipient's address, parsed once at the edge.

use std::fmt;
use std::str::FromStr;

/// The longest address accepted (RFC 5321's path limit less the brackets).
pub const MAX_ADDRESS_CHARS: usize = 254;

/// An e-mail address that a message can be sent to: `local@domain`, no
/// display name, no line break or other control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(lettre::Address);

impl EmailAddress {
    /// The error says what is wrong, for the caller to prefix with where
    /// the address came from.
    pub fn parse(text: &str) -> Result<EmailAddress, String> {
        let trimmed = text.trim();
        let quoted = simm_core::quote_value(text);
        if trimmed.is_empty() {
            return Err("is empty; give an address such as dana@example.com".into());
        }
        let chars = trimmed.chars().count();
        if chars > MAX_ADDRESS_CHARS {
            return Err(format!(
                "{quoted} is longer than {MAX_ADDRESS_CHARS} characters"
            ));
        }
        if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!("{quoted} holds a space or a control character"));
        }
        if trimmed.contains('<')
            || trimmed.contains('>')
            || trimmed.contains(',')
            || trimmed.contains(';')
        {
            return Err(format!(
                "{quoted} is not one bare address such as dana@example.com"
            ));
        }
        let address = lettre::Address::from_str(trimmed)
            .map_err(|_| format!("{quoted} is not an address such as dana@example.com"))?;
        if !address.domain().contains('.') && !address.domain().starts_with('[') {
            return Err(format!(
                "{quoted} has no dot in its domain {:?}",
                address.domain()
            ));
        }
        Ok(EmailAddress(address))
    }

    /// The address compared case-insensitively, as mail systems do in
    /// practice: two entries with this key are one person.
    pub fn key(&self) -> String {
        self.as_str().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        AsRef::<str>::as_ref(&self.0)
    }

    pub(crate) fn lettre(&self) -> &lettre::Address {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<&str, &str>) {
        match (EmailAddress::parse(text), expected) {
            (Ok(address), Ok(want)) => assert_eq!(address.as_str(), want, "{text:?}"),
            (Err(error), Err(needle)) => assert!(error.contains(needle), "{text:?}: {error}"),
            (got, want) => panic!("{text:?}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn addresses_are_checked() {
        check(" dana@example.com ", Ok("dana@example.com"));
        check(
            "Dana.Lee+simm@Sub.Example.org",
            Ok("Dana.Lee+simm@Sub.Example.org"),
        );
        check("", Err("is empty"));
        check("dana", Err("is not an address"));
        check("dana@", Err("is not an address"));
        check("dana@localhost", Err("no dot"));
        check(
            "dana@example.com\r\nBcc: eve@example.com",
            Err("control character"),
        );
        check("dana@example.com, eve@example.com", Err("space"));
        check("dana@example.com;eve@example.com", Err("one bare address"));
        check("Dana <dana@example.com>", Err("space"));
        check(
            &format!("{}@example.com", "a".repeat(250)),
            Err("longer than 254"),
        );
    }

    #[test]
    fn keys_ignore_case() {
        let a = EmailAddress::parse("Dana@Example.com").unwrap();
        let b = EmailAddress::parse("dana@example.COM").unwrap();
        assert_eq!(a.key(), b.key());
    }
}
