//! `nssroots`: the command-line front end. All logic lives in the library.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use nssroots::select::TimeSource;
use nssroots::source::{DEFAULT_MAX_INPUT, Source};
use nssroots::write::CheckOutcome;
use nssroots::{
    BundleOptions, DistrustAfterMode, Policy, Purpose, ReferenceTime, SortKey, TrustLevel,
};

/// Turn Mozilla NSS certdata.txt into CA bundles that TLS software can load.
#[derive(Parser, Debug)]
#[command(name = "nssroots", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a PEM bundle of the certificates a policy trusts.
    Bundle(BundleArgs),
}

/// The selection policy, shared by every command that decides trust.
#[derive(Args, Debug)]
struct PolicyArgs {
    /// Purpose to select for; repeatable (a certificate qualifies for any one).
    #[arg(long = "purpose", value_name = "P", default_value = "server-auth",
          value_parser = PossibleValuesParser::new(Purpose::NAMES).try_map(|s| s.parse::<Purpose>()))]
    purposes: Vec<Purpose>,

    /// Trust level that counts as trusted; repeatable.
    #[arg(long = "level", value_name = "L", default_value = "trusted-delegator",
          value_parser = PossibleValuesParser::new(TrustLevel::NAMES).try_map(|s| s.parse::<TrustLevel>()))]
    levels: Vec<TrustLevel>,

    /// Reference time (RFC 3339, e.g. 2026-11-22T23:15:00Z); else SOURCE_DATE_EPOCH, else now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Keep certificates whose notAfter is before the reference time.
    #[arg(long)]
    include_expired: bool,

    /// How distrust-after dates apply: grace (date + 398 days server-auth, 825 email-protection),
    /// exclude (as soon as the date passes) or keep (ignore them, as curl, Debian and Go do).
    #[arg(long, value_name = "RULE", default_value = "grace",
          value_parser = PossibleValuesParser::new(DistrustAfterMode::NAMES).try_map(|s| s.parse::<DistrustAfterMode>()))]
    distrust_after: DistrustAfterMode,

    /// Grace in days after a distrust-after date, for every purpose (overrides 398/825).
    #[arg(long, value_name = "N")]
    grace_days: Option<u32>,
}

impl PolicyArgs {
    fn policy(&self) -> Result<Policy> {
        let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
        let at = ReferenceTime::resolve(self.at.as_deref(), sde.as_deref())?;
        let mut policy = Policy {
            purposes: self.purposes.clone(),
            levels: self.levels.clone(),
            at,
            include_expired: self.include_expired,
            distrust_after: self.distrust_after,
            grace_days: self.grace_days,
        };
        policy.dedup();
        Ok(policy)
    }
}

#[derive(Args, Debug)]
struct InputArgs {
    /// certdata.txt to read (`-` for standard input); default: the embedded snapshot.
    #[arg(long, short = 'i', value_name = "PATH")]
    input: Option<String>,

    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT)]
    max_input_size: u64,
}

impl InputArgs {
    fn source(&self) -> Source {
        self.input
            .as_deref()
            .map_or(Source::Snapshot, Source::from_arg)
    }
}

#[derive(Args, Debug)]
struct BundleArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Where to write the bundle (`-` for standard output, the default). Written atomically.
    #[arg(long, short = 'o', value_name = "PATH", default_value = "-")]
    output: String,

    #[command(flatten)]
    policy: PolicyArgs,

    /// Order of the certificates.
    #[arg(long, value_name = "KEY", default_value = "source",
          value_parser = PossibleValuesParser::new(SortKey::NAMES).try_map(|s| s.parse::<SortKey>()))]
    sort: SortKey,

    /// Write nothing; exit 1 when PATH differs from what would be written.
    #[arg(long)]
    check: bool,

    /// Write a bundle even when the policy selects no certificate.
    #[arg(long)]
    allow_empty: bool,

    /// Print warnings only when they are errors (suppresses notes and warnings).
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn warn(quiet: bool, msg: impl std::fmt::Display) {
    if !quiet {
        eprintln!("nssroots: warning: {msg}");
    }
}

fn note(quiet: bool, msg: impl std::fmt::Display) {
    if !quiet {
        eprintln!("nssroots: {msg}");
    }
}

