//! Stage 1 of the pipeline: **parse** certdata.txt text into raw objects.
//!
//! The grammar, as it occurs from 2005 to today:
//!
//! ```text
//! file      = header "BEGINDATA" EOL { blank | comment | attribute }
//! header    = { blank | comment | "CVS_ID" SP quoted }
//! attribute = NAME SP TYPE [ SP value ] EOL
//!           | NAME SP "MULTILINE_OCTAL" EOL { "\ooo"... EOL } "END" EOL
//! ```
//!
//! An object starts at each `CKA_CLASS` attribute and runs to the next one.
//! Value types understood: `CK_OBJECT_CLASS`, `CK_BBOOL`, `CK_CERTIFICATE_TYPE`,
//! `CK_TRUST`, `CK_MECHANISM_TYPE` (one identifier each), `UTF8` (a quoted
//! string with raw UTF-8 or C-style `\xNN` escapes) and `MULTILINE_OCTAL`. Any
//! other type token is kept as raw text ([`Value::Other`]). Lines may end in LF
//! or CRLF, but one file uses one of them.
//!
//! This stage knows nothing of what objects mean; see [`crate::model`].
//!
//! ```
//! let text = b"BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\nCKA_LABEL UTF8 \"Ra\\xC3\\xADz\"\n";
//! let doc = nssroots::parse::parse(text, "certdata.txt")?;
//! assert_eq!(doc.objects.len(), 1);
//! assert_eq!(doc.objects[0].get("CKA_LABEL").and_then(|a| a.value.as_utf8()), Some("Raíz"));
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::borrow::Cow;

use nom::{
    IResult, Parser as _,
    bytes::complete::{tag, take_while_m_n},
    character::complete::{char, space1},
};

use crate::error::{Error, Result};

/// The longest line accepted, in bytes (without its line ending): 64 KiB.
/// NSS's certdata.txt lines are under 200 bytes; a longer line is an error
/// that names it, not an allocation that grows with the input.
pub const MAX_LINE_LENGTH: usize = 64 * 1024;

/// The largest decoded attribute value accepted, in bytes: 1 MiB. The
/// largest values in certdata.txt are certificates of a few kilobytes.
pub const MAX_ATTRIBUTE_SIZE: usize = 1024 * 1024;

/// A parsed certdata.txt: the header and the objects after `BEGINDATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    /// The `CVS_ID "..."` string of pre-2013 files, if present.
    pub cvs_id: Option<Cow<'a, str>>,
    /// Line of `BEGINDATA`.
    pub begindata_line: usize,
    /// The objects, in source order.
    pub objects: Vec<RawObject<'a>>,
    /// Whether lines end in CRLF (else LF).
    pub crlf: bool,
}

/// One object: the attributes from a `CKA_CLASS` line to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawObject<'a> {
    /// Line of its `CKA_CLASS` attribute.
    pub line: usize,
    /// Its attributes, in source order; each name occurs once.
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> RawObject<'a> {
    /// The attribute called `name`, if the object has it.
    pub fn get(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The object's class token (the value of its first attribute, `CKA_CLASS`).
    pub fn class(&self) -> &'a str {
        match self.attributes.first().map(|a| &a.value) {
            Some(Value::ObjectClass(c)) => c,
            _ => "",
        }
    }
}

/// One `NAME TYPE VALUE` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The attribute name, such as `CKA_LABEL`.
    pub name: &'a str,
    /// Its typed value.
    pub value: Value<'a>,
    /// 1-based line of the attribute's name.
    pub line: usize,
}

