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
    pub branding: Option<BrandingTable>,
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
