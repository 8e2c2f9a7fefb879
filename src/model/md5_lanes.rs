//! MD5 of many certificates at once, four in the lanes of one vector.
//!
//! Every trust object states the MD5 of its certificate, so each
//! certificate's MD5 is computed while its part is modelled. MD5 is one
//! long chain of dependent additions: one message at a time, the CPU waits
//! on each step (the md-5 crate: about 455 µs for 176 messages of 1,500
//! bytes, about what NSS 3.123's certificates come to; the most of any of the
//! three certificate hashes). Four messages, one per 32-bit lane of a 128-bit
//! vector (`wide::u32x4`: SSE2 on x86-64, which every x86-64 CPU has, and
//! plain arithmetic elsewhere), take little more than the time of one: 455 ->
//! 150-175 µs for the same messages. A lane whose message ends takes the next
//! message, so lanes stay busy whatever the lengths.
//!
//! The digests are those of the md-5 crate (tests compare them on every
//! length up to several blocks and on random batches).

use wide::u32x4;

/// MD5's initial state (RFC 1321, 3.3).
const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// The digests of `messages`, in order.
pub(super) fn md5_each(messages: &[&[u8]]) -> Vec<[u8; 16]> {
    let mut out = vec![[0u8; 16]; messages.len()];
    let mut pending = messages.iter().enumerate();
    let mut lanes: [Option<Lane<'_>>; 4] = [None, None, None, None];
    // The state by register (a, b, c, d), then by lane.
    let mut state = [[0u32; 4]; 4];
    loop {
        for (l, lane) in lanes.iter_mut().enumerate() {
            if lane.is_none()
                && let Some((index, message)) = pending.next()
            {
                *lane = Some(Lane::new(index, message));
                for (reg, init) in state.iter_mut().zip(INIT) {
                    if let Some(s) = reg.get_mut(l) {
                        *s = init;
                    }
                }
            }
        }
        if lanes.iter().all(Option::is_none) {
            return out;
        }
        // The next block of each lane, word by word (a lane with no
        // message hashes zeros, whose result is not used).
        let mut words = [[0u32; 4]; 16];
        for (l, lane) in lanes.iter().enumerate() {
            if let Some(lane) = lane {
                for (word, bytes) in words.iter_mut().zip(lane.block().chunks_exact(4)) {
                    if let (Some(w), Ok(b)) = (word.get_mut(l), <[u8; 4]>::try_from(bytes)) {
                        *w = u32::from_le_bytes(b);
                    }
                }
            }
        }
        let mut v = state.map(u32x4::from);
        compress(&mut v, &words.map(u32x4::from));
        state = v.map(|r| r.to_array());
        for (l, slot) in lanes.iter_mut().enumerate() {
            let Some(lane) = slot else { continue };
            lane.next += 1;
            if lane.next == lane.blocks {
                if let Some(digest) = out.get_mut(lane.index) {
                    for (chunk, reg) in digest.chunks_exact_mut(4).zip(&state) {
                        chunk.copy_from_slice(&reg.get(l).copied().unwrap_or(0).to_le_bytes());
                    }
                }
                *slot = None;
            }
        }
    }
}

/// One message being hashed in a lane.
struct Lane<'m> {
    /// Its place in the input (and the output).
    index: usize,
    /// Its whole 64-byte blocks.
    whole: &'m [u8],
    /// The last one or two blocks: the bytes after the whole blocks, then
    /// the padding (0x80, zeros, the length in bits).
    tail: [u8; 128],
    /// How many blocks there are, padding included.
    blocks: usize,
    /// The block to hash next.
    next: usize,
}

