//! `nssroots`: the command-line front end. All logic lives in the library.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use nssroots::fetch::{self, Channel, FetchOptions, Outcome, Roots, Upstream};
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
    /// Download certdata.txt from upstream over verified HTTPS and replace a
    /// local copy, only with a file that parses and trusts something.
    Fetch(FetchArgs),
    /// Report what is wrong or odd in a certdata.txt; exit 1 if anything is an error.
    Lint(LintArgs),
}

/// Where to fetch certdata.txt from, and how.
#[derive(Args, Debug)]
struct UpstreamArgs {
    /// Firefox branch whose copy to fetch: release (the default), beta or nightly (autoland).
    #[arg(long, value_name = "CHANNEL", conflicts_with_all = ["nss_tag", "url"],
          value_parser = PossibleValuesParser::new(Channel::NAMES).try_map(|s| s.parse::<Channel>()))]
    channel: Option<Channel>,

    /// NSS release tag to fetch from the NSS repository, e.g. NSS_3_123_RTM.
    #[arg(long, value_name = "TAG", conflicts_with = "url")]
    nss_tag: Option<String>,

    /// Any https:// URL (plain http is refused).
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// Verify the server with only the roots in this PEM file (default: the platform's store).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,

    /// Expected SHA-256 of the download: nothing is used or written unless it matches.
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,

    /// Lock file (JSON: URL, SHA-256, size, time, ETag, Last-Modified).
    #[arg(long, value_name = "PATH")]
    lock: Option<PathBuf>,

    /// Fail unless the download matches the lock file.
    #[arg(long, requires = "lock")]
    locked: bool,

    /// Largest download accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = fetch::DEFAULT_MAX_SIZE)]
    max_size: u64,

    /// Seconds allowed to connect, and for each read and write after that.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

impl UpstreamArgs {
    fn url(&self) -> Result<String> {
        let upstream = match (&self.channel, &self.nss_tag, &self.url) {
            (_, Some(tag), _) => Upstream::NssTag(tag.clone()),
            (_, _, Some(url)) => Upstream::Url(url.clone()),
            (Some(c), _, _) => Upstream::Channel(*c),
            _ => Upstream::default(),
        };
        Ok(upstream.url()?)
    }

    fn options(&self, quiet: bool) -> FetchOptions {
        let timeout = std::time::Duration::from_secs(self.timeout.max(1));
        FetchOptions {
            roots: self.ca_file.clone().map_or(Roots::Platform, Roots::File),
            max_size: self.max_size,
            connect_timeout: timeout,
            timeout,
            progress: !quiet,
            ..FetchOptions::default()
        }
    }

    fn sha256(&self) -> Result<Option<[u8; 32]>> {
        Ok(self
            .sha256
            .as_deref()
            .map(fetch::parse_sha256)
            .transpose()?)
    }
}

#[derive(Args, Debug)]
struct FetchArgs {
    #[command(flatten)]
    upstream: UpstreamArgs,

    /// Where to write certdata.txt. Written atomically, only when it changed.
    #[arg(long, short = 'o', value_name = "PATH", default_value = "certdata.txt")]
    output: PathBuf,

    /// Keep the previous file as PATH.bak when replacing it.
    #[arg(long)]
    backup: bool,

    /// Print errors only.
    #[arg(long, short = 'q')]
    quiet: bool,
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

    /// Fetch certdata.txt from upstream (see `nssroots fetch`) instead of --input.
    #[arg(long, conflicts_with = "input")]
    fetch: bool,

    #[command(flatten)]
    upstream: UpstreamArgs,

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
    if !args.fetch
        && (args.upstream.channel.is_some()
            || args.upstream.nss_tag.is_some()
            || args.upstream.url.is_some()
            || args.upstream.lock.is_some()
            || args.upstream.sha256.is_some()
            || args.upstream.ca_file.is_some())
    {
        bail!("--channel, --nss-tag, --url, --ca-file, --sha256 and --lock need --fetch");
    }
    if source == Source::Snapshot && !args.fetch {
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
                     for the current store run `nssroots fetch` and pass the file with --input, \
                     or use `nssroots bundle --fetch`",
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
    let (store, origin) = if args.fetch {
        let url = args.upstream.url()?;
        let lock = match (&args.upstream.lock, args.upstream.locked) {
            (Some(path), true) => Some(fetch::Lock::read(path)?.with_context(|| {
                format!("--locked: the lock file {} does not exist", path.display())
            })?),
            _ => None,
        };
        let download = match fetch::get(&url, &args.upstream.options(args.quiet), None)? {
            fetch::Response::Body(d) => d,
            fetch::Response::NotModified => {
                bail!("{url}: 304 Not Modified to a request that was not conditional")
            }
        };
        let store = fetch::verify(&download, args.upstream.sha256()?.as_ref(), lock.as_ref())?;
        note(
            args.quiet,
            format_args!(
                "fetched {url}: {} bytes, SHA-256 {}",
                download.bytes.len(),
                nssroots::model::to_hex(&download.sha256)
            ),
        );
        (store, url)
    } else {
        (source.load(options.max_input)?, source.origin())
    };
    let bundle = nssroots::bundle_store(&store, &origin, &policy, &options)?;
    print_warnings(args.quiet, &store.source_name, &bundle.warnings);
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

fn run_fetch(args: &FetchArgs) -> Result<ExitCode> {
    let url = args.upstream.url()?;
    let options = fetch::UpdateOptions {
        output: args.output.clone(),
        sha256: args.upstream.sha256()?,
        lock: args.upstream.lock.clone(),
        locked: args.upstream.locked,
        backup: args.backup,
    };
    match fetch::update(&url, &args.upstream.options(args.quiet), &options)? {
        Outcome::Unchanged { reason } => note(
            args.quiet,
            format_args!("{} unchanged: {reason}", args.output.display()),
        ),
        Outcome::Written {
            sha256,
            size,
            certificates,
            trusted,
        } => note(
            args.quiet,
            format_args!(
                "wrote {} from {url}: {size} bytes, SHA-256 {}, {certificates} certificates ({trusted} trusted)",
                args.output.display(),
                nssroots::model::to_hex(&sha256)
            ),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
struct LintArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text",
          value_parser = PossibleValuesParser::new(["text", "json"]))]
    format: String,

    /// Reference time for expiry and distrust-after (RFC 3339); else SOURCE_DATE_EPOCH, else now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// Exit 0 (no error found), 1 (errors found); errors reading the input are 2.
fn run_lint(args: &LintArgs) -> Result<ExitCode> {
    let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
    let at = ReferenceTime::resolve(args.at.as_deref(), sde.as_deref())?;
    let source = args.input.source();
    let bytes = source.read(args.input.max_input_size)?;
    let report = nssroots::lint::lint(&bytes, &source.name(), at.unix);
    let text = match args.format.as_str() {
        "json" => report.to_json(),
        _ => report.to_text(),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(e).context("writing to standard output");
        }
        _ => {}
    }
    Ok(ExitCode::from(u8::from(report.errors() > 0)))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Bundle(args) => run_bundle(args),
        Command::Fetch(args) => run_fetch(args),
        Command::Lint(args) => run_lint(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nssroots: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
