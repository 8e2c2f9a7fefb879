//! The certdata.txt embedded in nssroots, so the main job runs offline anywhere.
//!
//! It is `mozilla/certdata.txt` from Debian's `ca-certificates` source package,
//! version 20250419 (suite trixie), byte for byte: the same bytes as NSS
//! 3.108–3.110. See `bundles/README.md` for how it was obtained.
//!
//! ```
//! use sha2::{Digest, Sha256};
//! let digest = Sha256::digest(nssroots::snapshot::CERTDATA);
//! assert_eq!(nssroots::model::to_hex(&digest), nssroots::snapshot::SHA256);
//! ```

/// The embedded certdata.txt.
pub const CERTDATA: &[u8] = include_bytes!("../bundles/certdata.txt");

/// Its SHA-256, as stated by the provenance note (checked by a test).
pub const SHA256: &str = "620fd89c02acb0019f1899dab7907db5d20735904f5a9a0d3a8771a5857ac482";

/// The date of the snapshot (Debian's package version, 20250419).
pub const DATE: &str = "2025-04-19";

/// The snapshot date as Unix seconds (2025-04-19T00:00:00Z).
pub const DATE_UNIX: i64 = 1_745_020_800;

/// Where the snapshot comes from, for headers and messages.
pub const ORIGIN: &str = "embedded snapshot: Debian ca-certificates 20250419 mozilla/certdata.txt (NSS 3.108-3.110 data)";

/// After how many days past [`DATE`] the snapshot is called stale.
pub const STALE_AFTER_DAYS: i64 = 180;

/// How many days the snapshot is older than `reference_unix`, if more than
/// [`STALE_AFTER_DAYS`].
pub fn stale_days(reference_unix: i64) -> Option<i64> {
    let days = reference_unix.saturating_sub(DATE_UNIX) / 86_400;
    (days > STALE_AFTER_DAYS).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn stated_hash_matches_embedded_bytes() {
        assert_eq!(crate::model::to_hex(&Sha256::digest(CERTDATA)), SHA256);
    }

    #[test]
    fn date_constants_agree() {
        assert_eq!(
            crate::select::format_time(DATE_UNIX),
            format!("{DATE}T00:00:00Z")
        );
        assert_eq!(stale_days(DATE_UNIX + 180 * 86_400), None);
        assert_eq!(stale_days(DATE_UNIX + 181 * 86_400), Some(181));
    }
}
