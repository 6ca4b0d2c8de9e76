//! The typst world a document is compiled in: every file it may read is in
//! memory (the layout, the data, the charts and the logo), the fonts are
//! typst-assets' only, and the day is the caller's. Nothing is read from
//! the disk or the network, so the same input gives the same PDF.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The bundled fonts, loaded once per process: parsing them is most of a
/// small document's compile time.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

pub(crate) struct MemoryWorld {
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

/// The id of a file at `path` in the project root.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("the documents' file names are plain names");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl MemoryWorld {
    /// A world whose main source is `main`, with more typst sources and
    /// binary files by name.
    pub(crate) fn new(
        main: String,
        sources: Vec<(&str, String)>,
        files: Vec<(String, Vec<u8>)>,
        today: simm_core::CalendarDate,
    ) -> Self {
        let main_id = file_id("main.typ");
        let mut all = HashMap::new();
        all.insert(main_id, Source::new(main_id, main));
        for (name, text) in sources {
            let id = file_id(name);
            all.insert(id, Source::new(id, text));
        }
        let files = files
            .into_iter()
            .map(|(name, bytes)| (file_id(&name), Bytes::new(bytes)))
            .collect();
        Self {
            main: main_id,
            sources: all,
            files,
            today: datetime(today),
        }
    }
}

fn datetime(date: simm_core::CalendarDate) -> Datetime {
    // CalendarDate shows itself as YYYY-MM-DD, a real day.
    let text = date.to_string();
    let part = |range: std::ops::Range<usize>| text[range].parse().unwrap_or(1);
    Datetime::from_ymd(i32::from(date.year()), part(5..7) as u8, part(8..10) as u8)
        .expect("a CalendarDate is a real day")
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        match self.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.text().to_owned())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