/// A typed attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `CK_OBJECT_CLASS CKO_...`
    ObjectClass(&'a str),
    /// `CK_BBOOL CK_TRUE|CK_FALSE`
    Bool(bool),
    /// `CK_CERTIFICATE_TYPE CKC_...`
    CertificateType(&'a str),
    /// `CK_TRUST CKT_...`
    Trust(&'a str),
    /// `CK_MECHANISM_TYPE CKM_...`
    Mechanism(&'a str),
    /// `UTF8 "..."`, escapes decoded.
    Utf8(Cow<'a, str>),
    /// `MULTILINE_OCTAL` ... `END`, decoded to bytes.
    Octal(Vec<u8>),
    /// Any other type token, with the rest of the line as written.
    Other {
        /// The type token.
        type_name: &'a str,
        /// The rest of the line, trimmed.
        raw: &'a str,
    },
}

impl<'a> Value<'a> {
    /// The decoded string of a `UTF8` value.
    pub fn as_utf8(&self) -> Option<&str> {
        match self {
            Value::Utf8(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `MULTILINE_OCTAL` value.
    pub fn as_octal(&self) -> Option<&[u8]> {
        match self {
            Value::Octal(b) => Some(b),
            _ => None,
        }
    }

    /// The type token as written in the file.
    pub fn type_name(&self) -> &'a str {
        match self {
            Value::ObjectClass(_) => "CK_OBJECT_CLASS",
            Value::Bool(_) => "CK_BBOOL",
            Value::CertificateType(_) => "CK_CERTIFICATE_TYPE",
            Value::Trust(_) => "CK_TRUST",
            Value::Mechanism(_) => "CK_MECHANISM_TYPE",
            Value::Utf8(_) => "UTF8",
            Value::Octal(_) => "MULTILINE_OCTAL",
            Value::Other { type_name, .. } => type_name,
        }
    }
}

/// A syntax error inside one line: byte offset in the line and message.
struct LineError {
    offset: usize,
    message: String,
}

impl LineError {
    fn at(line: &str, rest: &str, message: impl Into<String>) -> Self {
        LineError {
            offset: line.len().saturating_sub(rest.len()),
            message: message.into(),
        }
    }
}

type LineResult<T> = std::result::Result<T, LineError>;

fn syntax(source_name: &str, line_no: usize, line: &str, e: LineError) -> Error {
    let column = line
        .get(..e.offset.min(line.len()))
        .map_or(e.offset, |s| s.chars().count())
        + 1;
    Error::Syntax {
        source_name: source_name.to_owned(),
        line: line_no,
        column,
        message: e.message,
    }
}

/// The start of `i` up to the first byte `keep` refuses (at least one
/// byte), and the rest. `keep` answers alike for every byte above 0x7f, so
/// the cut falls between characters. A byte at a time, where nom's
/// `take_while1` decodes each character: the attribute lines' tokens were
/// a tenth of the parsing time.
fn take_bytes1(i: &str, keep: impl Fn(u8) -> bool) -> IResult<&str, &str> {
    let n = i.bytes().position(|b| !keep(b)).unwrap_or(i.len());
    match i.split_at_checked(n) {
        Some((token, rest)) if n > 0 => Ok((rest, token)),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TakeWhile1,
        ))),
    }
}

/// An identifier such as `CKA_LABEL` or `CKT_NSS_TRUSTED_DELEGATOR`:
/// ASCII letters, digits and `_`.
fn ident(i: &str) -> IResult<&str, &str> {
    take_bytes1(i, |b| IDENT_BYTE[usize::from(b)])
}

/// Which bytes an identifier is made of, by value: one load a byte instead
/// of three range tests (the attribute lines' identifiers were a seventh of
/// the parsing time).
static IDENT_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// A type token: anything up to the next ASCII blank or line break.
fn type_token(i: &str) -> IResult<&str, &str> {
    take_bytes1(i, |b| !b.is_ascii_whitespace())
}

/// `i` without its leading blanks (spaces and tabs).
fn skip_blanks(i: &str) -> &str {
    let n = i
        .bytes()
        .position(|b| b != b' ' && b != b'\t')
        .unwrap_or(i.len());
    i.get(n..).unwrap_or_default()
}

/// `i` after one or more blanks, or `None`.
fn blanks1(i: &str) -> Option<&str> {
    let rest = skip_blanks(i);
    (rest.len() < i.len()).then_some(rest)
}

/// One `\ooo` escape of a MULTILINE_OCTAL line (three octal digits, at most `\377`).
fn octal_escape(i: &str) -> IResult<&str, u8> {
    let (rest, (_, digits)) =
        (char('\\'), take_while_m_n(3, 3, |c: char| c.is_digit(8))).parse(i)?;
    let value = digits
        .bytes()
        .fold(0u16, |acc, d| acc * 8 + u16::from(d - b'0'));
    match u8::try_from(value) {
        Ok(byte) => Ok((rest, byte)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// Decodes a whole MULTILINE_OCTAL body line, appending to `out`.
fn octal_line(line: &str, out: &mut Vec<u8>, attr: &str) -> LineResult<()> {
    let mut rest = line.trim_end();
    while !rest.is_empty() {
        match octal_escape(rest) {
            Ok((r, byte)) => {
                out.push(byte);
                rest = r;
            }
            Err(_) => {
                let found = describe(rest);
                let message = if rest.starts_with('\\') {
                    format!(
                        "bad octal escape {found} in the MULTILINE_OCTAL value of {attr}; \
                         expected a backslash and three octal digits from \\000 to \\377"
                    )
                } else {
                    format!(
                        "unexpected {found} in the MULTILINE_OCTAL value of {attr}; \
                         expected \\ooo octal escapes or END"
                    )
                };
                return Err(LineError::at(line, rest, message));
            }
        }
    }
    Ok(())
}

/// One `\ooo` escape (at most `\377`) as a little-endian `u32`: the
/// backslash in the low byte, then the digits, the first `0`-`3`, the others
/// `0`-`7`. `word & ESCAPE_MASK == ESCAPE_WANT` exactly for those.
const ESCAPE_MASK: u32 = 0xF8F8_FCFF;
const ESCAPE_WANT: u32 = 0x3030_305C;
/// The same test for two escapes in one little-endian `u64`.
const ESCAPE_MASK2: u64 = (ESCAPE_MASK as u64) << 32 | ESCAPE_MASK as u64;
const ESCAPE_WANT2: u64 = (ESCAPE_WANT as u64) << 32 | ESCAPE_WANT as u64;

/// The byte of an escape that passed the mask test: bits 8-9, 16-18 and
/// 24-26 hold the three digits' values.
fn escape_value(v: u32) -> u8 {
    (((v >> 2) & 0xC0) | ((v >> 13) & 0x38) | ((v >> 24) & 0x07)) as u8
}

/// The length of the body lines NSS writes: sixteen `\ooo` escapes.
const FULL_LINE: usize = 64;

/// The sixteen bytes of a [`FULL_LINE`] of escapes, or `None` when any of
/// them is not a well-formed escape. The escapes are tested and decoded
/// eight at a time, one per 32-bit lane of a vector ([`wide::u32x8`]: SSE2
/// on x86-64, plain arithmetic elsewhere), the same steps as
/// [`escape_value`]. Measured on 17,000 such lines (about NSS 3.123's
/// count): 241 µs two escapes per 64-bit word, 90 µs this way.
fn full_line(line: &[u8]) -> Option<[u8; 16]> {
    use wide::u32x8;
    let line: &[u8; FULL_LINE] = line.try_into().ok()?;
    let mut words = [[0u32; 8]; 2];
    for (word, escape) in words
        .as_flattened_mut()
        .iter_mut()
        .zip(line.chunks_exact(4))
    {
        *word = <[u8; 4]>::try_from(escape).map_or(!0, u32::from_le_bytes);
    }
    let [low, high] = words.map(u32x8::from);
    let (mask, want) = (u32x8::splat(ESCAPE_MASK), u32x8::splat(ESCAPE_WANT));
    if ((low & mask) ^ want) | ((high & mask) ^ want) != u32x8::ZERO {
        return None;
    }
    let value = |v: u32x8| -> u32x8 {
        ((v >> 2u32) & u32x8::splat(0xC0))
            | ((v >> 13u32) & u32x8::splat(0x38))
            | ((v >> 24u32) & u32x8::splat(0x07))
    };
    let mut out = [0u8; 16];
    let values = [value(low).to_array(), value(high).to_array()];
    for (byte, v) in out.iter_mut().zip(values.as_flattened()) {
        *byte = *v as u8;
    }
    Some(out)
}

/// Decodes the line of `bytes` starting at `start` into `out` when it is one or
/// more `\ooo` escapes followed by the line ending (CRLF if `crlf`, else LF);
/// returns where the next line starts. Otherwise leaves `out` as it was and
/// returns `None`, and the caller parses the line the slow way (which also
/// reports a line longer than [`MAX_LINE_LENGTH`]).
///
/// Escapes are checked and decoded while scanning, two per 64-bit word, so
/// the line is read once: this is most of certdata.txt.
fn octal_body_line(bytes: &[u8], start: usize, crlf: bool, out: &mut Vec<u8>) -> Option<usize> {
    let rest = bytes.get(start..)?;
    let ending: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    // The line NSS writes: sixteen escapes, checked together, stored at once.
    if let Some(line) = rest.get(..FULL_LINE)
        && rest.get(FULL_LINE..).is_some_and(|r| r.starts_with(ending))
        && let Some(decoded) = full_line(line)
    {
        out.extend_from_slice(&decoded);
        return Some(start + FULL_LINE + ending.len());
    }
    let before = out.len();
    let mut i = 0;
    while let Some(Ok(pair)) = rest.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let v = u64::from_le_bytes(pair);
        if v & ESCAPE_MASK2 != ESCAPE_WANT2 {
            break;
        }
        out.extend_from_slice(&[escape_value(v as u32), escape_value((v >> 32) as u32)]);
        i += 8;
        if i > MAX_LINE_LENGTH {
            break;
        }
    }
    if let Some(Ok(one)) = rest.get(i..i + 4).map(<[u8; 4]>::try_from) {
        let v = u32::from_le_bytes(one);
        if v & ESCAPE_MASK == ESCAPE_WANT {
            out.push(escape_value(v));
            i += 4;
        }
    }
    let ends = rest.get(i..).is_some_and(|r| r.starts_with(ending));
    if i > 0 && i <= MAX_LINE_LENGTH && ends {
        Some(start + i + ending.len())
    } else {
        out.truncate(before);
        None
    }
}

/// A short, printable description of what starts `rest`, for messages.
fn describe(rest: &str) -> String {
    let snippet: String = rest.chars().take(12).collect();
    if snippet.is_empty() {
        "end of line".to_owned()
    } else {
        format!("{:?}", snippet)
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A double-quoted string with `\xNN`, `\\` and `\"` escapes. The decoded bytes
/// must be UTF-8. Returns the rest of the line and the string.
fn quoted<'a>(line: &'a str, i: &'a str) -> LineResult<(&'a str, Cow<'a, str>)> {
    let (body, _) = tag::<_, _, nom::error::Error<&str>>("\"")
        .parse(i)
        .map_err(|_| {
            LineError::at(
                line,
                i,
                format!("expected '\"' to open a string, found {}", describe(i)),
            )
        })?;
    let bytes = body.as_bytes();
    // Fast path: no escapes before the closing quote.
    let mut pos = 0;
    while pos < bytes.len() && bytes[pos] != b'"' && bytes[pos] != b'\\' {
        pos += 1;
    }
    if pos < bytes.len() && bytes[pos] == b'"' {
        let s = body.get(..pos).unwrap_or_default();
        return Ok((body.get(pos + 1..).unwrap_or_default(), Cow::Borrowed(s)));
    }
    let mut out: Vec<u8> = bytes.get(..pos).unwrap_or_default().to_vec();
    while pos < bytes.len() {
        match bytes[pos] {
            b'"' => {
                let rest = body.get(pos + 1..).unwrap_or_default();
                return match String::from_utf8(out) {
                    Ok(s) => Ok((rest, Cow::Owned(s))),
                    Err(_) => Err(LineError::at(
                        line,
                        i,
                        "string escapes decode to bytes that are not UTF-8; expected \\xNN escapes of whole UTF-8 characters",
                    )),
                };
            }
            b'\\' => {
                let esc_rest = body.get(pos..).unwrap_or_default();
                match bytes.get(pos + 1) {
                    Some(b'x') | Some(b'X') => {
                        match (
                            bytes.get(pos + 2).copied().and_then(hex_val),
                            bytes.get(pos + 3).copied().and_then(hex_val),
                        ) {
                            (Some(h), Some(l)) => {
                                out.push(h * 16 + l);
                                pos += 4;
                            }
                            _ => {
                                return Err(LineError::at(
                                    line,
                                    esc_rest,
                                    format!(
                                        "bad escape {}; expected \\x and two hex digits",
                                        describe(esc_rest)
                                    ),
                                ));
                            }
                        }
                    }
                    Some(b'\\') | Some(b'"') => {
                        out.push(bytes[pos + 1]);
                        pos += 2;
                    }
                    _ => {
                        return Err(LineError::at(
                            line,
                            esc_rest,
                            format!(
                                "unknown escape {} in a string; expected \\xNN, \\\\ or \\\"",
                                describe(esc_rest)
                            ),
                        ));
                    }
                }
            }
            b => {
                out.push(b);
                pos += 1;
            }
        }
    }
    Err(LineError::at(
        line,
        line.get(line.len()..).unwrap_or_default(),
        "string not closed; expected '\"' before the end of the line",
    ))
}

/// Requires nothing but blanks after a value.
fn end_of_line<'a>(line: &'a str, rest: &'a str, after: &str) -> LineResult<()> {
    let rest = skip_blanks(rest);
    if rest.is_empty() {
        Ok(())
    } else {
        Err(LineError::at(
            line,
            rest,
            format!(
                "unexpected {} after {after}; expected the end of the line",
                describe(rest)
            ),
        ))
    }
}

/// What an attribute line starts: a complete value, or a MULTILINE_OCTAL body.
enum Parsed<'a> {
    Value(&'a str, Value<'a>),
    OctalStart(&'a str),
}

/// Parses `NAME TYPE [VALUE]`.
fn attribute_line(line: &str) -> LineResult<Parsed<'_>> {
    let (rest, name) = ident(line).map_err(|_| {
        LineError::at(
            line,
            line,
            format!("unexpected {}; expected an attribute name such as CKA_LABEL, a comment or a blank line", describe(line)),
        )
    })?;
    let rest = blanks1(rest).ok_or_else(|| {
        LineError::at(
            line,
            rest,
            format!(
                "expected a blank and a type after {name}, found {}",
                describe(rest)
            ),
        )
    })?;
    let (rest, type_name) = type_token(rest)
        .map_err(|_| LineError::at(line, rest, format!("expected a type after {name}")))?;
    if type_name == "MULTILINE_OCTAL" {
        end_of_line(line, rest, "MULTILINE_OCTAL")?;
        return Ok(Parsed::OctalStart(name));
    }
    let value_start = match blanks1(rest) {
        Some(r) => r,
        None if type_name == "UTF8" || is_token_type(type_name) => {
            return Err(LineError::at(
                line,
                rest,
                format!(
                    "expected a blank and a value after {name} {type_name}, found {}",
                    describe(rest)
                ),
            ));
        }
        None => rest,
    };
    let value = match type_name {
        "UTF8" => {
            let (r, s) = quoted(line, value_start)?;
            end_of_line(line, r, "the string")?;
            Value::Utf8(s)
        }
        "CK_BBOOL" => {
            let (r, tok) = ident(value_start).map_err(|_| {
                LineError::at(
                    line,
                    value_start,
                    format!(
                        "expected CK_TRUE or CK_FALSE, found {}",
                        describe(value_start)
                    ),
                )
            })?;
            let b = match tok {
                "CK_TRUE" => true,
                "CK_FALSE" => false,
                _ => {
                    return Err(LineError::at(
                        line,
                        value_start,
                        format!("expected CK_TRUE or CK_FALSE, found {tok:?}"),
                    ));
                }
            };
            end_of_line(line, r, tok)?;
            Value::Bool(b)
        }
        t if is_token_type(t) => {
            let (r, tok) = ident(value_start).map_err(|_| {
                LineError::at(
                    line,
                    value_start,
                    format!(
                        "expected an identifier value for {t}, found {}",
                        describe(value_start)
                    ),
                )
            })?;
            end_of_line(line, r, tok)?;
            match t {
                "CK_OBJECT_CLASS" => Value::ObjectClass(tok),
                "CK_CERTIFICATE_TYPE" => Value::CertificateType(tok),
                "CK_TRUST" => Value::Trust(tok),
                _ => Value::Mechanism(tok),
            }
        }
        _ => Value::Other {
            type_name,
            raw: value_start.trim(),
        },
    };
    Ok(Parsed::Value(name, value))
}

fn is_token_type(t: &str) -> bool {
    matches!(
        t,
        "CK_OBJECT_CLASS" | "CK_CERTIFICATE_TYPE" | "CK_TRUST" | "CK_MECHANISM_TYPE"
    )
}

/// Parses the `CVS_ID "..."` line of old headers.
fn cvs_id_line(line: &str) -> LineResult<Cow<'_, str>> {
    let (rest, _) = (tag::<_, _, nom::error::Error<&str>>("CVS_ID"), space1)
        .parse(line)
        .map_err(|_| LineError::at(line, line, "expected CVS_ID and a quoted string"))?;
    let (rest, s) = quoted(line, rest)?;
    end_of_line(line, rest, "the CVS_ID string")?;
    Ok(s)
}

/// Line and column (both 1-based) of byte offset `offset` in `input`.
pub fn line_col(input: &[u8], offset: usize) -> (usize, usize) {
    let before = input.get(..offset).unwrap_or(input);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Parses certdata.txt bytes. `source_name` is used in error messages.
///
/// Rejects, with the line and column: a UTF-8 byte order mark, NUL bytes, text
/// that is not UTF-8, mixed LF and CRLF line endings, attributes before
/// `BEGINDATA` or outside an object, a repeated attribute within an object, and
/// every malformed value.
pub fn parse<'a>(input: &'a [u8], source_name: &str) -> Result<Document<'a>> {
    let mut parser = Parser::new(source_name);
    let mut objects = Vec::new();
    parser.feed(input, None, &mut |obj| {
        objects.push(obj);
        Ok(())
    })?;
    let header = parser.finish()?;
    Ok(Document {
        cvs_id: header.cvs_id.map(Cow::Owned),
        begindata_line: header.begindata_line,
        objects,
        crlf: header.crlf,
    })
}

/// What [`Parser::finish`] returns: everything of the file but its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The `CVS_ID "..."` string of pre-2013 files, if present.
    pub cvs_id: Option<String>,
    /// Line of `BEGINDATA`.
    pub begindata_line: usize,
    /// Whether lines end in CRLF (else LF).
    pub crlf: bool,
}

/// An incremental parser: certdata.txt fed in pieces that each end where an
/// object starts, so that a large input never has to be in memory at once.
///
/// [`split_point`] finds such an end in a buffer. Objects are handed to a
/// callback as soon as they are complete; they borrow from the piece.
///
/// ```
/// use nssroots::parse::{split_point, Parser};
/// let text = b"BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\nCKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST\n";
/// let cut = split_point(text).unwrap();
/// let mut parser = Parser::new("certdata.txt");
/// let mut classes = Vec::new();
/// parser.feed(&text[..cut], Some(&text[cut..]), &mut |o| Ok(classes.push(o.class().to_owned())))?;
/// parser.feed(&text[cut..], None, &mut |o| Ok(classes.push(o.class().to_owned())))?;
/// assert_eq!(classes, ["CKO_CERTIFICATE", "CKO_NSS_TRUST"]);
/// assert_eq!(parser.finish()?.begindata_line, 1);
/// # Ok::<(), nssroots::Error>(())
/// ```
#[derive(Debug)]
pub struct Parser<'n> {
    source_name: &'n str,
    /// Lines consumed so far.
    line_no: usize,
    /// Whether the first piece was seen (the byte order mark check).
    started: bool,
    in_data: bool,
    begindata_line: usize,
    cvs_id: Option<String>,
    crlf: Option<bool>,
    /// Where MULTILINE_OCTAL values are decoded, kept between values so that
    /// it grows only to the largest one; each value is copied out at `END`
    /// into a vector of its exact size. Given room for [`SCRATCH`] bytes at
    /// the first value.
    scratch: Vec<u8>,
}