impl<'m> Lane<'m> {
    fn new(index: usize, message: &'m [u8]) -> Lane<'m> {
        let whole_len = message.len() / 64 * 64;
        let (whole, rest) = message.split_at(whole_len);
        // Room for the 0x80 byte and the 8-byte length: one block, or two.
        let tail_len = if rest.len() < 56 { 64 } else { 128 };
        let mut tail = [0u8; 128];
        if let Some(t) = tail.get_mut(..rest.len()) {
            t.copy_from_slice(rest);
        }
        if let Some(b) = tail.get_mut(rest.len()) {
            *b = 0x80;
        }
        let bits = (message.len() as u64).wrapping_mul(8);
        if let Some(t) = tail.get_mut(tail_len - 8..tail_len) {
            t.copy_from_slice(&bits.to_le_bytes());
        }
        Lane {
            index,
            whole,
            tail,
            blocks: (whole_len + tail_len) / 64,
            next: 0,
        }
    }

    /// The 64 bytes of block `next`.
    fn block(&self) -> &[u8] {
        let at = self.next * 64;
        match self.whole.get(at..at + 64) {
            Some(block) => block,
            None => {
                let at = at - self.whole.len();
                self.tail.get(at..at + 64).unwrap_or(&[0; 64])
            }
        }
    }
}

fn f(b: u32x4, c: u32x4, d: u32x4) -> u32x4 {
    d ^ (b & (c ^ d))
}

fn g(b: u32x4, c: u32x4, d: u32x4) -> u32x4 {
    c ^ (d & (b ^ c))
}

fn h(b: u32x4, c: u32x4, d: u32x4) -> u32x4 {
    b ^ c ^ d
}

fn i(b: u32x4, c: u32x4, d: u32x4) -> u32x4 {
    c ^ (b | !d)
}

/// One of the 64 steps: `a = b + ((a + fn(b, c, d) + word + k) <<< s)`.
macro_rules! step {
    ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w:expr, $k:expr, $s:expr) => {
        let t = $a + $f($b, $c, $d) + $w + u32x4::splat($k);
        $a = $b + ((t << $s) | (t >> (32 - $s)));
    };
}

/// MD5's compression function (RFC 1321, 3.4) on four blocks at once.
fn compress(state: &mut [u32x4; 4], m: &[u32x4; 16]) {
    let [mut a, mut b, mut c, mut d] = *state;
    let [
        m0,
        m1,
        m2,
        m3,
        m4,
        m5,
        m6,
        m7,
        m8,
        m9,
        m10,
        m11,
        m12,
        m13,
        m14,
        m15,
    ] = *m;
    step!(f, a, b, c, d, m0, 0xd76aa478, 7);
    step!(f, d, a, b, c, m1, 0xe8c7b756, 12);
    step!(f, c, d, a, b, m2, 0x242070db, 17);
    step!(f, b, c, d, a, m3, 0xc1bdceee, 22);
    step!(f, a, b, c, d, m4, 0xf57c0faf, 7);
    step!(f, d, a, b, c, m5, 0x4787c62a, 12);
    step!(f, c, d, a, b, m6, 0xa8304613, 17);
    step!(f, b, c, d, a, m7, 0xfd469501, 22);
    step!(f, a, b, c, d, m8, 0x698098d8, 7);
    step!(f, d, a, b, c, m9, 0x8b44f7af, 12);
    step!(f, c, d, a, b, m10, 0xffff5bb1, 17);
    step!(f, b, c, d, a, m11, 0x895cd7be, 22);
    step!(f, a, b, c, d, m12, 0x6b901122, 7);
    step!(f, d, a, b, c, m13, 0xfd987193, 12);
    step!(f, c, d, a, b, m14, 0xa679438e, 17);
    step!(f, b, c, d, a, m15, 0x49b40821, 22);
    step!(g, a, b, c, d, m1, 0xf61e2562, 5);
    step!(g, d, a, b, c, m6, 0xc040b340, 9);
    step!(g, c, d, a, b, m11, 0x265e5a51, 14);
    step!(g, b, c, d, a, m0, 0xe9b6c7aa, 20);
    step!(g, a, b, c, d, m5, 0xd62f105d, 5);
    step!(g, d, a, b, c, m10, 0x02441453, 9);
    step!(g, c, d, a, b, m15, 0xd8a1e681, 14);
    step!(g, b, c, d, a, m4, 0xe7d3fbc8, 20);
    step!(g, a, b, c, d, m9, 0x21e1cde6, 5);
    step!(g, d, a, b, c, m14, 0xc33707d6, 9);
    step!(g, c, d, a, b, m3, 0xf4d50d87, 14);
    step!(g, b, c, d, a, m8, 0x455a14ed, 20);
    step!(g, a, b, c, d, m13, 0xa9e3e905, 5);
    step!(g, d, a, b, c, m2, 0xfcefa3f8, 9);
    step!(g, c, d, a, b, m7, 0x676f02d9, 14);
    step!(g, b, c, d, a, m12, 0x8d2a4c8a, 20);
    step!(h, a, b, c, d, m5, 0xfffa3942, 4);
    step!(h, d, a, b, c, m8, 0x8771f681, 11);
    step!(h, c, d, a, b, m11, 0x6d9d6122, 16);
    step!(h, b, c, d, a, m14, 0xfde5380c, 23);
    step!(h, a, b, c, d, m1, 0xa4beea44, 4);
    step!(h, d, a, b, c, m4, 0x4bdecfa9, 11);
    step!(h, c, d, a, b, m7, 0xf6bb4b60, 16);
    step!(h, b, c, d, a, m10, 0xbebfbc70, 23);
    step!(h, a, b, c, d, m13, 0x289b7ec6, 4);
    step!(h, d, a, b, c, m0, 0xeaa127fa, 11);
    step!(h, c, d, a, b, m3, 0xd4ef3085, 16);
    step!(h, b, c, d, a, m6, 0x04881d05, 23);
    step!(h, a, b, c, d, m9, 0xd9d4d039, 4);
    step!(h, d, a, b, c, m12, 0xe6db99e5, 11);
    step!(h, c, d, a, b, m15, 0x1fa27cf8, 16);
    step!(h, b, c, d, a, m2, 0xc4ac5665, 23);
    step!(i, a, b, c, d, m0, 0xf4292244, 6);
    step!(i, d, a, b, c, m7, 0x432aff97, 10);
    step!(i, c, d, a, b, m14, 0xab9423a7, 15);
    step!(i, b, c, d, a, m5, 0xfc93a039, 21);
    step!(i, a, b, c, d, m12, 0x655b59c3, 6);
    step!(i, d, a, b, c, m3, 0x8f0ccc92, 10);
    step!(i, c, d, a, b, m10, 0xffeff47d, 15);
    step!(i, b, c, d, a, m1, 0x85845dd1, 21);
    step!(i, a, b, c, d, m8, 0x6fa87e4f, 6);
    step!(i, d, a, b, c, m15, 0xfe2ce6e0, 10);
    step!(i, c, d, a, b, m6, 0xa3014314, 15);
    step!(i, b, c, d, a, m13, 0x4e0811a1, 21);
    step!(i, a, b, c, d, m4, 0xf7537e82, 6);
    step!(i, d, a, b, c, m11, 0xbd3af235, 10);
    step!(i, c, d, a, b, m2, 0x2ad7d2bb, 15);
    step!(i, b, c, d, a, m9, 0xeb86d391, 21);
    let [sa, sb, sc, sd] = state;
    *sa += a;
    *sb += b;
    *sc += c;
    *sd += d;
}

