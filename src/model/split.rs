//! Loading a file in two halves at once.
//!
//! The file is cut where an object starts near its middle. One thread
//! parses and models the first half (header included), another the second,
//! each reading its own range a [`READ_CHUNK`] at a time, while the calling
//! thread hashes the whole file. They meet only at the end: the calling
//! thread inserts the first half's objects, then the second's, in order
//! ([`StoreBuilder::insert`]), so duplicates, conflicts and warnings are
//! those of one pass.
//!
//! The second half is parsed from the state the first half must end in
//! (past `BEGINDATA`, the first line's line ending), its lines counted from
//! the cut; its objects and warnings are moved on by the first half's line
//! count when they are inserted. (Counting the lines before the cut first
//! meant reading half the file before the second half could start.) When
//! the first half does not end in that state, or the second half meets an
//! error, the second half is parsed again from the first half's real final
//! state: results and error messages are exactly those of one pass (the
//! tests in `model` compare).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Ctx, Part, READ_CHUNK, Store, StoreBuilder, Window, stopped};
use crate::error::{Error, Result};
use crate::parse::{Parser, RawObject};

/// Files smaller than this are loaded in one pass ([`super::pieces::load`]).
const MIN_SPLIT: u64 = 256 * 1024;

/// Reads `reader` to its end a [`READ_CHUNK`] at a time, feeding `parser`
/// whole objects (cut where a line starts with `CKA_CLASS`). `after` is
/// the text that follows the reader's end in the input, if any (quoted by an
/// error at the very end).
fn stream(
    reader: &mut impl Read,
    parser: &mut Parser<'_>,
    after: Option<&[u8]>,
    source_name: &str,
    emit: &mut dyn FnMut(RawObject<'_>) -> Result<()>,
) -> Result<()> {
    let mut window = Window::new();
    loop {
        let n = window
            .read(reader)
            .map_err(|e| Error::io("reading", source_name, e))?;
        let text = window.text();
        if n == 0 {
            return parser.feed(text, after, emit);
        }
        if let Some(cut) = window.cut() {
            let (whole, rest) = text.split_at(cut);
            parser.feed(whole, Some(rest), emit)?;
            window.consume(cut);
        }
    }
}

/// What one half came to, and the parser's state at its end.
struct Half<'n> {
    part: Part,
    parser: Parser<'n>,
}

/// Parses and models `len` bytes of `path` from `offset` with `parser`.
fn half<'n>(
    path: &Path,
    offset: u64,
    len: u64,
    mut parser: Parser<'n>,
    after: Option<&[u8]>,
    ctx: Ctx<'n>,
) -> Half<'n> {
    let part = Part::model(ctx, |emit| {
        let mut f = File::open(path).map_err(|e| Error::io("reading", ctx.source_name, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io("reading", ctx.source_name, e))?;
        stream(&mut f.take(len), &mut parser, after, ctx.source_name, emit)
    });
    Half { part, parser }
}

/// Where to cut a file in two.
struct Plan {
    /// Offset of the cut (the start of a `CKA_CLASS` line).
    cut: u64,
    /// Whether the first line ends in CRLF.
    crlf: bool,
    /// The line after the cut.
    next_line: Vec<u8>,
}

/// The plan: `None` when there is no cut near the middle, or no line ends
/// in the first [`READ_CHUNK`].
fn plan(path: &Path, size: u64) -> std::io::Result<Option<Plan>> {
    let mut f = File::open(path)?;
    let mut window = Vec::with_capacity(READ_CHUNK);
    f.by_ref()
        .take(READ_CHUNK as u64)
        .read_to_end(&mut window)?;
    let Some(eol) = memchr::memchr(b'\n', &window) else {
        return Ok(None);
    };
    let crlf = eol > 0 && window.get(eol - 1) == Some(&b'\r');
    let mid = size / 2;
    f.seek(SeekFrom::Start(mid))?;
    window.clear();
    f.take(READ_CHUNK as u64).read_to_end(&mut window)?;
    // The first line that starts an object: `CKA_CLASS` and a blank.
    let Some(pos) = memchr::memmem::find_iter(&window, b"\nCKA_CLASS")
        .find(|&p| matches!(window.get(p + 10), Some(b' ' | b'\t')))
    else {
        return Ok(None);
    };
    let next_line = crate::parse::first_line(window.get(pos + 1..).unwrap_or_default()).to_vec();
    Ok(Some(Plan {
        cut: mid + pos as u64 + 1,
        crlf,
        next_line,
    }))
}

/// Hashes the first `size` bytes of `path`.
fn hash(path: &Path, size: u64, source_name: &str) -> Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut f = File::open(path)
        .map_err(|e| Error::io("reading", source_name, e))?
        .take(size);
    let mut buf = vec![0u8; READ_CHUNK * 2];
    let mut total = 0u64;
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(buf.get(..n).unwrap_or_default());
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading", source_name, e)),
        }
    }
    if total != size {
        return Err(Error::io(
            "reading",
            source_name,
            std::io::Error::other(format!(
                "the file changed while it was read ({total} of {size} bytes)"
            )),
        ));
    }
    Ok(hasher.finalize().into())
}

/// See the module documentation. `max` bounds the size.
pub(super) fn load_file(path: &Path, source_name: &str, max: u64) -> Result<Store> {
    let io = |e| Error::io("reading", source_name, e);
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > max {
        return Err(Error::TooLarge {
            source_name: source_name.to_owned(),
            size,
            limit: max,
        });
    }
    let plan = if size >= MIN_SPLIT {
        plan(path, size).map_err(io)?
    } else {
        None
    };
    let Some(Plan {
        cut,
        crlf,
        next_line,
    }) = plan
    else {
        return super::pieces::load(File::open(path).map_err(io)?, source_name, max);
    };
    let mut builder = StoreBuilder::new(source_name);
    let ctx = builder.ctx;
    // Counted from the cut: its line numbers are moved on by the first
    // half's count when it is inserted.
    let second_parser = Parser::resume(source_name, 0, crlf);
    let (first, second, sha) = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            half(
                path,
                0,
                cut,
                Parser::new(source_name),
                Some(&next_line),
                ctx,
            )
        });
        let second = scope.spawn(|| half(path, cut, size - cut, second_parser, None, ctx));
        let sha = hash(path, size, source_name);
        (first.join(), second.join(), sha)
    });
    let (first, second) = (
        first.map_err(|_| stopped(source_name))?,
        second.map_err(|_| stopped(source_name))?,
    );
    let consistent = first.parser.in_data() && first.parser.crlf() == Some(crlf);
    let mut parser = first.parser;
    first.part.insert_into(&mut builder)?;
    if consistent && second.part.error.is_none() {
        let mut part = second.part;
        part.shift_lines(parser.line_no());
        part.insert_into(&mut builder)?;
    } else {
        // Parse the second half again from where the first really ended.
        let mut f = File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(cut)).map_err(io)?;
        stream(
            &mut f.take(size - cut),
            &mut parser,
            None,
            source_name,
            &mut |obj| builder.add(obj),
        )?;
    }
    parser.finish()?;
    let mut store = builder.finish()?;
    store.input_sha256 = sha?;
    Ok(store)
}
