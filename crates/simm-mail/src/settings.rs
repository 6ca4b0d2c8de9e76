//! The SMTP relay's settings: one URL (`smtp://user@host:587?tls=starttls`),
//! the password from the environment, and the sender.

use std::fmt;
use std::path::PathBuf;

use lettre::message::Mailbox;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text throughout: only for a relay on the same machine.
    None,
    /// Plain connection upgraded with STARTTLS, which the relay must offer.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Implicit,
}

impl TlsMode {
    const NAMES: [&'static str; 3] = ["none", "starttls", "implicit"];

    fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Implicit => 465,
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Implicit => "implicit",
        })
    }
}

/// Where the relay is and how to reach it. The password is not part of
/// it: it comes from `SIMM_SMTP_PASSWORD`, never from a file or the
/// database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// The user to sign in as; without one, the relay is used without AUTH.
    pub user: Option<String>,
    /// A PEM file of certificates to trust besides the system's, for a
    /// relay with a private certificate authority.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the SMTP URL {url} {problem}")]
pub struct SettingsError {
    url: String,
    problem: String,
}

impl SmtpSettings {
    /// Reads `smtp://[user@]host[:port][?tls=none|starttls|implicit][&ca=FILE]`,
    /// or `smtps://…` for implicit TLS. The TLS mode defaults to STARTTLS
    /// for smtp:// (so that a password never crosses the network in clear
    /// by omission), and the port to the mode's usual one.
    pub fn parse(url: &str) -> Result<SmtpSettings, SettingsError> {
        let fail = |problem: String| SettingsError {
            url: simm_core::quote_value(url),
            problem,
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            fail("is not a URL such as smtp://user@mail.example.com:587?tls=starttls".into())
        })?;
        let mut tls = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => TlsMode::StartTls,
            "smtps" => TlsMode::Implicit,
            other => {
                return Err(fail(format!(
                    "has the scheme {}; expected smtp or smtps",
                    simm_core::quote_value(other)
                )));
            }
        };
        let (authority, query) = match rest.split_once('?') {
            Some((authority, query)) => (authority, Some(query)),
            None => (rest, None),
        };
        let authority = authority.strip_suffix('/').unwrap_or(authority);
        if authority.contains('/') {
            return Err(fail(
                "has a path; give only user@host:port and the query".into(),
            ));
        }
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, host_port)) => (Some(user), host_port),
            None => (None, authority),
        };
        let user = match user {
            Some(user) if user.contains(':') => {
                return Err(fail(
                    "holds a password; give it in SIMM_SMTP_PASSWORD instead, which is never stored".into(),
                ));
            }
            Some("") => return Err(fail("has an empty user before @".into())),
            Some(user) => Some(
                percent_decode(user)
                    .map_err(|problem| fail(format!("has a user that {problem}")))?,
            ),
            None => None,
        };
        let (host, port) = split_port(host_port).map_err(fail)?;
        if host.is_empty() {
            return Err(fail("has no host".into()));
        }
        let mut ca_file = None;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "tls" => {
                    tls = match value.to_ascii_lowercase().as_str() {
                        "none" => TlsMode::None,
                        "starttls" => TlsMode::StartTls,
                        "implicit" | "tls" | "ssl" => TlsMode::Implicit,
                        other => {
                            let hint = simm_core::did_you_mean(other, TlsMode::NAMES)
                                .map(|name| format!("; did you mean {name:?}?"))
                                .unwrap_or_default();
                            return Err(fail(format!(
                                "has tls={}; expected one of none, starttls, implicit{hint}",
                                simm_core::quote_value(other)
                            )));
                        }
                    }
                }
                "ca" => {
                    let path = percent_decode(value)
                        .map_err(|problem| fail(format!("has a ca file that {problem}")))?;
                    if path.is_empty() {
                        return Err(fail("has an empty ca=; give the path of a PEM file".into()));
                    }
                    ca_file = Some(PathBuf::from(path));
                }
                other => {
                    let hint = simm_core::did_you_mean(other, ["tls", "ca"])
                        .map(|name| format!("; did you mean {name:?}?"))
                        .unwrap_or_default();
                    return Err(fail(format!(
                        "has an unknown setting {}; the settings are tls and ca{hint}",
                        simm_core::quote_value(other)
                    )));
                }
            }
        }
        if tls == TlsMode::None && ca_file.is_some() {
            return Err(fail(
                "sets ca= with tls=none, which uses no certificate".into(),
            ));
        }
        Ok(SmtpSettings {
            port: port.unwrap_or(tls.default_port()),
            host: host.to_owned(),
            tls,
            user,
            ca_file,
        })
    }
}

impl fmt::Display for SmtpSettings {
    /// The relay as logs show it: no password, which the settings never hold.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.user {
            Some(user) => write!(
                f,
                "smtp://{user}@{}:{} (tls {})",
                self.host, self.port, self.tls
            ),
            None => write!(f, "smtp://{}:{} (tls {})", self.host, self.port, self.tls),
        }
    }
}

