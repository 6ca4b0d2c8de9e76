//! How a value becomes a cell: text always through `write_string`, so that
//! nothing a respondent, a consultant or a model file typed can run as a
//! formula; numbers as numbers, fractions in a percentage format.

use rust_xlsxwriter::{ColNum, Format, RowNum, Worksheet, XlsxError};

/// The widest a fitted column gets, in pixels: statements and reasons
/// are sentences, and a column as wide as a sentence hides the others.
const WIDEST_COLUMN: u32 = 480;

/// One cell of a row.
pub(super) enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    /// A count or a stage level.
    Whole(u64),
    /// A score or an agreement, shown with two decimals.
    Decimal(Option<f64>),
    /// A fraction (0.8) shown as a percentage (80.0 %).
    Percent(Option<f64>),
    Empty,
}

pub(super) fn yes_no(value: bool) -> Cell<'static> {
    Cell::Text(if value { "yes" } else { "no" })
}

/// The formats a workbook's cells share.
pub(super) struct Formats {
    header: Format,
    decimal: Format,
    percent: Format,
}

impl Formats {
    pub(super) fn new() -> Self {
        Self {
            header: Format::new().set_bold(),
            decimal: Format::new().set_num_format("0.00"),
            percent: Format::new().set_num_format("0.0%"),
        }
    }
}

/// A sheet written row by row under a frozen header.
pub(super) struct Table<'w> {
    sheet: &'w mut Worksheet,
    formats: &'w Formats,
    next: RowNum,
}

impl<'w> Table<'w> {
    pub(super) fn new(
        sheet: &'w mut Worksheet,
        formats: &'w Formats,
        name: &str,
        header: &[&str],
    ) -> Result<Self, XlsxError> {
        sheet.set_name(name)?;
        for (column, title) in (0..).zip(header) {
            sheet.write_string_with_format(0, column, *title, &formats.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Self {
            sheet,
            formats,
            next: 1,
        })
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        let row = self.next;
        for (column, cell) in (0..).zip(cells) {
            self.cell(row, column, cell)?;
        }
        self.next += 1;
        Ok(())
    }

    fn cell(&mut self, row: RowNum, column: ColNum, cell: &Cell<'_>) -> Result<(), XlsxError> {
        let formats = self.formats;
        match cell {
            Cell::Text(text) => self.text(row, column, text),
            Cell::Owned(text) => self.text(row, column, text),
            // Counts stay below 2^53, so the conversion is exact.
            Cell::Whole(value) => self
                .sheet
                .write_number(row, column, *value as f64)
                .map(drop),
            Cell::Decimal(Some(value)) => self
                .sheet
                .write_number_with_format(row, column, *value, &formats.decimal)
                .map(drop),
            Cell::Percent(Some(value)) => self
                .sheet
                .write_number_with_format(row, column, *value, &formats.percent)
                .map(drop),
            Cell::Decimal(None) | Cell::Percent(None) | Cell::Empty => Ok(()),
        }
    }

    fn text(&mut self, row: RowNum, column: ColNum, text: &str) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        self.sheet.write_string(row, column, text).map(drop)
    }

    /// Fits the columns to what was written.
    pub(super) fn finish(self) {
        self.sheet.set_autofit_max_width(WIDEST_COLUMN).autofit();
    }
}
