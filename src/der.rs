//! The little DER nssroots reads and writes itself: splitting TLVs (serial
//! numbers, names, the parts of a certificate the output formats need) and
//! encoding what the formats write (OpenSSL's auxiliary trust, canonical
//! names, PKCS #12, extensions). Definite lengths only.

/// INTEGER tag.
pub const INTEGER: u8 = 0x02;
/// OCTET STRING tag.
pub const OCTET_STRING: u8 = 0x04;
/// OBJECT IDENTIFIER tag.
pub const OID: u8 = 0x06;
/// UTF8String tag.
pub const UTF8_STRING: u8 = 0x0c;
/// BMPString tag.
pub const BMP_STRING: u8 = 0x1e;
/// SEQUENCE tag (constructed).
pub const SEQUENCE: u8 = 0x30;
/// SET tag (constructed).
pub const SET: u8 = 0x31;

/// `tag`, the DER length of `content`, then `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of the already encoded `items`.
pub fn sequence(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(SEQUENCE, &items.concat())
}

/// A SET OF the already encoded `items`, sorted as DER requires.
pub fn set_of(items: &[Vec<u8>]) -> Vec<u8> {
    let mut sorted: Vec<&Vec<u8>> = items.iter().collect();
    sorted.sort();
    let content: Vec<u8> = sorted.into_iter().flatten().copied().collect();
    tlv(SET, &content)
}

/// An OBJECT IDENTIFIER from its dotted form (`1.3.6.1.5.5.7.3.1`); `None`
/// when the text is not one.
pub fn oid(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().ok())
        .collect::<Option<_>>()?;
    let (&first, rest) = arcs.split_first()?;
    let (&second, rest) = rest.split_first()?;
    if first > 2 || (first < 2 && second >= 40) {
        return None;
    }
    let mut content = Vec::new();
    for arc in std::iter::once(first * 40 + second).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        content.extend(groups.iter().rev());
    }
    Some(tlv(OID, &content))
}

/// A small non-negative INTEGER.
pub fn integer(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = bytes.get(skip..).unwrap_or_default().to_vec();
    if content.first().is_some_and(|&b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(INTEGER, &content)
}

/// Splits one TLV off the front of `der`: `(tag, content, rest)`.
pub fn split(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(n);
        (
            len_bytes
                .iter()
                .fold(0usize, |a, &b| (a << 8) | usize::from(b)),
            rest,
        )
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

/// The parts of a certificate the output formats need, each a whole TLV.
#[derive(Debug, Clone, Copy)]
pub struct TbsParts<'a> {
    /// The subject Name.
    pub subject: &'a [u8],
    /// The SubjectPublicKeyInfo.
    pub spki: &'a [u8],
    /// The `[3]` extensions, if present.
    pub extensions: Option<&'a [u8]>,
}

/// Splits off one whole TLV (header included).
fn whole(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, _, rest) = split(der)?;
    Some((der.get(..der.len() - rest.len())?, rest))
}

/// The subject, SubjectPublicKeyInfo and extensions of a certificate's DER.
pub fn tbs_parts(cert_der: &[u8]) -> Option<TbsParts<'_>> {
    let (_, cert, _) = split(cert_der)?;
    let (_, tbs, _) = split(cert)?;
    let (tag, _, after_version) = split(tbs)?;
    let mut rest = if tag == 0xa0 { after_version } else { tbs };
    // serialNumber, signature, issuer, validity.
    for _ in 0..4 {
        rest = split(rest)?.2;
    }
    let (subject, rest) = whole(rest)?;
    let (spki, mut rest) = whole(rest)?;
    let mut extensions = None;
    while let Some((tag, content, after)) = split(rest) {
        if tag == 0xa3 {
            extensions = Some(content);
        }
        rest = after;
    }
    Some(TbsParts {
        subject,
        spki,
        extensions,
    })
}

/// The content of a TLV (its header dropped).
pub fn content(tlv: &[u8]) -> Option<&[u8]> {
    split(tlv).map(|(_, c, _)| c)
}

/// The `extnValue` of the extension `oid` (DER of the OID TLV) in a `[3]`
/// extensions field's content.
pub fn extension<'a>(extensions: &'a [u8], oid_tlv: &[u8]) -> Option<&'a [u8]> {
    let (_, mut list, _) = split(extensions)?;
    while !list.is_empty() {
        let (_, ext, after) = split(list)?;
        list = after;
        let (id, rest) = whole(ext)?;
        if id != oid_tlv {
            continue;
        }
        let (tag, c, rest2) = split(rest)?;
        // An optional `critical` BOOLEAN comes first.
        let value = if tag == 0x01 { content(rest2)? } else { c };
        return Some(value);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lengths_oids_and_integers() {
        assert_eq!(tlv(OCTET_STRING, &[1, 2]), [4, 2, 1, 2]);
        let long = tlv(OCTET_STRING, &[0; 300]);
        assert_eq!(&long[..4], [4, 0x82, 1, 44]);
        assert_eq!(
            oid("1.3.6.1.5.5.7.3.1").unwrap(),
            [6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 1]
        );
        assert_eq!(
            oid("2.16.840.1.113894.746875.1.1").unwrap(),
            [
                6, 12, 0x60, 0x86, 0x48, 1, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 1, 1
            ]
        );
        assert!(oid("3.1").is_none() && oid("1").is_none() && oid("1.x").is_none());
        assert_eq!(integer(3), [2, 1, 3]);
        assert_eq!(integer(200), [2, 2, 0, 200]);
        assert_eq!(integer(0), [2, 1, 0]);
        let (tag, content, rest) = split(&long).unwrap();
        assert_eq!((tag, content.len(), rest.len()), (4, 300, 0));
        assert!(split(&long[..100]).is_none());
    }

    #[test]
    fn sets_are_sorted() {
        assert_eq!(
            set_of(&[vec![2, 1, 9], vec![2, 1, 3]]),
            [0x31, 6, 2, 1, 3, 2, 1, 9]
        );
    }
}