#[cfg(test)]
mod tests {
    use super::md5_each;
    use md5::{Digest, Md5};

    fn expected(messages: &[&[u8]]) -> Vec<[u8; 16]> {
        messages.iter().map(|m| Md5::digest(m).into()).collect()
    }

    #[test]
    fn known_answers() {
        // RFC 1321, A.5.
        let d = md5_each(&[b"", b"abc", b"message digest"]);
        let hex: Vec<String> = d.iter().map(|d| crate::model::to_hex(d)).collect();
        assert_eq!(
            hex,
            [
                "d41d8cd98f00b204e9800998ecf8427e",
                "900150983cd24fb0d6963f7d28e17f72",
                "f96b697d7cb7938d525a2f31aaf161d0",
            ]
        );
        assert!(md5_each(&[]).is_empty());
    }

    #[test]
    fn every_length_around_the_block_edges() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        // All lengths 0..=260, in batches of 1 to 9 messages of mixed
        // lengths, so lanes end and refill at different blocks.
        let messages: Vec<&[u8]> = (0..=260).map(|n| &data[n % 13..n % 13 + n]).collect();
        for batch in 1..=9 {
            for chunk in messages.chunks(batch) {
                assert_eq!(md5_each(chunk), expected(chunk), "batch of {batch}");
            }
        }
        let mut reversed = messages.clone();
        reversed.reverse();
        assert_eq!(md5_each(&reversed), expected(&reversed));
    }

    #[test]
    fn real_certificates() {
        let store = crate::Store::from_bytes(crate::snapshot::CERTDATA, "certdata.txt").unwrap();
        let ders: Vec<&[u8]> = store
            .certificates
            .iter()
            .map(|c| c.der.as_slice())
            .collect();
        assert!(ders.len() > 100);
        assert_eq!(md5_each(&ders), expected(&ders));
    }

    proptest::proptest! {
        #[test]
        fn random_batches(messages in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..12)) {
            let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            proptest::prop_assert_eq!(md5_each(&refs), expected(&refs));
        }
    }
}
