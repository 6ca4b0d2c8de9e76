//! PDF report and slide deck, rendered with typst from the report view model (issue 11).
