//! The TOML config file that `simm serve` and `simm score` read: the
//! server's settings and the `[branding]` of the PDF report and slides.
//! Every error names the file, the line and column, and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use simm_report::{Branding, Logo};
use toml::Spanned;

use crate::commands::BadInput;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    pub bind: Option<String>,
    pub database: Option<String>,
    pub public_url: Option<String>,
    pub trust_forwarded_for: Option<bool>,
    pub metrics_token: Option<String>,
    /// The SMTP relay: smtp://user@host:587?tls=starttls (docs/campaigns.md).
    pub smtp_url: Option<Spanned<String>>,
    /// The sender of invitations and reminders.
    pub smtp_from: Option<Spanned<String>>,
    /// Messages a second, at most.
    pub smtp_rate: Option<Spanned<f64>>,
    pub branding: Option<BrandingTable>,
}

/// The e-mail settings as flags and variables gave them; each overrides
/// the config file's.
pub(crate) struct MailFlags {
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub smtp_rate: Option<f64>,
    /// `SIMM_SMTP_PASSWORD`, which only the environment gives.
    pub password: Option<String>,
}

/// `[branding]`: the consultancy's name, a logo file (PNG or SVG, a path
/// relative to the config file) and an accent colour, #rrggbb.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BrandingTable {
    name: Option<Spanned<String>>,
    logo: Option<Spanned<PathBuf>>,
    accent: Option<Spanned<String>>,
}

/// "line:column" of a byte offset in `text`.
fn place(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    format!(
        "{}:{}",
        before.matches('\n').count() + 1,
        before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1
    )
}

/// A config file as read, with its text kept for the places of errors
/// found after parsing.
pub(crate) struct Config {
    pub file: ConfigFile,
    path: Option<PathBuf>,
    text: String,
}

pub(crate) fn read_config(path: Option<&Path>) -> anyhow::Result<ConfigFile> {
    load(path).map(|config| config.file)
}

pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<Config> {
    let Some(path) = path else {
        return Ok(Config {
            file: ConfigFile::default(),
            path: None,
            text: String::new(),
        });
    };
    let text = std::fs::read_to_string(path).map_err(|error| {
        BadInput(format!(
            "{}: cannot read the config file: {error}",
            path.display()
        ))
    })?;
    let file = toml::from_str(&text).map_err(|error| {
        let at = error
            .span()
            .map_or_else(|| "1:1".to_owned(), |span| place(&text, span.start));
        BadInput(format!("{}:{at}: {}", path.display(), error.message()))
    })?;
    Ok(Config {
        file,
        path: Some(path.to_owned()),
        text,
    })
}

impl Config {
    /// The relay to send e-mail through, if a URL is set: from the flags
    /// (or `SIMM_SMTP_*`), else the file, whose errors name their line and
    /// column. A URL without a sender is refused, and so is a sender or a
    /// rate without a URL.
    pub(crate) fn mail(&self, flags: MailFlags) -> anyhow::Result<Option<simm_web::MailSettings>> {
        let path = self.path.as_deref().unwrap_or(Path::new("config"));
        let located = |from_flag: bool,
                       span: Option<std::ops::Range<usize>>,
                       name: &str,
                       flag: &str| match span {
            Some(span) if !from_flag => format!(
                "{}:{}: {name}",
                path.display(),
                place(&self.text, span.start)
            ),
            _ => flag.to_owned(),
        };
        let url_from_flag = flags.smtp_url.is_some();
        let url_span = self.file.smtp_url.as_ref().map(Spanned::span);
        let url = flags
            .smtp_url
            .or_else(|| self.file.smtp_url.as_ref().map(|u| u.get_ref().clone()));
        let from_from_flag = flags.smtp_from.is_some();
        let from_span = self.file.smtp_from.as_ref().map(Spanned::span);
        let from = flags
            .smtp_from
            .or_else(|| self.file.smtp_from.as_ref().map(|f| f.get_ref().clone()));
        let rate_from_flag = flags.smtp_rate.is_some();
        let rate_span = self.file.smtp_rate.as_ref().map(Spanned::span);
        let rate = flags
            .smtp_rate
            .or_else(|| self.file.smtp_rate.as_ref().map(|r| *r.get_ref()));
        let Some(url) = url else {
            if from.is_some() || rate.is_some() {
                return Err(BadInput("--smtp-from and --smtp-rate need --smtp-url (SIMM_SMTP_URL, or smtp_url in the config file)".into()).into());
            }
            return Ok(None);
        };
        let url_at = located(url_from_flag, url_span, "smtp_url", "--smtp-url");
        let settings = simm_mail::SmtpSettings::parse(&url)
            .map_err(|error| BadInput(format!("{url_at}: {error}")))?;
        let Some(from) = from else {
            return Err(BadInput(format!("{url_at}: a relay needs a sender: give --smtp-from (SIMM_SMTP_FROM, or smtp_from in the config file), e.g. \"Acme Consulting\" <simm@acme.example>")).into());
        };
        let from_at = located(from_from_flag, from_span, "smtp_from", "--smtp-from");
        let sender = simm_mail::parse_sender(&from)
            .map_err(|problem| BadInput(format!("{from_at}: {problem}")))?;
        let relay =
            simm_mail::Relay::new(settings, flags.password.filter(|p| !p.is_empty()), sender)
                .map_err(|error| BadInput(format!("{url_at}: {error}")))?;
        let mut mail = simm_web::MailSettings::new(relay);
        if let Some(rate) = rate {
            if !(rate.is_finite() && rate > 0.0 && rate <= 10_000.0) {
                let rate_at = located(rate_from_flag, rate_span, "smtp_rate", "--smtp-rate");
                return Err(BadInput(format!(
                    "{rate_at}: {rate} is not a rate of messages a second from more than 0 to 10000"
                ))
                .into());
            }
            mail.messages_per_second = rate;
        }
        Ok(Some(mail))
    }