/// Prints the model's warnings, at most 20 of them.
fn print_warnings(quiet: bool, source_name: &str, warnings: &[nssroots::Warning]) {
    const SHOWN: usize = 20;
    for w in warnings.iter().take(SHOWN) {
        warn(
            quiet,
            format_args!("{source_name}:{}: {}", w.line, w.message),
        );
    }
    if warnings.len() > SHOWN {
        warn(
            quiet,
            format_args!("... and {} more warnings", warnings.len() - SHOWN),
        );
    }
}

fn run_bundle(args: &BundleArgs) -> Result<ExitCode> {
    let policy = args.policy.policy()?;
    let source = args.input.source();
    if source == Source::Snapshot {
        note(
            args.quiet,
            format_args!(
                "no --input given: using the {} of {}",
                nssroots::snapshot::ORIGIN,
                nssroots::snapshot::DATE
            ),
        );
        if let Some(days) = nssroots::snapshot::stale_days(policy.at.unix) {
            warn(
                args.quiet,
                format_args!(
                    "the embedded snapshot ({}) is {days} days older than the reference time; \
                     for the current store download certdata.txt from \
                     https://raw.githubusercontent.com/mozilla-firefox/firefox/release/security/nss/lib/ckfw/builtins/certdata.txt \
                     and pass it with --input",
                    nssroots::snapshot::DATE
                ),
            );
        }
    }
    if policy.at.source == TimeSource::Now && args.check {
        warn(
            args.quiet,
            "--check with the current time as reference time: the header records that time, so pass --at or set SOURCE_DATE_EPOCH for a reproducible comparison",
        );
    }
    let options = BundleOptions {
        sort: args.sort,
        allow_empty: args.allow_empty,
        max_input: args.input.max_input_size,
    };
    let bundle = nssroots::bundle(&source, &policy, &options)?;
    print_warnings(args.quiet, &source.name(), &bundle.warnings);
    if bundle.count == 0 {
        warn(args.quiet, "the bundle is empty (--allow-empty)");
    }

    if args.output == "-" {
        if args.check {
            bail!("--check needs an output file (-o PATH) to compare with");
        }
        let mut stdout = std::io::stdout().lock();
        return match stdout
            .write_all(bundle.pem.as_bytes())
            .and_then(|()| stdout.flush())
        {
            // The reader stopped reading (`| head`): its choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
            other => other
                .map(|()| ExitCode::SUCCESS)
                .context("writing to standard output"),
        };
    }
    let path = PathBuf::from(&args.output);
    if args.check {
        return match nssroots::write::check(&path, bundle.pem.as_bytes())? {
            CheckOutcome::UpToDate => {
                note(
                    args.quiet,
                    format_args!(
                        "{} is up to date ({} certificates)",
                        path.display(),
                        bundle.count
                    ),
                );
                Ok(ExitCode::SUCCESS)
            }
            CheckOutcome::Missing => {
                eprintln!(
                    "nssroots: {} does not exist; it would hold {} certificates",
                    path.display(),
                    bundle.count
                );
                Ok(ExitCode::from(1))
            }
            CheckOutcome::Differs => {
                report_difference(&path, &bundle.pem);
                Ok(ExitCode::from(1))
            }
        };
    }
    nssroots::write::write_atomic(&path, bundle.pem.as_bytes())?;
    note(
        args.quiet,
        format_args!(
            "wrote {} certificates of {} to {} (reference time {})",
            bundle.count,
            bundle.total,
            path.display(),
            policy.at
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// Says how an existing bundle differs from the one that would be written.
fn report_difference(path: &std::path::Path, new: &str) {
    let old = std::fs::read(path).unwrap_or_default();
    let (Ok(old_fps), Ok(new_fps)) = (
        nssroots::encode::pem_fingerprints(&old),
        nssroots::encode::pem_fingerprints(new.as_bytes()),
    ) else {
        eprintln!(
            "nssroots: {} differs from the bundle that would be written",
            path.display()
        );
        return;
    };
    let removed: Vec<_> = old_fps.iter().filter(|f| !new_fps.contains(f)).collect();
    let added: Vec<_> = new_fps.iter().filter(|f| !old_fps.contains(f)).collect();
    eprintln!(
        "nssroots: {} differs from the bundle that would be written: {} certificates would be added, {} removed{}",
        path.display(),
        added.len(),
        removed.len(),
        if added.is_empty() && removed.is_empty() {
            " (header, comments or order differ)"
        } else {
            ""
        }
    );
    for f in added {
        eprintln!("  + {f}");
    }
    for f in removed {
        eprintln!("  - {f}");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Bundle(args) => run_bundle(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nssroots: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
