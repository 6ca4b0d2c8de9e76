//! The mail sink `scripts/smtp-sink` runs on loopback for the tests that
//! send real messages (aiosmtpd with STARTTLS and AUTH), from the
//! variables it prints, and the messages it delivered: the mail crate's,
//! the web's and the CLI's tests include this file.

// Each test that includes this file uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;

pub struct MailSink {
    pub url: String,
    pub password: String,
    pub maildir: PathBuf,
}

impl MailSink {
    /// The sink, or `None` when its variables are not set.
    pub fn from_env() -> Option<MailSink> {
        Some(MailSink {
            url: std::env::var("SIMM_TEST_SMTP_URL").ok()?,
            password: std::env::var("SIMM_TEST_SMTP_PASSWORD").ok()?,
            maildir: std::env::var("SIMM_TEST_SMTP_MAILDIR").ok()?.into(),
        })
    }

    /// The sink, which the test needs: without it the test fails, as the
    /// PostgreSQL tests do without their server.
    pub fn required() -> MailSink {
        MailSink::from_env().expect(
            "SIMM_TEST_SMTP_URL is not set; run ./scripts/test, which starts the mail sink (or eval \"$(scripts/smtp-sink)\")",
        )
    }

    /// The messages delivered to `address`, in the order they arrived.
    pub fn delivered_to(&self, address: &str) -> Vec<Delivered> {
        let mut paths: Vec<_> = std::fs::read_dir(&self.maildir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        let marker = format!("X-Sink-To: {address}");
        paths
            .into_iter()
            .filter_map(|path| {
                let raw = std::fs::read_to_string(path).ok()?;
                raw.lines().any(|line| line == marker).then(|| Delivered {
                    decoded: quoted_printable_decoded(&raw),
                    raw,
                })
            })
            .collect()
    }
}

/// A message as the sink wrote it, its quoted-printable parts decoded.
pub struct Delivered {
    pub raw: String,
    pub decoded: String,
}

impl Delivered {
    /// The token of the respondent link the message carries.
    pub fn token(&self) -> String {
        let start = self.decoded.find("/r/").expect("the message has a link") + 3;
        self.decoded[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect()
    }

    /// A header of the message (or one the sink added, `X-Sink-*`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw
            .lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
    }
}

/// The message with its quoted-printable parts decoded (soft line breaks
/// joined, `=XX` replaced), so that texts can be looked for whole.
pub fn quoted_printable_decoded(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = (bytes[index] == b'=')
            .then(|| joined.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