/// The room a parser's decoding buffer starts with: more than the DER of
/// any certificate NSS has shipped (the largest are about 2 KB), so that it
/// is allocated once and never grown. Grown from nothing it was reallocated
/// six or seven times a part; on a worker thread its first few bytes often
/// came from memory the calling thread had allocated (std frees the
/// spawning closure on the new thread, and glibc hands those blocks out
/// again there), and glibc reallocates a block under the lock of the heap
/// it came from, which the calling thread takes for every allocation: each
/// growth could make one thread sleep until the other let go (seen with
/// `perf` and with a malloc tracer on NSS 3.123, about six such
/// reallocations a run).
const SCRATCH: usize = 4096;

/// The first line of `text`, without its line feed: all of a piece's `next`
/// that [`Parser::feed`] quotes.
pub fn first_line(text: &[u8]) -> &[u8] {
    text.get(..memchr::memchr(b'\n', text).unwrap_or(text.len()))
        .unwrap_or(text)
}

/// Where `buf` can be cut so that the part before is whole objects: the start
/// of the last line that begins with `CKA_CLASS` and a blank (and is not the
/// first byte). `None` when there is no such line.
///
/// The blank matters: a line such as `CKA_CLASSX CK_BBOOL CK_TRUE` is an
/// attribute of the object it is in, not the start of one (found by fuzzing).
pub fn split_point(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    while let Some(p) = memchr::memmem::rfind(buf.get(..end)?, b"\nCKA_CLASS") {
        if matches!(buf.get(p + 10), Some(b' ' | b'\t')) {
            return Some(p + 1);
        }
        end = p;
    }
    None
}