    /// The branding of `[branding]`, its logo read from the disk; the
    /// reports' own look without one.
    pub(crate) fn branding(&self) -> anyhow::Result<Branding> {
        let Some(table) = &self.file.branding else {
            return Ok(Branding::default());
        };
        let path = self.path.as_deref().unwrap_or(Path::new("config"));
        let at = |span: std::ops::Range<usize>, field: &str, message: String| {
            anyhow::Error::from(BadInput(format!(
                "{}:{}: branding.{field}: {message}",
                path.display(),
                place(&self.text, span.start)
            )))
        };
        let logo = match &table.logo {
            None => None,
            Some(logo) => {
                // A relative logo path is read from beside the config file,
                // so that the file means the same from any folder.
                let folder = path.parent().unwrap_or(Path::new(""));
                let file = folder.join(logo.get_ref());
                let bytes = std::fs::read(&file).map_err(|error| {
                    at(
                        logo.span(),
                        "logo",
                        format!("cannot read {}: {error}", file.display()),
                    )
                })?;
                Some(Logo::parse(bytes).map_err(|error| {
                    at(logo.span(), "logo", format!("{}: {error}", file.display()))
                })?)
            }
        };
        let name = table
            .name
            .as_ref()
            .map_or("", |name| name.get_ref().as_str());
        Branding::parse(
            name,
            logo,
            table.accent.as_ref().map(|a| a.get_ref().as_str()),
        )
        .map_err(|error| {
            let (span, field) = match (&error, &table.accent, &table.name) {
                (simm_report::BrandingError::Accent(_), Some(accent), _) => {
                    (accent.span(), "accent")
                }
                (_, _, Some(name)) => (name.span(), "name"),
                _ => (0..0, "name"),
            };
            at(span, field, error.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(name: &str, text: &str, files: &[(&str, &[u8])]) -> String {
        let folder =
            std::env::temp_dir().join(format!("simm-config-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        for (file, bytes) in files {
            std::fs::write(folder.join(file), bytes).unwrap();
        }
        let path = folder.join("simm.toml");
        std::fs::write(&path, text).unwrap();
        let outcome = load(Some(&path)).and_then(|config| config.branding());
        std::fs::remove_dir_all(&folder).unwrap();
        match outcome {
            Ok(_) => String::new(),
            Err(error) => error
                .to_string()
                .replace(&format!("{}/", folder.display()), ""),
        }
    }

    /// The error of the mail settings a file and flags give, or "" when
    /// they are accepted.
    fn mail_error(text: &str, flags: MailFlags) -> String {
        let folder = std::env::temp_dir().join(format!("simm-mail-config-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(format!("{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _entered = runtime.enter();
        let outcome = load(Some(&path)).and_then(|config| config.mail(flags));
        std::fs::remove_file(&path).unwrap();
        match outcome {
            Ok(_) => String::new(),
            Err(error) => error
                .to_string()
                .replace(&format!("{}/", folder.display()), ""),
        }
    }

    fn flags(url: Option<&str>, from: Option<&str>, password: Option<&str>) -> MailFlags {
        MailFlags {
            smtp_url: url.map(str::to_owned),
            smtp_from: from.map(str::to_owned),
            smtp_rate: None,
            password: password.map(str::to_owned),
        }
    }

    #[test]
    fn mail_settings_errors_name_the_flag_or_the_place_in_the_file() {
        let check = |text: &str, flags: MailFlags, expected: &str| {
            let error = mail_error(text, flags);
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(expected.is_empty() || !error.is_empty());
        };
        let from = Some("simm@acme.example");
        check(
            "",
            flags(Some("smtp://mail.acme.example?tls=none"), from, None),
            "",
        );
        check(
            "smtp_url = \"smtp://mail.acme.example?tls=none\"\nsmtp_from = \"simm@acme.example\"\nsmtp_rate = 5.0\n",
            flags(None, None, None),
            "",
        );
        check(
            "",
            flags(Some("smtp://u:secret@mail.acme.example"), from, None),
            "--smtp-url: the SMTP URL \"smtp://u:secret@mail.acme.example\" holds a password",
        );
        check(
            "",
            flags(Some("smtp://u@mail.acme.example"), from, None),
            "--smtp-url: the SMTP URL names the user \"u\", but SIMM_SMTP_PASSWORD is not set",
        );
        check(
            "",
            flags(Some("smtp://mail.acme.example"), from, Some("pw")),
            "SIMM_SMTP_PASSWORD is set, but the SMTP URL names no user",
        );
        check(
            "",
            flags(Some("smtp://mail.acme.example"), None, None),
            "a relay needs a sender",
        );
        check("", flags(None, from, None), "need --smtp-url");
        check(
            "",
            flags(
                Some("smtp://mail.acme.example"),
                Some("not an address"),
                None,
            ),
            "--smtp-from: the sender \"not an address\" is not an address",
        );
        check(
            "bind = \"x\"\nsmtp_url = \"smtp://mail.acme.example?tls=startls\"\n",
            flags(None, from, None),
            ".toml:2:12: smtp_url: the SMTP URL",
        );
        check(
            "smtp_url = \"smtp://mail.acme.example\"\nsmtp_from = \"x\"\n",
            flags(None, None, None),
            ".toml:2:13: smtp_from: the sender",
        );
        check(
            "smtp_url = \"smtp://mail.acme.example\"\nsmtp_from = \"a@b.example\"\nsmtp_rate = 0.0\n",
            flags(None, None, None),
            ".toml:3:13: smtp_rate: 0 is not a rate",
        );
        check(
            "smtp_url = \"smtp://mail.acme.example?ca=/missing.pem\"\nsmtp_from = \"a@b.example\"\n",
            flags(None, None, None),
            "reading the certificates of ca=/missing.pem",
        );
    }

    #[test]
    fn config_file_errors_name_the_place() {
        let check = |name: &str, text: &str, files: &[(&str, &[u8])], expected: &str| {
            let error = config_error(name, text, files);
            assert!(error.starts_with(expected), "{name}: {error}");
        };
        check(
            "typo",
            "bind = \"127.0.0.1:9000\"\ndatabse = \"sqlite://x.db\"\n",
            &[],
            "simm.toml:2:1: unknown field `databse`",
        );
        check(
            "accent",
            "[branding]\nname = \"Acme\"\naccent = \"blue\"\n",
            &[],
            "simm.toml:3:10: branding.accent: \"blue\" is not a colour",
        );
        check(
            "missing logo",
            "[branding]\nlogo = \"logo.png\"\n",
            &[],
            "simm.toml:2:8: branding.logo: cannot read logo.png",
        );
        check(
            "not an image",
            "[branding]\nlogo = \"logo.gif\"\n",
            &[("logo.gif", b"GIF89a")],
            "simm.toml:2:8: branding.logo: logo.gif: the logo is neither a PNG nor an SVG",
        );
        check(
            "unknown field",
            "[branding]\ncolour = \"#ffffff\"\n",
            &[],
            "simm.toml:2:1: unknown field `colour`",
        );
        check(
            "good",
            "[branding]\nname = \"Acme\"\naccent = \"#aa0000\"\nlogo = \"l.svg\"\n",
            &[("l.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>")],
            "",
        );
    }
}
