//! The consultancy's branding on the PDF report and the slides: its name,
//! its logo and an accent colour, each parsed once with an error that says
//! what is wrong with it.

use std::fmt;

/// The look of the documents a consultancy hands over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    /// Shown on the cover and in the footers; empty for none.
    pub name: String,
    pub logo: Option<Logo>,
    pub accent: Accent,
}

impl Default for Branding {
    /// No name and no logo, in the reports' own blue.
    fn default() -> Self {
        Self {
            name: String::new(),
            logo: None,
            accent: Accent::DEFAULT,
        }
    }
}

/// An accent colour, `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrandingError {
    #[error("{} is not a colour: write it as #rrggbb, e.g. #1d4e89", simm_core::quote_value(.0))]
    Accent(String),
    #[error(
        "the logo is neither a PNG nor an SVG image (its first bytes are neither PNG's signature nor an SVG or XML start)"
    )]
    LogoFormat,
    #[error("the logo is empty")]
    LogoEmpty,
    #[error("{} is longer than {max} characters", simm_core::quote_value(.name))]
    NameTooLong { name: String, max: usize },
}

impl Accent {
    /// The blue of the HTML report's headings.
    pub const DEFAULT: Accent = Accent([0x1d, 0x4e, 0x89]);

    pub fn parse(text: &str) -> Result<Accent, BrandingError> {
        let bad = || BrandingError::Accent(text.to_owned());
        let hex = text.strip_prefix('#').ok_or_else(bad)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Accent([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl fmt::Display for Accent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// What a logo file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Svg,
}

impl LogoFormat {
    pub fn extension(self) -> &'static str {
        match self {
            LogoFormat::Png => "png",
            LogoFormat::Svg => "svg",
        }
    }
}

/// A logo image, known to be PNG or SVG by its first bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    format: LogoFormat,
    bytes: Vec<u8>,
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Logo({:?}, {} bytes)", self.format, self.bytes.len())
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

impl Logo {
    /// Tells the format by content, not by file name: a logo named .png
    /// that holds something else is refused here rather than in the
    /// renderer.
    pub fn parse(bytes: Vec<u8>) -> Result<Logo, BrandingError> {
        if bytes.is_empty() {
            return Err(BrandingError::LogoEmpty);
        }
        let format = if bytes.starts_with(PNG_SIGNATURE) {
            LogoFormat::Png
        } else {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
            let start = start.trim_start_matches('\u{feff}').trim_start();
            if start.starts_with("<svg") || (start.starts_with("<?xml") && start.contains("<svg")) {
                LogoFormat::Svg
            } else {
                return Err(BrandingError::LogoFormat);
            }
        };
        Ok(Logo { format, bytes })
    }

    pub fn format(&self) -> LogoFormat {
        self.format
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// The longest consultancy name shown: it has to fit a footer line.
pub const MAX_BRAND_NAME: usize = 100;

impl Branding {
    pub fn parse(
        name: &str,
        logo: Option<Logo>,
        accent: Option<&str>,
    ) -> Result<Branding, BrandingError> {
        let name = name.trim();
        if name.chars().count() > MAX_BRAND_NAME {
            return Err(BrandingError::NameTooLong {
                name: name.to_owned(),
                max: MAX_BRAND_NAME,
            });
        }
        Ok(Branding {
            name: name.to_owned(),
            logo,
            accent: accent
                .map(Accent::parse)
                .transpose()?
                .unwrap_or(Accent::DEFAULT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_six_hex_digits_after_a_hash() {
        let check = |text: &str, expected: Option<&str>| {
            let parsed = Accent::parse(text).ok().map(|accent| accent.to_string());
            assert_eq!(parsed.as_deref(), expected, "for {text:?}");
        };
        check("#1D4E89", Some("#1d4e89"));
        check("#000000", Some("#000000"));
        check("1d4e89", None);
        check("#1d4e8", None);
        check("#1d4e899", None);
        check("#gg0000", None);
        check("#+1+1+1", None);
        check("red", None);
        check("#ééé", None);
    }

    #[test]
    fn a_bad_accent_is_quoted_with_the_form_expected() {
        let message = Accent::parse("blue").unwrap_err().to_string();
        assert!(
            message.contains("\"blue\"") && message.contains("#rrggbb"),
            "{message}"
        );
    }

    #[test]
    fn logos_are_told_by_their_content() {
        let check = |bytes: &[u8], expected: Result<LogoFormat, BrandingError>| {
            assert_eq!(
                Logo::parse(bytes.to_vec()).map(|logo| logo.format()),
                expected,
                "for {bytes:?}"
            );
        };
        check(b"\x89PNG\r\n\x1a\nrest", Ok(LogoFormat::Png));
        check(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            Ok(LogoFormat::Svg),
        );
        check(
            b"\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<svg/>",
            Ok(LogoFormat::Svg),
        );
        check(
            b"<?xml version=\"1.0\"?><html/>",
            Err(BrandingError::LogoFormat),
        );
        check(b"GIF89a", Err(BrandingError::LogoFormat));
        check(b"", Err(BrandingError::LogoEmpty));
    }
}