impl<'n> Parser<'n> {
    /// A parser for the input called `source_name` (used in error messages).
    pub fn new(source_name: &'n str) -> Self {
        Parser {
            source_name,
            line_no: 0,
            started: false,
            in_data: false,
            begindata_line: 0,
            cvs_id: None,
            scratch: Vec::new(),
            crlf: None,
        }
    }

    /// Whether `BEGINDATA` has been seen: the header is over.
    pub fn in_data(&self) -> bool {
        self.in_data
    }

    /// Lines consumed so far.
    pub fn line_no(&self) -> usize {
        self.line_no
    }

    /// A parser in this one's state (past the header, same line endings)
    /// that starts at line `line_no + 1`: for parsing a later piece of the
    /// same input on another thread, once [`Parser::in_data`] holds. The
    /// header (`CVS_ID`) stays with this parser.
    pub fn fork(&self, line_no: usize) -> Parser<'n> {
        Parser {
            source_name: self.source_name,
            line_no,
            started: true,
            in_data: self.in_data,
            begindata_line: self.begindata_line,
            cvs_id: None,
            scratch: Vec::new(),
            crlf: self.crlf,
        }
    }

    /// A parser for a later part of an input that starts after `line_no`
    /// lines, past `BEGINDATA`, whose lines end in CRLF if `crlf`: for
    /// parsing parts of one input at once. (The `BEGINDATA` line is not
    /// known: a second `BEGINDATA` is reported without it.)
    pub fn resume(source_name: &'n str, line_no: usize, crlf: bool) -> Parser<'n> {
        Parser {
            source_name,
            line_no,
            started: true,
            in_data: true,
            begindata_line: 0,
            cvs_id: None,
            scratch: Vec::new(),
            crlf: Some(crlf),
        }
    }

    /// The line ending seen so far: `Some(true)` for CRLF, `None` before
    /// the first line ending.
    pub fn crlf(&self) -> Option<bool> {
        self.crlf
    }

    fn syntax_at(&self, piece: &[u8], offset: usize, message: String) -> Error {
        let (line, column) = line_col(piece, offset);
        Error::Syntax {
            source_name: self.source_name.to_owned(),
            line: self.line_no + line,
            column,
            message,
        }
    }

    /// Parses `piece`, which must end at the end of the input (`next` is
    /// `None`) or just before a line starting with `CKA_CLASS` (`next` is the
    /// input after it, or a prefix of that: it is only quoted in messages).
    /// Calls `emit` with every object, in order.
    pub fn feed<'a>(
        &mut self,
        piece: &'a [u8],
        next: Option<&[u8]>,
        emit: &mut dyn FnMut(RawObject<'a>) -> Result<()>,
    ) -> Result<()> {
        let source_name = self.source_name;
        if !self.started {
            self.started = true;
            if piece.starts_with(b"\xEF\xBB\xBF") {
                return Err(self.syntax_at(
                    piece,
                    0,
                    "UTF-8 byte order mark; expected certdata.txt to start with a comment, a blank line or BEGINDATA".into(),
                ));
            }
        }
        // The piece is checked for NUL bytes and UTF-8 in one pass each (a
        // check per line cost three times as much), but a bad byte is
        // reported only when its line is read, so an earlier error in the
        // piece comes first and the error is the same however the input is
        // cut into pieces. `limit` is the first bad byte: lines end before
        // it (an octal body line taken by the fast path is ASCII).
        // The text is validated once; only a piece with a bad byte has its
        // valid start validated again.
        let text = match simdutf8::compat::from_utf8(piece) {
            Ok(text) => text,
            Err(e) => piece
                .get(..e.valid_up_to())
                .and_then(|valid| std::str::from_utf8(valid).ok())
                .unwrap_or_default(),
        };
        let valid_len = text.len();
        let nul = memchr::memchr(0, text.as_bytes());
        let limit = nul.unwrap_or(valid_len);

        // Open MULTILINE_OCTAL: attribute name, its line, bytes so far.
        let mut octal: Option<(&'a str, usize, Vec<u8>)> = None;
        let mut current: Option<RawObject<'a>> = None;
        // The current object's attribute names, as `NameKey`s.
        let mut keys: Vec<NameKey> = Vec::with_capacity(16);
        let mut line_no = self.line_no;
        let mut start = 0usize;
        let bytes = piece;
        while start < bytes.len() {
            line_no += 1;
            // Fast path inside MULTILINE_OCTAL: a line of nothing but
            // well-formed `\ooo` escapes and the file's line ending, which is
            // every body line NSS has ever written.
            if let (Some((_, _, buf)), Some(crlf)) = (octal.as_mut(), self.crlf) {
                if let Some(next_start) = octal_body_line(bytes, start, crlf, buf) {
                    if buf.len() > MAX_ATTRIBUTE_SIZE {
                        return Err(attribute_too_large(source_name, &octal, line_no));
                    }
                    start = next_start;
                    continue;
                }
            }
            let (raw_end, next_start) = match memchr::memchr(b'\n', &bytes[start..]) {
                Some(p) => (start + p, start + p + 1),
                None => (bytes.len(), bytes.len()),
            };
            if raw_end - start > MAX_LINE_LENGTH {
                return Err(Error::Syntax {
                    source_name: source_name.to_owned(),
                    line: line_no,
                    column: 1,
                    message: format!(
                        "line is {} bytes long, more than the limit of {MAX_LINE_LENGTH} bytes per line; \
                         expected certdata.txt, whose lines are under 200 bytes",
                        raw_end - start
                    ),
                });
            }
            if raw_end > limit {
                let message = if nul == Some(limit) {
                    "NUL byte; expected text"
                } else {
                    "bytes that are not UTF-8; expected UTF-8 text"
                };
                return Err(self.syntax_at(piece, limit, message.into()));
            }
            let mut line = text.get(start..raw_end).unwrap_or_default();
            let this_crlf = line.ends_with('\r');
            if this_crlf {
                line = line.get(..line.len() - 1).unwrap_or_default();
            }
            if next_start > raw_end {
                match self.crlf {
                    None => self.crlf = Some(this_crlf),
                    Some(c) if c != this_crlf => {
                        let (was, now) = if c { ("CRLF", "LF") } else { ("LF", "CRLF") };
                        return Err(Error::Syntax {
                            source_name: source_name.to_owned(),
                            line: line_no,
                            column: line.chars().count() + 1,
                            message: format!(
                                "line ends with {now} but earlier lines end with {was}; expected one kind of line ending"
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
            start = next_start;

            if let Some((attr, attr_line, buf)) = octal.as_mut() {
                // Not a plain body line (the fast path above took those).
                let trimmed = line.trim();
                if trimmed == "END" {
                    let (attr, attr_line, value) = (*attr, *attr_line, buf.to_vec());
                    buf.clear();
                    self.scratch = std::mem::take(buf);
                    octal = None;
                    push_attribute(
                        &mut current,
                        &mut keys,
                        attr,
                        Value::Octal(value),
                        attr_line,
                        source_name,
                    )?;
                    continue;
                }
                if !trimmed.starts_with('\\') && !trimmed.is_empty() {
                    return Err(not_closed(source_name, attr, *attr_line, trimmed, line_no));
                }
                octal_line(line.trim_start(), buf, attr).map_err(|mut e| {
                    e.offset += line.len() - line.trim_start().len();
                    syntax(source_name, line_no, line, e)
                })?;
                if buf.len() > MAX_ATTRIBUTE_SIZE {
                    return Err(attribute_too_large(source_name, &octal, line_no));
                }
                continue;
            }

            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !self.in_data {
                if trimmed.trim_end() == "BEGINDATA" {
                    self.in_data = true;
                    self.begindata_line = line_no;
                } else if trimmed.starts_with("CVS_ID") {
                    let s = cvs_id_line(line).map_err(|e| syntax(source_name, line_no, line, e))?;
                    self.cvs_id = Some(s.into_owned());
                } else {
                    return Err(Error::Syntax {
                        source_name: source_name.to_owned(),
                        line: line_no,
                        column: line.len() - trimmed.len() + 1,
                        message: format!(
                            "unexpected {} before BEGINDATA; expected a comment, a blank line, CVS_ID or BEGINDATA",
                            describe(trimmed)
                        ),
                    });
                }
                continue;
            }
            if trimmed.trim_end() == "BEGINDATA" {
                return Err(Error::Syntax {
                    source_name: source_name.to_owned(),
                    line: line_no,
                    column: 1,
                    message: format!(
                        "BEGINDATA again (first at line {}); expected an attribute",
                        self.begindata_line
                    ),
                });
            }
            let parsed = attribute_line(line).map_err(|e| syntax(source_name, line_no, line, e))?;
            let name = match &parsed {
                Parsed::OctalStart(name) | Parsed::Value(name, _) => *name,
            };
            if name != "CKA_CLASS" && contains_cka_class(name) {
                // certdata.perl starts an object at any name containing
                // CKA_CLASS: NSS's build would cut this object in two.
                return Err(Error::Syntax {
                    source_name: source_name.to_owned(),
                    line: line_no,
                    column: 1,
                    message: format!(
                        "attribute {name}: NSS's certdata.perl starts a new object at any name containing CKA_CLASS; \
                         expected CKA_CLASS itself or another name"
                    ),
                });
            }
            match parsed {
                Parsed::OctalStart(name) => {
                    if current.is_none() {
                        return Err(outside_object(source_name, line_no, name));
                    }
                    let mut scratch = std::mem::take(&mut self.scratch);
                    if scratch.capacity() == 0 {
                        scratch.reserve(SCRATCH);
                    }
                    octal = Some((name, line_no, scratch));
                }
                Parsed::Value(name, value) => {
                    if name == "CKA_CLASS" {
                        if !matches!(value, Value::ObjectClass(_)) {
                            return Err(Error::Syntax {
                                source_name: source_name.to_owned(),
                                line: line_no,
                                column: 11,
                                message: format!(
                                    "CKA_CLASS has type {}; expected CK_OBJECT_CLASS",
                                    value.type_name()
                                ),
                            });
                        }
                        if let Some(obj) = current.take() {
                            emit(obj)?;
                        }
                        current = Some(RawObject {
                            line: line_no,
                            attributes: Vec::with_capacity(16),
                        });
                        keys.clear();
                    }
                    push_attribute(&mut current, &mut keys, name, value, line_no, source_name)?;
                }
            }
        }
        if let Some((attr, attr_line, _)) = octal {
            return Err(match next {
                // The next piece starts with a CKA_CLASS line, which is where
                // the whole-input parse would have noticed.
                Some(rest) => {
                    let found = String::from_utf8_lossy(first_line(rest));
                    not_closed(source_name, attr, attr_line, found.trim(), line_no + 1)
                }
                None => Error::Syntax {
                    source_name: source_name.to_owned(),
                    line: attr_line,
                    column: 1,
                    message: format!("MULTILINE_OCTAL value for {attr} not closed by END"),
                },
            });
        }
        self.line_no = line_no;
        if let Some(obj) = current.take() {
            emit(obj)?;
        }
        Ok(())
    }

    /// Ends the input: fails if `BEGINDATA` never came.
    pub fn finish(self) -> Result<Header> {
        if !self.in_data {
            return Err(Error::Syntax {
                source_name: self.source_name.to_owned(),
                line: self.line_no.max(1),
                column: 1,
                message: "end of input before BEGINDATA; expected a certdata.txt file".into(),
            });
        }
        Ok(Header {
            cvs_id: self.cvs_id,
            begindata_line: self.begindata_line,
            crlf: self.crlf.unwrap_or(false),
        })
    }
}

fn not_closed(
    source_name: &str,
    attr: &str,
    attr_line: usize,
    found: &str,
    line_no: usize,
) -> Error {
    Error::Syntax {
        source_name: source_name.to_owned(),
        line: attr_line,
        column: 1,
        message: format!(
            "MULTILINE_OCTAL value for {attr} not closed by END (found {} at line {line_no})",
            describe(found)
        ),
    }
}

fn attribute_too_large(
    source_name: &str,
    octal: &Option<(&str, usize, Vec<u8>)>,
    line_no: usize,
) -> Error {
    let (attr, attr_line) = octal.as_ref().map_or(("", 0), |(a, l, _)| (*a, *l));
    Error::Syntax {
        source_name: source_name.to_owned(),
        line: line_no,
        column: 1,
        message: format!(
            "MULTILINE_OCTAL value for {attr} (from line {attr_line}) is more than the limit of \
             {MAX_ATTRIBUTE_SIZE} bytes per attribute; expected a certificate of a few kilobytes"
        ),
    }
}

fn outside_object(source_name: &str, line: usize, name: &str) -> Error {
    Error::Syntax {
        source_name: source_name.to_owned(),
        line,
        column: 1,
        message: format!("attribute {name} outside an object; expected CKA_CLASS to start one"),
    }
}

/// An attribute name's length and its first and last eight bytes: equal for
/// equal names, and different for any two attribute names NSS has used, so
/// that the check for a repeated attribute compares whole names only when
/// these are equal. Comparing each name with every one before it in its
/// object was a tenth of the parsing time (memcmp calls for names of equal
/// length, such as CKA_LABEL and CKA_CLASS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NameKey(usize, u64, u64);

impl NameKey {
    fn of(name: &str) -> NameKey {
        let b = name.as_bytes();
        let word = |part: &[u8]| {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(part) {
                *d = *s;
            }
            u64::from_le_bytes(w)
        };
        let tail = b.get(b.len().saturating_sub(8)..).unwrap_or_default();
        NameKey(b.len(), word(b), word(tail))
    }
}

/// Whether `name` contains `CKA_CLASS` (which NSS's certdata.perl takes
/// for the start of an object): each nine bytes compared as one word and a
/// byte, quicker on the short names of every attribute line than
/// `str::contains`, which sets up a substring search for each call.
fn contains_cka_class(name: &str) -> bool {
    const HEAD: u64 = u64::from_le_bytes(*b"CKA_CLAS");
    name.as_bytes().windows(9).any(|w| match w {
        [a, b, c, d, e, f, g, h, i] => {
            u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]) == HEAD && *i == b'S'
        }
        _ => false,
    })
}

/// Adds an attribute to the current object; `keys` are its names so far.
fn push_attribute<'a>(
    current: &mut Option<RawObject<'a>>,
    keys: &mut Vec<NameKey>,
    name: &'a str,
    value: Value<'a>,
    line: usize,
    source_name: &str,
) -> Result<()> {
    let Some(obj) = current.as_mut() else {
        return Err(outside_object(source_name, line, name));
    };
    let key = NameKey::of(name);
    if let Some((prev, _)) = obj
        .attributes
        .iter()
        .zip(keys.iter())
        .find(|(a, k)| **k == key && a.name == name)
    {
        return Err(Error::Syntax {
            source_name: source_name.to_owned(),
            line,
            column: 1,
            message: format!(
                "{name} given twice in one object (first at line {}); expected each attribute once",
                prev.line
            ),
        });
    }
    obj.attributes.push(Attribute { name, value, line });
    keys.push(key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse(text.as_bytes(), "t.txt") {
            Ok(d) => panic!("expected an error, parsed {d:?}"),
            Err(e) => e.to_string(),
        }
    }

    const OBJ: &str = "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\n";

    #[test]
    fn parses_every_value_type() {
        let text = format!(
            "# c\nCVS_ID \"@(#) $RCSfile$\"\n\n{OBJ}CKA_TOKEN CK_BBOOL CK_TRUE\nCKA_PRIVATE CK_BBOOL CK_FALSE\n\
             CKA_CERTIFICATE_TYPE CK_CERTIFICATE_TYPE CKC_X_509\nCKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR\n\
             CKA_NAME_HASH_ALGORITHM CK_MECHANISM_TYPE CKM_SHA256\nCKA_LABEL UTF8 \"a b\"\n\
             CKA_VALUE MULTILINE_OCTAL\n\\060\\202\n\\377\nEND\nCKA_EXPIRES CK_DATE 20250101\nCKA_X FOO\n"
        );
        let doc = parse(text.as_bytes(), "t").unwrap();
        assert_eq!(doc.cvs_id.as_deref(), Some("@(#) $RCSfile$"));
        assert_eq!(doc.begindata_line, 4);
        let o = &doc.objects[0];
        assert_eq!(o.line, 5);
        assert_eq!(o.class(), "CKO_CERTIFICATE");
        assert_eq!(o.get("CKA_TOKEN").unwrap().value, Value::Bool(true));
        assert_eq!(o.get("CKA_PRIVATE").unwrap().value, Value::Bool(false));
        assert_eq!(
            o.get("CKA_CERTIFICATE_TYPE").unwrap().value,
            Value::CertificateType("CKC_X_509")
        );
        assert_eq!(
            o.get("CKA_TRUST_SERVER_AUTH").unwrap().value,
            Value::Trust("CKT_NSS_TRUSTED_DELEGATOR")
        );
        assert_eq!(
            o.get("CKA_NAME_HASH_ALGORITHM").unwrap().value,
            Value::Mechanism("CKM_SHA256")
        );
        assert_eq!(o.get("CKA_LABEL").unwrap().value.as_utf8(), Some("a b"));
        assert_eq!(
            o.get("CKA_VALUE").unwrap().value.as_octal(),
            Some(&[0o60u8, 0o202, 0o377][..])
        );
        assert_eq!(o.get("CKA_VALUE").unwrap().line, 12);
        assert_eq!(
            o.get("CKA_EXPIRES").unwrap().value,
            Value::Other {
                type_name: "CK_DATE",
                raw: "20250101"
            }
        );
        assert_eq!(
            o.get("CKA_X").unwrap().value,
            Value::Other {
                type_name: "FOO",
                raw: ""
            }
        );
    }

    #[test]
    fn escapes_and_raw_utf8_decode_to_the_same_label() {
        let a = format!("{OBJ}CKA_LABEL UTF8 \"AC Ra\\xC3\\xADz \\x42\\\"q\\\\\"\n");
        let b = format!("{OBJ}CKA_LABEL UTF8 \"AC Raíz B\\\"q\\\\\"\n");
        let la = parse(a.as_bytes(), "a").unwrap().objects[0]
            .get("CKA_LABEL")
            .unwrap()
            .value
            .clone();
        let lb = parse(b.as_bytes(), "b").unwrap().objects[0]
            .get("CKA_LABEL")
            .unwrap()
            .value
            .clone();
        assert_eq!(la, lb);
        assert_eq!(la.as_utf8(), Some("AC Raíz B\"q\\"));
    }

    #[test]
    fn crlf_is_accepted_and_mixed_endings_are_not() {
        let text = OBJ.replace('\n', "\r\n") + "CKA_LABEL UTF8 \"x\"\r\n";
        let doc = parse(text.as_bytes(), "t").unwrap();
        assert!(doc.crlf);
        assert_eq!(
            doc.objects[0].get("CKA_LABEL").unwrap().value.as_utf8(),
            Some("x")
        );
        let mixed = OBJ.replace('\n', "\r\n") + "CKA_LABEL UTF8 \"x\"\n";
        assert!(
            err(&mixed)
                .starts_with("t.txt:3:19: line ends with LF but earlier lines end with CRLF")
        );
    }

    #[test]
    fn unclosed_octal_names_the_attribute_line() {
        let e = err(&format!("{OBJ}CKA_VALUE MULTILINE_OCTAL\n\\060\n"));
        assert_eq!(
            e,
            "t.txt:3:1: MULTILINE_OCTAL value for CKA_VALUE not closed by END"
        );
        let e = err(&format!(
            "{OBJ}CKA_VALUE MULTILINE_OCTAL\n\\060\nCKA_LABEL UTF8 \"x\"\n"
        ));
        assert!(
            e.starts_with(
                "t.txt:3:1: MULTILINE_OCTAL value for CKA_VALUE not closed by END (found"
            ),
            "{e}"
        );
    }

    #[test]
    fn bad_octal_digits_point_at_the_column() {
        let e = err(&format!(
            "{OBJ}CKA_VALUE MULTILINE_OCTAL\n\\060\\08x\nEND\n"
        ));
        assert!(e.starts_with("t.txt:4:5: bad octal escape"), "{e}");
        let e = err(&format!("{OBJ}CKA_VALUE MULTILINE_OCTAL\n\\400\nEND\n"));
        assert!(e.starts_with("t.txt:4:1: bad octal escape"), "{e}");
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        assert!(
            err("CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\n").starts_with("t.txt:1:1: unexpected")
        );
        assert!(err("# only comments\n").contains("before BEGINDATA"));
        assert!(
            err("BEGINDATA\nCKA_LABEL UTF8 \"x\"\n")
                .starts_with("t.txt:2:1: attribute CKA_LABEL outside an object")
        );
        assert!(err(&format!("{OBJ}CKA_LABEL UTF8 \"x\n")).contains("string not closed"));
        assert!(err(&format!("{OBJ}CKA_LABEL UTF8 x\n")).starts_with("t.txt:3:16: expected '\"'"));
        assert!(err(&format!("{OBJ}CKA_LABEL UTF8 \"\\q\"\n")).contains("unknown escape"));
        assert!(err(&format!("{OBJ}CKA_LABEL UTF8 \"\\xC3\"\n")).contains("not UTF-8"));
        assert!(
            err(&format!("{OBJ}CKA_TOKEN CK_BBOOL CK_MAYBE\n"))
                .contains("expected CK_TRUE or CK_FALSE")
        );
        assert!(
            err(&format!("{OBJ}CKA_TOKEN CK_BBOOL CK_TRUE junk\n"))
                .contains("expected the end of the line")
        );
        assert!(
            err(&format!(
                "{OBJ}CKA_TOKEN CK_BBOOL CK_TRUE\nCKA_TOKEN CK_BBOOL CK_TRUE\n"
            ))
            .contains("given twice")
        );
        assert!(err("BEGINDATA\nCKA_CLASS UTF8 \"x\"\n").contains("expected CK_OBJECT_CLASS"));
        assert!(err("\u{feff}BEGINDATA\n").starts_with("t.txt:1:1: UTF-8 byte order mark"));
        assert!(err("BEGINDATA\n# a\0b\n").starts_with("t.txt:2:4: NUL byte"));
        assert!(err("BEGINDATA\nBEGINDATA\n").contains("BEGINDATA again"));
        assert!(err(&format!("{OBJ}!!\n")).contains("expected an attribute name"));
        let bad_utf8 = [b"BEGINDATA\n# \xff\n".as_slice()].concat();
        assert!(
            parse(&bad_utf8, "t.txt")
                .unwrap_err()
                .to_string()
                .starts_with("t.txt:2:3: bytes that are not UTF-8")
        );
        // The first error in the file is the one reported, even when a NUL
        // byte or bad UTF-8 comes later in the same piece.
        let later = [b"BEGINDATA\n!!\n# \0\xff\n".as_slice()].concat();
        assert!(
            parse(&later, "t.txt")
                .unwrap_err()
                .to_string()
                .starts_with("t.txt:2:1: unexpected")
        );
        // Inside an octal value, bad bytes are found on their own line.
        let octal = format!(
            "{OBJ}CKA_VALUE MULTILINE_OCTAL\n{}\n\\060\0\nEND\n",
            "\\060".repeat(16)
        );
        assert!(
            err(&octal).starts_with("t.txt:5:5: NUL byte"),
            "{}",
            err(&octal)
        );
    }

    #[test]
    fn full_lines_decode_every_byte_in_every_position() {
        for shift in 0..16u8 {
            for first in (0..=255u8).step_by(16) {
                let bytes: Vec<u8> = (0..16u8)
                    .map(|k| first.wrapping_add(k.wrapping_add(shift) % 16))
                    .collect();
                let line: String = bytes.iter().map(|b| format!("\\{b:03o}")).collect();
                assert_eq!(
                    full_line(line.as_bytes()).as_ref().map(|b| &b[..]),
                    Some(&bytes[..])
                );
                let scalar: Vec<u8> = line
                    .as_bytes()
                    .chunks_exact(4)
                    .map(|c| escape_value(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                    .collect();
                assert_eq!(scalar, bytes);
            }
        }
        // Not 64 bytes: not a full line.
        assert_eq!(full_line(b"\\000"), None);
    }

    #[test]
    fn full_body_lines_decode_and_any_bad_escape_leaves_them_to_the_slow_path() {
        let bytes: Vec<u8> = (0..16u8).map(|k| k * 17).collect();
        let line: String = bytes.iter().map(|b| format!("\\{b:03o}")).collect();
        assert_eq!(line.len(), FULL_LINE);
        for (ending, crlf) in [("\n", false), ("\r\n", true)] {
            let text = format!("{line}{ending}rest");
            let mut out = vec![9];
            let next = octal_body_line(text.as_bytes(), 0, crlf, &mut out);
            assert_eq!(next, Some(FULL_LINE + ending.len()));
            assert_eq!(out.get(1..), Some(bytes.as_slice()));
            // The other line ending: not a body line of this file.
            let mut out = Vec::new();
            assert_eq!(octal_body_line(text.as_bytes(), 0, !crlf, &mut out), None);
            assert!(out.is_empty());
        }
        for k in 0..16 {
            for bad in ["\\400", "\\08a", "/060", "\\0 0", "\\9\\0"] {
                let mut broken = line.clone();
                broken.replace_range(k * 4..k * 4 + 4, bad);
                let text = format!("{broken}\n");
                let mut out = vec![1, 2];
                assert_eq!(
                    octal_body_line(text.as_bytes(), 0, false, &mut out),
                    None,
                    "{text}"
                );
                assert_eq!(out, [1, 2]);
            }
        }
    }

    #[test]
    fn long_lines_and_large_attributes_are_errors_that_name_the_limit() {
        let long = format!("{OBJ}CKA_LABEL UTF8 \"{}\"\n", "a".repeat(MAX_LINE_LENGTH));
        let e = err(&long);
        assert!(
            e.starts_with(
                "t.txt:3:1: line is 65553 bytes long, more than the limit of 65536 bytes per line"
            ),
            "{e}"
        );
        // A long line of well-formed escapes inside a value takes the same check.
        let escapes = format!(
            "{OBJ}CKA_VALUE MULTILINE_OCTAL\n{}\nEND\n",
            "\\001".repeat(MAX_LINE_LENGTH)
        );
        assert!(err(&escapes).starts_with("t.txt:4:1: line is 262144 bytes long"));
        let line = "\\001".repeat(16);
        let lines = MAX_ATTRIBUTE_SIZE / 16 + 1;
        for eol in ["\n", "\r\n"] {
            let big = format!(
                "{OBJ}CKA_VALUE MULTILINE_OCTAL\n{}END\n",
                format!("{line}\n").repeat(lines)
            )
            .replace('\n', eol);
            let e = err(&big);
            assert!(
                e.starts_with(&format!(
                    "t.txt:{}:1: MULTILINE_OCTAL value for CKA_VALUE (from line 3) is more than the limit of 1048576 bytes",
                    3 + lines
                )),
                "{e}"
            );
        }
        // Exactly at the limit is fine.
        let at_limit = format!(
            "{OBJ}CKA_VALUE MULTILINE_OCTAL\n{}END\n",
            format!("{line}\n").repeat(lines - 1)
        );
        assert_eq!(
            parse(at_limit.as_bytes(), "t").unwrap().objects[0]
                .get("CKA_VALUE")
                .unwrap()
                .value
                .as_octal()
                .map(<[u8]>::len),
            Some(MAX_ATTRIBUTE_SIZE)
        );
    }

    #[test]
    fn name_keys_and_the_cka_class_check() {
        let names = [
            "CKA_CLASS",
            "CKA_LABEL",
            "CKA_TRUST_SERVER_AUTH",
            "CKA_TRUST_CLIENT_AUTH",
            "CKA_ID",
            "X",
            "",
        ];
        for a in names {
            for b in names {
                assert_eq!(NameKey::of(a) == NameKey::of(b), a == b, "{a} {b}");
            }
        }
        // Same length, first and last eight bytes: the keys are equal, the
        // names are not, and the whole names decide.
        assert_eq!(
            NameKey::of("CKA_TRUST_AAA_AUTH_XY"),
            NameKey::of("CKA_TRUST_BBB_AUTH_XY")
        );
        let text = "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\n\
                    CKA_TRUST_AAA_AUTH_XY CK_BBOOL CK_TRUE\nCKA_TRUST_BBB_AUTH_XY CK_BBOOL CK_TRUE\n";
        assert_eq!(
            parse(text.as_bytes(), "t").unwrap().objects[0]
                .attributes
                .len(),
            3
        );
        let twice = format!("{text}CKA_TRUST_BBB_AUTH_XY CK_BBOOL CK_FALSE\n");
        assert!(
            err(&twice)
                .contains("CKA_TRUST_BBB_AUTH_XY given twice in one object (first at line 4)")
        );
        for (name, yes) in [
            ("CKA_CLASS", true),
            ("XCKA_CLASS", true),
            ("CKA_CLASSX", true),
            ("CKA_CLAS", false),
            ("CKA_CLASZ_CLASS", false),
            ("CKA_CKA_CLASS", true),
            ("CKA_CLA_CLASS", false),
            ("", false),
        ] {
            assert_eq!(contains_cka_class(name), yes, "{name}");
        }
    }

    #[test]
    fn empty_octal_and_last_line_without_newline() {
        let text = format!("{OBJ}CKA_ID MULTILINE_OCTAL\nEND");
        let doc = parse(text.as_bytes(), "t").unwrap();
        assert_eq!(
            doc.objects[0].get("CKA_ID").unwrap().value,
            Value::Octal(vec![])
        );
    }
}