fn split_port(host_port: &str) -> Result<(&str, Option<u16>), String> {
    // An IPv6 literal is bracketed: [::1]:25.
    if let Some(rest) = host_port.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "has an IPv6 address without its closing ]".to_owned())?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(parse_port(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!(
                "has {} after the host",
                simm_core::quote_value(after)
            )),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(parse_port(port)?))),
        None => Ok((host_port, None)),
    }
}

fn parse_port(port: &str) -> Result<u16, String> {
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!(
            "has the port {}, which is not a number from 1 to 65535",
            simm_core::quote_value(port)
        )),
    }
}

/// `%40` and the like in a user name or a path.
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| "has a % not followed by two hexadecimal digits".to_owned())?;
            out.push(hex);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8 once decoded".to_owned())
}

/// The sender of every message, as `--smtp-from` gives it:
/// `simm@consultancy.example` or `"Acme Consulting" <simm@acme.example>`.
pub fn parse_sender(from: &str) -> Result<Mailbox, String> {
    from.trim().parse::<Mailbox>().map_err(|error| {
        format!(
            "the sender {} is not an address such as simm@consultancy.example or \"Acme Consulting\" <simm@acme.example>: {error}",
            simm_core::quote_value(from)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host, port, TLS mode, user and CA file, or a needle of the error.
    type Expected<'a> = Result<(&'a str, u16, TlsMode, Option<&'a str>, Option<&'a str>), &'a str>;

    fn check(url: &str, expected: Expected<'_>) {
        let parsed = SmtpSettings::parse(url);
        match expected {
            Ok((host, port, tls, user, ca)) => {
                let settings = parsed.unwrap_or_else(|error| panic!("{url}: {error}"));
                assert_eq!(settings.host, host, "{url}");
                assert_eq!(settings.port, port, "{url}");
                assert_eq!(settings.tls, tls, "{url}");
                assert_eq!(settings.user.as_deref(), user, "{url}");
                assert_eq!(
                    settings.ca_file.as_deref(),
                    ca.map(std::path::Path::new),
                    "{url}"
                );
            }
            Err(needle) => {
                let error = parsed.expect_err(url).to_string();
                assert!(error.contains(needle), "{url}: {error}");
            }
        }
    }

    #[test]
    fn urls_give_the_relay_and_name_what_is_wrong() {
        use TlsMode::{Implicit, StartTls};
        check(
            "smtp://user@mail.example.com:587?tls=starttls",
            Ok(("mail.example.com", 587, StartTls, Some("user"), None)),
        );
        check(
            "smtp://mail.example.com",
            Ok(("mail.example.com", 587, StartTls, None, None)),
        );
        check(
            "smtps://mail.example.com",
            Ok(("mail.example.com", 465, Implicit, None, None)),
        );
        check(
            "smtp://localhost:25?tls=none",
            Ok(("localhost", 25, TlsMode::None, None, None)),
        );
        check(
            "smtp://localhost?tls=none",
            Ok(("localhost", 25, TlsMode::None, None, None)),
        );
        check(
            "smtp://a%40b@[::1]:2525?tls=implicit&ca=/etc/ca%20file.pem",
            Ok(("::1", 2525, Implicit, Some("a@b"), Some("/etc/ca file.pem"))),
        );
        check(
            "smtp://user:secret@mail.example.com",
            Err("give it in SIMM_SMTP_PASSWORD"),
        );
        check("mail.example.com", Err("is not a URL"));
        check("http://mail.example.com", Err("scheme \"http\""));
        check(
            "smtp://mail.example.com:99999",
            Err("not a number from 1 to 65535"),
        );
        check(
            "smtp://mail.example.com?tls=startls",
            Err("did you mean \"starttls\""),
        );
        check(
            "smtp://mail.example.com?tsl=none",
            Err("did you mean \"tls\""),
        );
        check("smtp://mail.example.com/path", Err("has a path"));
        check("smtp://:25", Err("has no host"));
        check("smtp://x?tls=none&ca=/c.pem", Err("tls=none"));
    }

    #[test]
    fn the_sender_is_a_mailbox() {
        assert_eq!(
            parse_sender("\"Acme\" <simm@acme.example>")
                .unwrap()
                .email
                .to_string(),
            "simm@acme.example"
        );
        assert!(
            parse_sender("not an address")
                .unwrap_err()
                .contains("is not an address")
        );
        assert!(parse_sender("a@b.example\r\nBcc: x@y.example").is_err());
    }

    #[test]
    fn shown_without_a_password() {
        let settings = SmtpSettings::parse("smtp://user@mail.example.com").unwrap();
        assert_eq!(
            settings.to_string(),
            "smtp://user@mail.example.com:587 (tls starttls)"
        );
    }
}
